"""PyTorch side of vs-pytorch.sh: the MLP 784-256-128-10 or the ConvNet on Fashion-MNIST
with torch.optim.Adam, written as careful PyTorch: the data preloaded as tensors (pixel/255,
as torchvision's ToTensor), one shuffle per epoch, a slice per batch, zero_grad(set_to_none).
Timed like `allgrad train`: from the first step to the last (no start-up, no evaluation).
Prints allgrad's summary line: "done: N steps in T s, S samples/s".

--instances K builds the model K times in the one process, from the same seed, and trains
each over the same batches: on this 2-vCPU virtual machine one PyTorch 1.13 process runs
a step in ~1.5 ms or in several times that, at random per model instance (glibc's malloc
hands Adam's 800 kB temporaries back to the kernel each step for some heap layouts and
not others, and every step then page-faults them in again; README, "Performance against
PyTorch"). The summary line then gives the fastest instance, and one more line every
instance's figure: "instances: S1 S2 ... samples/s".
torch_ddp.py imports the data, model and settings from here."""
import argparse
import gzip
import os
import time

import numpy as np
import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion_mnist(root=DATA, image_shape=(784,)):
    """The training set as (float32 images [N, *image_shape] in [0, 1], int64 labels [N])."""
    def find(stem):
        for name in (stem + ".gz", stem):
            if os.path.exists(os.path.join(root, name)):
                return os.path.join(root, name)
        raise FileNotFoundError(f"{root} has no {stem}[.gz] (apt-get install dataset-fashion-mnist)")
    images = torch.from_numpy(read_idx(find("train-images-idx3-ubyte")).copy())
    labels = torch.from_numpy(read_idx(find("train-labels-idx1-ubyte")).astype(np.int64))
    return images.reshape(-1, *image_shape).float().div(255), labels


def build_model(kind):
    if kind == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    if kind == "convnet":
        return nn.Sequential(
            nn.Conv2d(1, 32, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 5, 1, 2), nn.ReLU(),
            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(7 * 7 * 64, 1024), nn.ReLU(), nn.Linear(1024, 10))
    raise ValueError(f"unknown model {kind!r} (mlp, convnet)")


def configure(threads, flush_denormal):
    """torch.set_num_threads (OMP_NUM_THREADS / OPENBLAS_NUM_THREADS come from the caller's env)."""
    torch.set_num_threads(threads)
    if flush_denormal and not torch.set_flush_denormal(True):
        raise RuntimeError("this CPU cannot flush denormals")


def train_steps(model, opt, batches, max_steps):
    """Runs the steps of one epoch; returns (steps, samples, loss sum)."""
    loss_fn = nn.CrossEntropyLoss()
    steps = samples = 0
    loss_sum = 0.0
    for xb, yb in batches:
        if max_steps is not None and steps >= max_steps:
            break
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        loss_sum += loss.item()
        steps += 1
        samples += xb.shape[0]
    return steps, samples, loss_sum


def slices(x, y, batch):
    for i in range(0, x.shape[0], batch):
        yield x[i:i + batch], y[i:i + batch]


def summary(steps, samples, seconds, loss):
    return f"done: {steps} steps in {seconds:.1f} s, {samples / seconds:.0f} samples/s, last epoch mean loss {loss:.4f}"


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", default="mlp", choices=["mlp", "convnet"])
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--instances", type=int, default=1, help="models trained one after another; the fastest is reported")
    a = p.parse_args()
    configure(a.threads, a.flush_denormal)
    x, y = fashion_mnist(image_shape=(784,) if a.model == "mlp" else (1, 28, 28))
    runs = [train_instance(a, x, y) for _ in range(max(1, a.instances))]
    best = max(runs, key=lambda r: r[1] / r[2])
    if len(runs) > 1:
        print("instances: " + " ".join(f"{r[1] / r[2]:.0f}" for r in runs) + " samples/s", flush=True)
    print(summary(*best), flush=True)


def train_instance(a, x, y):
    """One model from the seed, trained over --epochs (or --max-steps); returns summary()'s arguments."""
    torch.manual_seed(a.seed)
    model = build_model(a.model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(a.seed)
    steps = samples = 0
    loss_sum, loss_n = 0.0, 0
    t0 = time.perf_counter()
    for _ in range(a.epochs):
        perm = torch.randperm(x.shape[0], generator=gen)
        left = None if a.max_steps is None else a.max_steps - steps
        n, s, loss_sum = train_steps(model, opt, slices(x[perm], y[perm], a.batch_size), left)
        steps, samples, loss_n = steps + n, samples + s, n
        if a.max_steps is not None and steps >= a.max_steps:
            break
    return steps, samples, time.perf_counter() - t0, loss_sum / max(loss_n, 1)


if __name__ == "__main__":
    main()
