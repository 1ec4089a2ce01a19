"""The plainest PyTorch training loop over the same tensors as torch_train.py (MLP or
ConvNet on Fashion-MNIST, torch.optim.Adam lr 1e-3): no shuffle, no helpers, one model,
the loop an expert would type first. vs-pytorch.sh runs it in the same environment as
torch_train.py and reports torch_train.py's figure over this one: a ratio far from 1 says
the reference measures its harness or a bad mode of PyTorch, not PyTorch.
--instances K runs the same loop on K fresh models in the process and reports the
fastest, as torch_train.py does (the first model of a process also pays its warm-up).
Prints the same summary line: "done: N steps in T s, S samples/s"."""
import argparse
import time

import torch
from torch import nn

from torch_train import build_model, configure, fashion_mnist, summary


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", default="mlp", choices=["mlp", "convnet"])
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--flush-denormal", action="store_true")
    p.add_argument("--instances", type=int, default=1)
    a = p.parse_args()
    configure(a.threads, a.flush_denormal)
    x, y = fashion_mnist(image_shape=(784,) if a.model == "mlp" else (1, 28, 28))
    runs = [plain_loop(a, x, y) for _ in range(max(1, a.instances))]
    if len(runs) > 1:
        print("instances: " + " ".join(f"{r[1] / r[2]:.0f}" for r in runs) + " samples/s", flush=True)
    print(summary(*max(runs, key=lambda r: r[1] / r[2])), flush=True)


def plain_loop(a, x, y):
    torch.manual_seed(0)
    model = build_model(a.model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    b, steps, loss = a.batch_size, 0, torch.zeros(())
    limit = a.max_steps if a.max_steps is not None else a.epochs * ((x.shape[0] + b - 1) // b)
    t0 = time.perf_counter()
    while steps < limit:
        for i in range(0, x.shape[0], b):
            if steps == limit:
                break
            opt.zero_grad()
            loss = loss_fn(model(x[i:i + b]), y[i:i + b])
            loss.backward()
            opt.step()
            steps += 1
    seconds = time.perf_counter() - t0
    samples = sum(min(b, x.shape[0] - (s % ((x.shape[0] + b - 1) // b)) * b) for s in range(steps))
    return steps, samples, seconds, loss.item()


if __name__ == "__main__":
    main()
