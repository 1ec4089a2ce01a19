# Prints the golden values of torch_golden_test.cpp: packed bidirectional two-layer
# RNN/LSTM/GRU runs in PyTorch with parameters and inputs given by formulas (so the
# C++ test rebuilds the same ones without reading any file).
#   python3 tests/rnn/torch_golden.py
import math
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_default_dtype(torch.float64)
B, T, IN, H = 3, 4, 3, 2
lengths = torch.tensor([2, 4, 3])


def fill(module):
    with torch.no_grad():
        for k, (_, p) in enumerate(module.named_parameters()):
            n = p.numel()
            p.copy_(torch.tensor([0.5 * math.sin(0.37 * i + 1.3 * k) for i in range(n)]).view_as(p))


def show(name, t):
    print(f"// {name} {list(t.shape)}")
    print("{" + ", ".join(f"{v:.12g}" for v in t.flatten().tolist()) + "},")


x = torch.tensor([math.cos(0.21 * i) for i in range(B * T * IN)]).view(B, T, IN)
for kind, make in [("LSTM", lambda: torch.nn.LSTM(IN, H, num_layers=2, bidirectional=True, batch_first=True)),
                   ("GRU", lambda: torch.nn.GRU(IN, H, num_layers=2, bidirectional=True, batch_first=True)),
                   ("RNN_TANH", lambda: torch.nn.RNN(IN, H, num_layers=2, bidirectional=True, batch_first=True))]:
    m = make()
    fill(m)
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, state = m(packed)
    padded, _ = pad_packed_sequence(out, batch_first=True)
    print(f"// {kind}")
    show("output", padded)
    if isinstance(state, tuple):
        show("h_n", state[0])
        show("c_n", state[1])
    else:
        show("h_n", state)
