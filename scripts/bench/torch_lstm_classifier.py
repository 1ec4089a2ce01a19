# PyTorch's twin of `allgrad train --model lstm:embed=E,hidden=H,layers=1 --data fortunes`:
# the same examples (Debian's fortunes, one class per collection, duplicates dropped, the
# test set the fortunes whose 64-bit FNV-1a hash is 0 mod 10, bytes + 1 as tokens), the
# same model (Embedding(257, E, padding_idx=0), LSTM(E, H) over the packed batch, Linear(H,
# classes) on the final state) and recipe (AdamW lr 2e-3, weight decay 1e-4, a cosine
# over all steps, shuffled batches). Prints one JSON line per epoch: training tokens/s and
# samples/s (the training loop only) and the test accuracy after it. With --max-steps K it
# trains the first K batches only and prints their tokens, time and tokens/s; with
# --no-shuffle too, those are the first K·B training examples in file order, the batches
# of `allgrad train --no-shuffle --max-steps K` (what vs-pytorch-lstm.sh times).
# --bucket-by-length batches similar lengths together as allgrad's BucketSampler does
# (pools of 50 batches of a random permutation sorted by length, the batches shuffled),
# --clip-grad-norm X clips as `allgrad train --clip-grad-norm X`, and --model bag-of-bytes
# trains the baseline the LSTM must beat: logistic regression on each text's byte
# frequencies (256 counts divided by the length), with the same optimizer and schedule.
# --init-out FILE writes the initial weights as safetensors, for `allgrad train
# --init-weights FILE`: the same weights and batches give the same first loss.
#   python3 scripts/bench/torch_lstm_classifier.py [--threads N] [--epochs E] [--batch-size B]
#       [--max-steps K] [--no-shuffle] [--padded] [--bucket-by-length] [--embed E] [--hidden H]
#       [--lr X] [--clip-grad-norm X] [--model lstm|bag-of-bytes] [--dir /usr/share/games/fortunes]
#       [--classes a,b,...|all] [--seed S] [--init-out FILE]
import argparse
import json
import os
import time

import torch
from torch.nn.utils.rnn import pack_padded_sequence, PackedSequence

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--epochs", type=int, default=1)
ap.add_argument("--batch-size", type=int, default=32)
ap.add_argument("--embed", type=int, default=64)
ap.add_argument("--hidden", type=int, default=256)
ap.add_argument("--lr", type=float, default=2e-3)
ap.add_argument("--dir", default="/usr/share/games/fortunes")
ap.add_argument("--classes", default="computers,definitions,people,songs-poems")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--max-steps", type=int, default=0)
ap.add_argument("--no-shuffle", action="store_true")
ap.add_argument("--bucket-by-length", action="store_true")
ap.add_argument("--clip-grad-norm", type=float, default=0)
ap.add_argument("--model", choices=["lstm", "bag-of-bytes"], default="lstm")
ap.add_argument("--init-out", default="")
ap.add_argument("--padded", action="store_true",
                help="run the LSTM over the padded batch and take each row's output at its last token "
                     "(the same values for a one-directional LSTM; PyTorch 1.13's packed backward on the "
                     "CPU grows with the square of the longest sequence)")
a = ap.parse_args()


def examples(path):
    """The fortunes of one file: blocks between lines holding only '%' (a file without
    such lines: its non-empty lines)."""
    data = open(path, "rb").read()
    lines = (data[:-1] if data.endswith(b"\n") else data).split(b"\n") if data else []
    if b"%" not in lines:
        return [l for l in lines if l]
    out, cur = [], b""
    for l in lines + [b"%"]:
        if l == b"%":
            if cur.strip(b" \t\n"):
                out.append(cur)
            cur = b""
        else:
            cur = cur + b"\n" + l if cur else l  # as allgrad's reader: no newline after an empty start
    return out


def fnv1a(b):
    h = 1469598103934665603
    for c in b:
        h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


if a.classes == "all":  # every collection, sorted by name, as allgrad's classes=all
    a.classes = ",".join(sorted(f.name for f in os.scandir(a.dir) if f.is_file(follow_symlinks=False)
                                and not f.name.endswith((".dat", ".u8")) and not f.name.startswith(".")))
train, test, seen = [], [], set()
for k, name in enumerate(a.classes.split(",")):
    for text in examples(f"{a.dir}/{name}"):
        if text in seen:
            continue
        seen.add(text)
        (test if fnv1a(text) % 10 == 0 else train).append((torch.tensor([c + 1 for c in text]), k))
classes = len(a.classes.split(","))


class Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(257, a.embed, padding_idx=0)
        self.rnn = torch.nn.LSTM(a.embed, a.hidden)
        self.fc = torch.nn.Linear(a.hidden, classes)

    def forward(self, tokens, lengths):
        if a.padded:
            out, _ = self.rnn(self.embedding(tokens).transpose(0, 1))
            return self.fc(out[lengths - 1, torch.arange(len(lengths))])
        packed = pack_padded_sequence(tokens, lengths, batch_first=True, enforce_sorted=False)
        packed = PackedSequence(self.embedding(packed.data), packed.batch_sizes, packed.sorted_indices,
                                packed.unsorted_indices)
        _, (h_n, _) = self.rnn(packed)
        return self.fc(h_n[-1])


class BagOfBytes(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(256, classes)

    def forward(self, tokens, lengths):
        counts = torch.zeros(len(lengths), 257).scatter_add_(1, tokens, torch.ones(tokens.shape))
        return self.fc(counts[:, 1:] / lengths.unsqueeze(1))


def bucketed(rows, size, gen, pool=50):
    """BucketSampler's epoch order for one process (ag/data/bucket_sampler.h)."""
    perm = torch.randperm(len(rows), generator=gen).tolist()
    span = size * pool
    for start in range(0, len(perm), span):
        perm[start:start + span] = sorted(perm[start:start + span], key=lambda i: len(rows[i][0]))
    full = len(perm) // size
    order = []
    for b in torch.randperm(full, generator=gen).tolist():
        order += perm[b * size:(b + 1) * size]
    return order + perm[full * size:]


def batches(rows, size, shuffle, epoch):
    """An epoch's batches in allgrad's sampler order: a generator seeded seed + epoch,
    torch.randperm (which allgrad's matches), so with the same global batch both sides
    train on the same batches."""
    gen = torch.Generator().manual_seed(a.seed + epoch)
    if shuffle and a.bucket_by_length:
        order = bucketed(rows, size, gen)
    else:
        order = list(torch.randperm(len(rows), generator=gen).tolist() if shuffle else range(len(rows)))
    for i in range(0, len(order), size):
        pick = [rows[j] for j in order[i:i + size]]
        lengths = torch.tensor([len(t) for t, _ in pick])
        tokens = torch.zeros(len(pick), int(lengths.max()), dtype=torch.long)
        for r, (t, _) in enumerate(pick):
            tokens[r, :len(t)] = t
        yield tokens, lengths, torch.tensor([y for _, y in pick])


torch.set_num_threads(a.threads)
torch.set_flush_denormal(True)  # as allgrad train does
torch.manual_seed(a.seed)
model = Classifier() if a.model == "lstm" else BagOfBytes()
if a.init_out:
    from torch_gpt import write_safetensors  # this folder's safetensors writer
    write_safetensors(a.init_out, {k: v.numpy() for k, v in model.state_dict().items()})
opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
steps = a.max_steps or a.epochs * ((len(train) + a.batch_size - 1) // a.batch_size)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
train_tokens = sum(len(t) for t, _ in train)


first_loss = []  # each epoch's first loss: with --init-out, a check that allgrad saw the same batch


def train_on(epoch_batches):
    """Trains on the batches; returns the seconds it took."""
    model.train()
    start = time.perf_counter()
    for step, (tokens, lengths, labels) in enumerate(epoch_batches):
        loss = torch.nn.functional.cross_entropy(model(tokens, lengths), labels)
        if step == 0:
            first_loss.append(float(loss))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if a.clip_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip_grad_norm)
        opt.step()
        sched.step()
    return time.perf_counter() - start


common = {"side": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(), "train": len(train),
          "test": len(test), "model": a.model, "form": "padded" if a.padded else "packed"}
if a.max_steps:
    # The batches are made before the clock starts, as allgrad's loader prefetches them.
    first = list(batches(train, a.batch_size, not a.no_shuffle, 0))[:a.max_steps]
    tokens = int(sum(lengths.sum() for _, lengths, _ in first))
    seconds = train_on(first)
    print(json.dumps({**common, "steps": len(first), "first_loss": first_loss[0], "tokens": tokens, "seconds": round(seconds, 3),
                      "tokens_per_s": round(tokens / seconds, 1), "samples_per_s": round(len(first) * a.batch_size / seconds, 1)}))
    raise SystemExit
for epoch in range(1, a.epochs + 1):
    seconds = train_on(list(batches(train, a.batch_size, not a.no_shuffle, epoch - 1)))
    model.eval()
    correct = 0
    with torch.no_grad():
        for tokens, lengths, labels in batches(test, 256, False, 0):
            correct += int((model(tokens, lengths).argmax(1) == labels).sum())
    print(json.dumps({**common, "epoch": epoch, "first_loss": first_loss[-1], "train_tokens": train_tokens, "tokens_per_s": round(train_tokens / seconds, 1),
                      "samples_per_s": round(len(train) / seconds, 1), "test_accuracy": round(correct / len(test), 4)}), flush=True)
