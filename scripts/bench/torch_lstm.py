# PyTorch's side of bench/rnn_bench.cpp: nn.LSTM(64, 128) forward + backward at batch
# 32, 100 steps, padded and packed (lengths 1 + (b·37) mod 100), on the CPU, with the
# thread count of the allgrad run (first argument, default 1). Prints ms per iteration
# (median of 5 timings of 10 iterations each).
#   python3 scripts/bench/torch_lstm.py [THREADS]
import statistics
import sys
import time

import torch
from torch.nn.utils.rnn import pack_padded_sequence

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.manual_seed(0)
B, T, IN, H = 32, 100, 64, 128
lstm = torch.nn.LSTM(IN, H)
x = torch.randn(T, B, IN, requires_grad=True)
lengths = torch.tensor([1 + (b * 37) % T for b in range(B)])


def step(packed):
    if packed:
        out = lstm(pack_padded_sequence(x, lengths, enforce_sorted=False))[0].data
    else:
        out = lstm(x)[0]
    out.sum().backward()
    lstm.zero_grad()
    x.grad = None


for packed in (False, True):
    for _ in range(3):
        step(packed)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(10):
            step(packed)
        times.append((time.perf_counter() - t) / 10 * 1000)
    print(f"torch {torch.__version__} LSTM {'packed' if packed else 'padded'} forward+backward: "
          f"{statistics.median(times):.2f} ms/iter (threads {torch.get_num_threads()})")
