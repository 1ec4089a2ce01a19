# PyTorch's side of bench/rnn_bench.cpp: nn.LSTM(IN, H) forward + backward (loss = sum of
# the outputs) on a (T, B, IN) input, padded, or packed with lengths 1 + (b·37) mod T, on
# the CPU. Prints one JSON line: the median ms per iteration over --timings timings of
# 10 iterations each (after 3 warm-up iterations), its min and max, and tokens/s.
#   python3 scripts/bench/torch_lstm.py [--threads N] [--shape T,B,IN,H] [--packed] [--timings K]
import argparse
import json
import statistics
import time

import torch
from torch.nn.utils.rnn import pack_padded_sequence

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--shape", default="100,32,64,128", help="T,B,IN,H")
ap.add_argument("--packed", action="store_true")
ap.add_argument("--timings", type=int, default=5)
a = ap.parse_args()

torch.set_num_threads(a.threads)
torch.set_flush_denormal(True)  # allgrad flushes denormals too
torch.manual_seed(0)
T, B, IN, H = (int(v) for v in a.shape.split(","))
lstm = torch.nn.LSTM(IN, H)
x = torch.randn(T, B, IN, requires_grad=True)
lengths = torch.tensor([1 + (b * 37) % T if a.packed else T for b in range(B)])
tokens = int(lengths.sum())


def step():
    if a.packed:
        out = lstm(pack_padded_sequence(x, lengths, enforce_sorted=False))[0].data
    else:
        out = lstm(x)[0]
    out.sum().backward()
    lstm.zero_grad()
    x.grad = None


for _ in range(3):
    step()
times = []
for _ in range(a.timings):
    t = time.perf_counter()
    for _ in range(10):
        step()
    times.append((time.perf_counter() - t) / 10 * 1000)
ms = statistics.median(times)
print(json.dumps({"side": "pytorch", "torch": torch.__version__, "shape": a.shape, "packed": a.packed,
                  "threads": torch.get_num_threads(), "ms_per_iter": round(ms, 3), "min_ms": round(min(times), 3),
                  "max_ms": round(max(times), 3), "tokens_per_s": round(tokens / ms * 1000, 1)}))
