"""PyTorch side of vs-pytorch.sh's checkpoint workload, the twin of
bench/checkpoint_roundtrip.cpp: an MLP 1024-4096-1024-128 (8.5M parameters) after one
Adam step, saved with torch.save({"model": ..., "optimizer": ...}) and restored into
another model and optimizer with torch.load + load_state_dict, warm page cache, median
of --reps rounds after one warm-up round; then every parameter and moment compared
byte for byte with the original. torch.save does not fsync; allgrad's save does (it is
atomic and durable), so save_fsync_MBps adds the flush and fsync a durable save needs.
Prints one JSON line like checkpoint_roundtrip."""
import argparse
import hashlib
import json
import os
import shutil
import statistics
import tempfile
import time

import torch
from torch import nn


def big_mlp():
    return nn.Sequential(nn.Linear(1024, 4096), nn.ReLU(), nn.Linear(4096, 1024), nn.ReLU(), nn.Linear(1024, 128))


def checksum(model, opt):
    h = hashlib.blake2b(digest_size=16)
    for p in model.parameters():
        h.update(p.detach().contiguous().numpy().tobytes())
        for key in ("exp_avg", "exp_avg_sq"):
            h.update(opt.state[p][key].contiguous().numpy().tobytes())
    return h.hexdigest()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dir", default=os.environ.get("TMPDIR", "/tmp"))
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    scratch = tempfile.mkdtemp(prefix="torch-ckpt-roundtrip-", dir=a.dir)
    path = os.path.join(scratch, "model.pt")

    torch.manual_seed(0)
    model = big_mlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.randn(32, 1024)).pow(2).mean().backward()
    opt.step()
    original = checksum(model, opt)

    torch.manual_seed(1)
    restored = big_mlp()
    restored_opt = torch.optim.Adam(restored.parameters(), lr=1e-3)

    save_s, fsync_s, load_s, verified = [], [], [], True
    for r in range(a.reps + 1):  # round 0 warms up and is not counted
        t0 = time.perf_counter()
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, path)
        t1 = time.perf_counter()
        ck = torch.load(path)
        restored.load_state_dict(ck["model"])
        restored_opt.load_state_dict(ck["optimizer"])
        del ck
        t2 = time.perf_counter()
        with open(path + ".durable", "wb") as f:
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, f)
            f.flush()
            os.fsync(f.fileno())
        t3 = time.perf_counter()
        if r == 0:
            continue
        save_s.append(t1 - t0)
        load_s.append(t2 - t1)
        fsync_s.append(t3 - t2)
        verified = verified and checksum(restored, restored_opt) == original
        with torch.no_grad():
            for q in restored.parameters():
                q.zero_()  # the next load must write them again
    mb = os.path.getsize(path) / 1e6
    shutil.rmtree(scratch)
    print(json.dumps({"file_MB": round(mb, 1), "save_MBps": round(mb / statistics.median(save_s)),
                      "load_MBps": round(mb / statistics.median(load_s)),
                      "save_fsync_MBps": round(mb / statistics.median(fsync_s)), "verified": verified, "reps": a.reps}))
    raise SystemExit(0 if verified else 1)


if __name__ == "__main__":
    main()
