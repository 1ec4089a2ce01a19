"""Why PyTorch 1.13's MLP step is fast or slow per model instance: per instance, the
minor page faults and the CPU time of one training step (MLP 784-256-128-10, Adam,
batch 64, one thread, random data), averaged over --steps steps after a warm-up.
Page faults are counts, not times, so they hold on a busy machine.

Run it under each allocator setting and compare, e.g.:
  OPENBLAS_NUM_THREADS=1 python3 scripts/bench/torch_page_faults.py
  MALLOC_TOP_PAD_=67108864 OPENBLAS_NUM_THREADS=1 python3 scripts/bench/torch_page_faults.py
  LD_PRELOAD=$(/sbin/ldconfig -p | awk '$1 == "libtcmalloc_minimal.so.4" {print $NF; exit}') \\
      OPENBLAS_NUM_THREADS=1 python3 scripts/bench/torch_page_faults.py
"""
import argparse
import resource
import time

import torch


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--instances", type=int, default=8)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--warmup", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=64)
    a = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    n = a.batch_size * 50
    x, y = torch.randn(n, 784), torch.randint(0, 10, (n,))

    def step(model, opt, loss_fn, s):
        i = (s % 50) * a.batch_size
        opt.zero_grad()
        loss_fn(model(x[i:i + a.batch_size]), y[i:i + a.batch_size]).backward()
        opt.step()

    def instance():
        model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                    torch.nn.Linear(128, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        for s in range(a.warmup):
            step(model, opt, loss_fn, s)
        faults, cpu = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, time.process_time()
        for s in range(a.steps):
            step(model, opt, loss_fn, s)
        return ((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / a.steps,
                (time.process_time() - cpu) / a.steps * 1e3)

    results = [instance() for _ in range(a.instances)]
    print("page faults per step: " + " ".join(f"{f:.0f}" for f, _ in results))
    print("CPU ms per step:      " + " ".join(f"{ms:.2f}" for _, ms in results))


if __name__ == "__main__":
    main()
