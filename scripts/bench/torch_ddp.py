"""PyTorch side of vs-pytorch.sh's data-parallel workload: the MLP under
DistributedDataParallel with the gloo backend, DistributedSampler choosing each rank's
shard, the shard preloaded and sliced per batch. Without RANK in the environment it starts
--ranks copies of itself on this machine (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set),
as torchrun would, without importing torch in the launcher. Rank 0 prints the summary line
of `allgrad train` with samples/s summed over the ranks."""
import argparse
import os
import random
import subprocess
import sys
import time


def launch(ranks):
    port = str(random.randint(20000, 40000))
    env = dict(os.environ, WORLD_SIZE=str(ranks), MASTER_ADDR="127.0.0.1", MASTER_PORT=port)
    procs = [subprocess.Popen([sys.executable] + sys.argv, env=dict(env, RANK=str(r))) for r in range(ranks)]
    codes = [p.wait() for p in procs]
    sys.exit(max(codes, key=abs))


def train(a):
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel
    from torch.utils.data import DistributedSampler, TensorDataset

    from torch_train import build_model, configure, fashion_mnist, slices, summary, train_steps

    configure(a.threads, a.flush_denormal)
    dist.init_process_group("gloo")
    world = dist.get_world_size()
    torch.manual_seed(a.seed)
    x, y = fashion_mnist()
    model = DistributedDataParallel(build_model("mlp"))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sampler = DistributedSampler(TensorDataset(x, y), shuffle=True, seed=a.seed)
    steps = samples = 0
    loss_sum, loss_n = 0.0, 0
    dist.barrier()
    t0 = time.perf_counter()
    for epoch in range(a.epochs):
        sampler.set_epoch(epoch)
        idx = torch.tensor(list(sampler))
        loss_n, s, loss_sum = train_steps(model, opt, slices(x[idx], y[idx], a.batch_size), None)
        steps, samples = steps + loss_n, samples + s * world
    dist.barrier()
    seconds = time.perf_counter() - t0
    if dist.get_rank() == 0:
        print(summary(steps, samples, seconds, loss_sum / max(loss_n, 1)), flush=True)
    dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--batch-size", type=int, default=64, help="per rank")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=1, help="per rank")
    p.add_argument("--flush-denormal", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ranks", type=int, default=2, help="processes to start when RANK is not set")
    a = p.parse_args()
    if "RANK" in os.environ:
        train(a)
    else:
        launch(a.ranks)


if __name__ == "__main__":
    main()
