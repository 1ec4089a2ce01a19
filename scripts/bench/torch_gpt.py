"""The PyTorch reference for allgrad's GPT (`allgrad train --model gpt:...`): the same
byte-level GPT (vocabulary 256, pre-LayerNorm blocks, GELU with the tanh approximation,
causal self-attention, output layer tied to the token embedding, GPT-2/nanoGPT parameter
names and initialisation), the same data order and the same optimizer, so that losses can
be compared step by step and speed side by side.

  torch_gpt.py init --config L,H,C,T [--seed S] [--no-bias] --out init.safetensors
      initial weights: normal(0, 0.02) for embeddings and linear weights, normal(0,
      0.02/sqrt(2L)) for the two residual projections (attn.c_proj, mlp.c_proj), zero
      biases, LayerNorm weight 1 / bias 0. The tied matrix is stored under both of its
      names (transformer.wte.weight and lm_head.weight), identical data.
  torch_gpt.py tokens --text FILE --out train.bin [--val-out val.bin --val-fraction F]
      token files in llm.c's format (256 int32 header: 20240520, 1, count; uint16 tokens),
      one token per byte; with --val-out the last F of the bytes go to the second file.
  torch_gpt.py llmc-checkpoint --init init.safetensors --out model.bin [--tokenizer-out tok.bin]
      the same weights as an llm.c fp32 checkpoint (train_gpt2.c), and a 256-token byte
      tokenizer file for it.
  torch_gpt.py train --config L,H,C,T --data train.bin[,val.bin] --batch B ...
      trains with AdamW. Batch k of an epoch is tokens[k*B*T : k*B*T + B*T + 1] cut into B
      rows of T inputs with the targets one token later (allgrad's --no-shuffle order, and
      llm.c's DataLoader without shuffling); an epoch has (count-1) // T windows, so its last
      batch may have fewer rows (as allgrad's; llm.c would start over instead). Prints
      one line per step ("step N: loss X (took Y ms)"), then a summary: tokens/s as the
      median over windows of steps after the warm-up steps, with the spread, and peak RSS.
      With --log FILE the per-step losses go to FILE ("step loss", one per line).
      --minutes M stops after M minutes of training steps; --eval-every N computes the
      validation loss every N steps (and at the end) on --eval-batches batches of the
      validation file taken in order from its start.
  torch_gpt.py recipe --text input.txt --minutes M [--out DIR] [--threads K]
      nanoGPT's shakespeare-char recipe (layers=6, heads=6, dim=384, context=256, batch 64,
      dropout 0.2, AdamW lr 1e-3 with 100 warm-up steps and a cosine to 1e-4 at step 5000,
      weight decay 0.1 on matrices, gradient norm clipped to 1) trained for M minutes with
      the validation loss every 250 steps; prints the allgrad command of the same recipe.

Speed notes (PyTorch 1.13 from Debian, CPU, OpenBLAS): torch.compile and
F.scaled_dot_product_attention do not exist in 1.13, so attention is written out (scores,
causal mask, softmax, weighted sum). Choices, tried on the 2-core test machine at
layers=4, heads=4, dim=128, context=64, batch 16 (a busy machine: best windows compared):
the scale and the causal mask go into one baddbmm (an additive -inf mask as its input)
instead of matmul, multiply and masked_fill (about 10,000 against 6,800 tokens/s at best);
AdamW with foreach=True (the per-tensor loop was no faster); F.gelu(approximate="tanh")
rather than the formula written out, as elementwise ops or under torch.jit.script (the
CPU fuser is off in 1.13, so scripting only adds overhead: 7.6 ms against 3.9 ms forward
and backward on [16, 64, 512]). So: eager mode. Dropout is skipped when its rate is 0.
The thread count is set before torch is imported (OMP_NUM_THREADS / OPENBLAS_NUM_THREADS,
unless the caller set them) and with torch.set_num_threads. For 2 threads PyTorch's OpenMP pool does best with
OMP_WAIT_POLICY=PASSIVE in the environment (set by the caller: OpenMP reads it at start).

Python standard library, numpy and torch only (no safetensors package: the format's
reader and writer are below).
"""
import argparse
import json
import math
import os
import resource
import statistics
import struct
import sys
import time

VOCAB = 256
TOKENS_MAGIC, TOKENS_VERSION = 20240520, 1
LLMC_MODEL_MAGIC, LLMC_MODEL_VERSION_FP32 = 20240326, 3
LLMC_TOKENIZER_MAGIC = 20240328


def parse_config(text):
    try:
        layers, heads, dim, context = (int(v) for v in text.split(","))
    except ValueError:
        raise SystemExit(f"--config: '{text}' is not L,H,C,T (layers, heads, dim, context)")
    if dim % heads:
        raise SystemExit(f"--config: dim {dim} is not a multiple of heads {heads}")
    return dict(layers=layers, heads=heads, dim=dim, context=context)


# ---------------------------------------------------------------- safetensors, by hand
# File: u64 little-endian header length N, N bytes of JSON {name: {dtype, shape,
# data_offsets: [begin, end]}, "__metadata__": {...}}, then the data (offsets from there).

def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: numpy float32 array}, written in name order."""
    import numpy as np
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """{name: numpy float32 array}; F32 (and F64/F16/BF16, converted) only."""
    import numpy as np
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack_from("<Q", raw, 0)
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        dt = info["dtype"]
        buf = raw[base + b:base + e]
        if dt == "F32":
            a = np.frombuffer(buf, dtype="<f4")
        elif dt == "F64":
            a = np.frombuffer(buf, dtype="<f8").astype(np.float32)
        elif dt == "F16":
            a = np.frombuffer(buf, dtype="<f2").astype(np.float32)
        elif dt == "BF16":
            a = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{path}: tensor {name} has dtype {dt}; only floating point is read")
        out[name] = a.reshape(info["shape"]).copy()
    return out


# ---------------------------------------------------------------- token files (llm.c's format)

def write_tokens(path, data):
    import numpy as np
    header = np.zeros(256, dtype="<i4")
    header[0], header[1], header[2] = TOKENS_MAGIC, TOKENS_VERSION, len(data)
    with open(path, "wb") as f:
        f.write(header.tobytes())
        f.write(np.frombuffer(bytes(data), dtype=np.uint8).astype("<u2").tobytes())


def read_tokens(path):
    import numpy as np
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 1024:
        raise SystemExit(f"{path}: too short for a token file header")
    header = np.frombuffer(raw[:1024], dtype="<i4")
    if header[0] != TOKENS_MAGIC or header[1] != TOKENS_VERSION:
        raise SystemExit(f"{path}: not an llm.c token file (magic {header[0]}, version {header[1]})")
    n = int(header[2])
    if len(raw) != 1024 + 2 * n:
        raise SystemExit(f"{path}: header says {n} tokens, the file holds {(len(raw) - 1024) / 2}")
    tokens = np.frombuffer(raw[1024:], dtype="<u2").astype(np.int64)
    if n and tokens.max() >= VOCAB:
        raise SystemExit(f"{path}: token {tokens.max()} is outside the vocabulary of {VOCAB}")
    return tokens


def cmd_tokens(a):
    with open(a.text, "rb") as f:
        data = f.read()
    if a.val_out:
        if not 0 < a.val_fraction < 1:
            raise SystemExit("--val-fraction must be between 0 and 1")
        n_train = len(data) - int(len(data) * a.val_fraction)  # allgrad's text:FILE:val=F split
        write_tokens(a.out, data[:n_train])
        write_tokens(a.val_out, data[n_train:])
        print(f"{a.out}: {n_train} tokens; {a.val_out}: {len(data) - n_train} tokens")
    else:
        write_tokens(a.out, data)
        print(f"{a.out}: {len(data)} tokens")


# ---------------------------------------------------------------- the model

def build_model_class():
    import torch
    from torch import nn
    from torch.nn import functional as F

    class LayerNorm(nn.Module):
        """nn.LayerNorm with an optional bias (1.13's has no bias=False)."""

        def __init__(self, n, bias):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(n))
            self.bias = nn.Parameter(torch.zeros(n)) if bias else None

        def forward(self, x):
            return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)

    class CausalSelfAttention(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            c, t = cfg["dim"], cfg["context"]
            self.heads, self.dropout = cfg["heads"], cfg["dropout"]
            self.c_attn = nn.Linear(c, 3 * c, bias=cfg["bias"])
            self.c_proj = nn.Linear(c, c, bias=cfg["bias"])
            # 0 on and below the diagonal, -inf above (the future); not a parameter, not saved
            future = torch.ones(t, t, dtype=torch.bool).triu(1)
            self.register_buffer("mask_add", torch.zeros(t, t).masked_fill(future, float("-inf")), persistent=False)

        def forward(self, x):
            b, t, c = x.shape
            h = self.heads
            hs = c // h
            q, k, v = self.c_attn(x).split(c, dim=2)
            # [B, T, C] -> [B*H, T, hs]
            q = q.view(b, t, h, hs).transpose(1, 2).reshape(b * h, t, hs)
            k = k.view(b, t, h, hs).transpose(1, 2).reshape(b * h, t, hs)
            v = v.view(b, t, h, hs).transpose(1, 2).reshape(b * h, t, hs)
            # scale and causal mask in the product: scores = mask_add + (q k^T) / sqrt(hs)
            scores = torch.baddbmm(self.mask_add[:t, :t], q, k.transpose(1, 2), alpha=1.0 / math.sqrt(hs))
            weights = torch.softmax(scores, dim=-1)
            if self.dropout > 0:
                weights = F.dropout(weights, self.dropout, self.training)
            y = torch.bmm(weights, v).view(b, h, t, hs).transpose(1, 2).reshape(b, t, c)
            y = self.c_proj(y)
            if self.dropout > 0:
                y = F.dropout(y, self.dropout, self.training)
            return y

    class MLP(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            c = cfg["dim"]
            self.dropout = cfg["dropout"]
            self.c_fc = nn.Linear(c, 4 * c, bias=cfg["bias"])
            self.c_proj = nn.Linear(4 * c, c, bias=cfg["bias"])

        def forward(self, x):
            y = self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))
            if self.dropout > 0:
                y = F.dropout(y, self.dropout, self.training)
            return y

    class Block(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.ln_1 = LayerNorm(cfg["dim"], cfg["bias"])
            self.attn = CausalSelfAttention(cfg)
            self.ln_2 = LayerNorm(cfg["dim"], cfg["bias"])
            self.mlp = MLP(cfg)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self, cfg):
            super().__init__()
            self.cfg = cfg
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(VOCAB, cfg["dim"]),
                wpe=nn.Embedding(cfg["context"], cfg["dim"]),
                h=nn.ModuleList([Block(cfg) for _ in range(cfg["layers"])]),
                ln_f=LayerNorm(cfg["dim"], cfg["bias"]),
            ))
            self.lm_head = nn.Linear(cfg["dim"], VOCAB, bias=False)
            self.transformer.wte.weight = self.lm_head.weight  # tied: one tensor, two names
            self.register_buffer("positions", torch.arange(cfg["context"]), persistent=False)

        def init_weights(self):
            """normal(0, 0.02) weights, zero biases, and 0.02/sqrt(2L) for the projections
            that feed the residual stream."""
            with torch.no_grad():
                for m in self.modules():
                    if isinstance(m, nn.Linear):
                        m.weight.normal_(0.0, 0.02)
                        if m.bias is not None:
                            m.bias.zero_()
                    elif isinstance(m, nn.Embedding):
                        m.weight.normal_(0.0, 0.02)
                for name, p in self.named_parameters():
                    if name.endswith("c_proj.weight"):
                        p.normal_(0.0, 0.02 / math.sqrt(2 * self.cfg["layers"]))

        def forward(self, idx, targets=None):
            t = idx.shape[1]
            x = self.transformer.wte(idx) + self.transformer.wpe(self.positions[:t])
            if self.cfg["dropout"] > 0:
                x = F.dropout(x, self.cfg["dropout"], self.training)
            for block in self.transformer.h:
                x = block(x)
            logits = self.lm_head(self.transformer.ln_f(x))
            if targets is None:
                return logits
            return F.cross_entropy(logits.view(-1, VOCAB), targets.view(-1))

    return GPT


def make_model(cfg):
    return build_model_class()(cfg)


def state_numpy(model):
    """Every named tensor of the state dict (the tied matrix under both names), as numpy."""
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def load_weights(model, path):
    import torch
    tensors = read_safetensors(path)
    tied = ("transformer.wte.weight", "lm_head.weight")
    if tied[0] in tensors and tied[1] in tensors:
        import numpy as np
        if not np.array_equal(tensors[tied[0]], tensors[tied[1]]):
            raise SystemExit(f"{path}: {tied[0]} and {tied[1]} differ, but the model ties them")
    for a, b in (tied, tied[::-1]):
        if a in tensors and b not in tensors:
            tensors[b] = tensors[a]
    sd = {k: torch.from_numpy(v) for k, v in tensors.items()}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    if missing or unexpected:
        raise SystemExit(f"{path}: missing tensors {missing}, unexpected tensors {unexpected}")


def cmd_init(a):
    import torch
    cfg = parse_config(a.config)
    cfg.update(dropout=0.0, bias=not a.no_bias)
    torch.manual_seed(a.seed)
    model = make_model(cfg)
    model.init_weights()
    meta = {"config": a.config, "seed": a.seed, "bias": cfg["bias"], "writer": "scripts/bench/torch_gpt.py"}
    write_safetensors(a.out, state_numpy(model), meta)
    n = sum(p.numel() for p in model.parameters())
    print(f"{a.out}: {n} parameters (layers={cfg['layers']}, heads={cfg['heads']}, dim={cfg['dim']}, "
          f"context={cfg['context']}, bias={cfg['bias']}), seed {a.seed}")


# ---------------------------------------------------------------- llm.c checkpoint

def cmd_llmc_checkpoint(a):
    """llm.c's train_gpt2.c reads: 256 int32 (magic, version 3 = fp32, maxT, V, L, NH, C,
    padded V), then all parameters as float32, each kind stacked over the layers:
    wte [Vp, C] (rows past V zero), wpe [maxT, C], ln_1 w, ln_1 b, c_attn w [L, 3C, C],
    c_attn b, attn.c_proj w [L, C, C], its b, ln_2 w, ln_2 b, c_fc w [L, 4C, C], c_fc b,
    mlp.c_proj w [L, C, 4C], its b, ln_f w, ln_f b. Its weights are [out, in] like ours."""
    import numpy as np
    w = read_safetensors(a.init)
    wte = w["transformer.wte.weight"] if "transformer.wte.weight" in w else w["lm_head.weight"]
    v, c = wte.shape
    t = w["transformer.wpe.weight"].shape[0]
    layers = 0
    while f"transformer.h.{layers}.ln_1.weight" in w:
        layers += 1
    if a.heads is None:
        raise SystemExit("llmc-checkpoint needs --heads (the file does not say)")
    if f"transformer.h.0.attn.c_attn.bias" not in w:
        raise SystemExit("llm.c's GPT-2 has biases: write the weights without --no-bias")
    vp = (v + 127) // 128 * 128
    header = np.zeros(256, dtype="<i4")
    header[:8] = [LLMC_MODEL_MAGIC, LLMC_MODEL_VERSION_FP32, t, v, layers, a.heads, c, vp]
    wte_p = np.zeros((vp, c), dtype=np.float32)
    wte_p[:v] = wte
    parts = [wte_p, w["transformer.wpe.weight"]]
    for suffix in ("ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
                   "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
                   "mlp.c_proj.weight", "mlp.c_proj.bias"):
        parts += [w[f"transformer.h.{i}.{suffix}"] for i in range(layers)]
    parts += [w["transformer.ln_f.weight"], w["transformer.ln_f.bias"]]
    with open(a.out, "wb") as f:
        f.write(header.tobytes())
        for p in parts:
            f.write(np.ascontiguousarray(p, dtype="<f4").tobytes())
    n = sum(p.size for p in parts)
    print(f"{a.out}: llm.c fp32 checkpoint, maxT={t} V={v} Vp={vp} L={layers} NH={a.heads} C={c}, {n} floats")
    if a.tokenizer_out:
        # version 2: 256 uint32 (magic, 2, vocab size, end-of-text id), then per token a
        # length byte and its bytes. Token i is byte i; '\n' serves as end-of-text.
        th = np.zeros(256, dtype="<u4")
        th[:4] = [LLMC_TOKENIZER_MAGIC, 2, v, 10]
        with open(a.tokenizer_out, "wb") as f:
            f.write(th.tobytes())
            for i in range(v):
                f.write(bytes([1, i]))


# ---------------------------------------------------------------- training

def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def batches(tokens, b, t):
    """The epoch's batches in file order (allgrad's --no-shuffle): (count-1) // T windows of
    T+1 tokens at stride T, B to a batch; the last batch of the epoch holds what is left
    (allgrad's loader keeps it; llm.c's loader has only full batches, the same until then)."""
    import torch
    windows = (len(tokens) - 1) // t
    if windows < 1:
        raise SystemExit(f"the data has {len(tokens)} tokens: fewer than one window of {t}+1")
    data = torch.from_numpy(tokens)
    for k in range(0, windows, b):
        rows = min(b, windows - k)
        chunk = data[k * t: (k + rows) * t + 1]
        yield chunk[:-1].view(rows, t), chunk[1:].view(rows, t)


def forever(tokens, b, t):
    while True:
        yield from batches(tokens, b, t)


def evaluate(model, tokens, b, t, n_batches):
    import torch
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for x, y in batches(tokens, b, t):
            if n >= n_batches:
                break
            total += model(x, y).item()
            n += 1
    model.train()
    return total / max(n, 1)


def lr_at(a, step):
    """--scheduler none | warmup (nanoGPT's, as allgrad's warmup:STEPS,min_lr=X,decay_steps=N):
    lr*(it+1)/(warmup+1) for it < warmup, then a cosine from lr down to min_lr at
    decay_steps, min_lr after it. it counts from 0."""
    if a.scheduler == "none":
        return a.lr
    min_lr = a.lr / 10 if a.min_lr is None else a.min_lr
    decay = a.decay_steps or a.steps
    if step < a.warmup:
        return a.lr * (step + 1) / (a.warmup + 1)
    if step > decay:
        return min_lr
    return min_lr + 0.5 * (1 + math.cos(math.pi * (step - a.warmup) / (decay - a.warmup))) * (a.lr - min_lr)


def cmd_train(a):
    import numpy as np
    import torch
    torch.set_num_threads(a.threads)
    if a.flush_denormal and not torch.set_flush_denormal(True):
        raise SystemExit("this CPU cannot flush denormals")
    cfg = parse_config(a.config)
    cfg.update(dropout=a.dropout, bias=not a.no_bias)
    b, t = a.batch, cfg["context"]
    paths = a.data.split(",")
    train_tokens = read_tokens(paths[0])
    val_tokens = read_tokens(paths[1]) if len(paths) > 1 else None
    if a.scheduler == "warmup" and not (a.decay_steps or a.steps) > a.warmup:
        raise SystemExit("--scheduler warmup: the cosine needs --decay-steps (or --steps) above --warmup")
    if a.eval_every and val_tokens is None:
        raise SystemExit("--eval-every needs a validation file: --data TRAIN.bin,VAL.bin")

    torch.manual_seed(a.seed)
    model = make_model(cfg)
    if a.init:
        load_weights(model, a.init)
    else:
        model.init_weights()
    model.train()
    betas = tuple(float(x) for x in a.betas.split(","))
    params = list(model.parameters())
    # nanoGPT's groups (allgrad's for language models): no weight decay on biases and LayerNorm weights
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": a.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=a.lr, betas=betas, eps=a.eps, foreach=not a.no_foreach)
    n_params = sum(p.numel() for p in params)
    print(json.dumps({"config": {"model": cfg, "params": n_params, "batch": b, "threads": torch.get_num_threads(),
                                 "optimizer": {"lr": a.lr, "betas": betas, "eps": a.eps, "weight_decay": a.weight_decay},
                                 "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", ""),
                                 "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", ""),
                                 "torch": torch.__version__}}), flush=True)

    log = open(a.log, "w") if a.log else None
    step_s, step_tokens, losses, evals = [], [], [], []
    budget = a.minutes * 60 if a.minutes else None
    train_s = 0.0
    wall0 = time.perf_counter()
    step = 0
    for x, y in forever(train_tokens, b, t):
        if a.steps and step >= a.steps:
            break
        if budget is not None and train_s >= budget:
            break
        t0 = time.perf_counter()
        lr = lr_at(a, step)
        for g in opt.param_groups:
            g["lr"] = lr
        loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if a.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(params, a.grad_clip)
        opt.step()
        value = loss.item()
        dt = time.perf_counter() - t0
        train_s += dt
        step += 1
        step_s.append(dt)
        step_tokens.append(x.numel())
        losses.append(value)
        if log:
            log.write(f"{step} {value:.9g}\n")
        if not a.quiet:
            print(f"step {step}: loss {value:.6f} (took {dt * 1000:.1f} ms)", flush=True)
        if not math.isfinite(value):
            raise SystemExit(f"step {step}: loss is {value}")
        if a.eval_every and step % a.eval_every == 0:
            vl = evaluate(model, val_tokens, b, t, a.eval_batches)
            evals.append({"step": step, "train_s": round(train_s, 2), "val_loss": vl})
            print(json.dumps({"eval": evals[-1]}), flush=True)
    if log:
        log.close()
    if val_tokens is not None and a.eval_every and (not evals or evals[-1]["step"] != step):
        vl = evaluate(model, val_tokens, b, t, a.eval_batches)
        evals.append({"step": step, "train_s": round(train_s, 2), "val_loss": vl})
        print(json.dumps({"eval": evals[-1]}), flush=True)

    # Speed: steps after the warm-up, in windows of --window steps; the median window.
    skip = a.warmup_steps if len(step_s) > a.warmup_steps else 0
    timed, toks = step_s[skip:], step_tokens[skip:]
    w = max(1, min(a.window, len(timed)))
    windows = [sum(toks[i:i + w]) / sum(timed[i:i + w]) for i in range(0, len(timed) - w + 1, w)]
    summary = {
        "steps": step, "train_s": round(train_s, 3), "wall_s": round(time.perf_counter() - wall0, 3),
        "tokens_per_s": round(statistics.median(windows), 1),
        "tokens_per_s_min": round(min(windows), 1), "tokens_per_s_max": round(max(windows), 1),
        "windows": len(windows), "window_steps": w, "warmup_steps": len(step_s) - len(timed),
        "step_ms_median": round(statistics.median(timed) * 1000, 3),
        "first_loss": losses[0] if losses else None, "last_loss": losses[-1] if losses else None,
        "peak_rss_MiB": round(peak_rss_mib(), 1), "threads": torch.get_num_threads(),
    }
    if evals:
        summary["val_loss"] = evals[-1]["val_loss"]
    print(json.dumps({"summary": summary}), flush=True)
    print(f"done: {step} steps in {train_s:.1f} s, {summary['tokens_per_s'] * 1.0 / t:.0f} samples/s, "
          f"{summary['tokens_per_s']:.0f} tokens/s", flush=True)
    return summary, evals


# nanoGPT's shakespeare-char recipe, as far as allgrad train can state it too: AdamW
# betas stay 0.9/0.999 (nanoGPT takes beta2 0.99; allgrad's adamw has no betas option),
# and batches are taken in file order on both sides (--no-shuffle).
RECIPE = dict(config="6,6,384,256", batch=64, lr=1e-3, min_lr=1e-4, warmup=100, steps=5000, weight_decay=0.1,
              grad_clip=1.0, dropout=0.2, eval_every=250, eval_batches=20)


def cmd_recipe(a):
    """One command: token files (last 10% held out), initial weights, PyTorch training for
    --minutes with validation losses, and the allgrad command line of the same recipe."""
    os.makedirs(a.out, exist_ok=True)
    train_bin, val_bin, init = (os.path.join(a.out, n) for n in ("train.bin", "val.bin", "init.safetensors"))
    cmd_tokens(argparse.Namespace(text=a.text, out=train_bin, val_out=val_bin, val_fraction=0.1))
    r = dict(RECIPE)
    for k in ("batch", "steps", "eval_every", "eval_batches", "dropout"):
        if getattr(a, k) is not None:
            r[k] = getattr(a, k)
    cmd_init(argparse.Namespace(config=r["config"], seed=a.seed, no_bias=False, out=init))
    l, h, c, t = r["config"].split(",")
    ag = (f"allgrad train --model gpt:layers={l},heads={h},dim={c},context={t},dropout={r['dropout']} "
          f"--data tokens:{train_bin},{val_bin} --no-shuffle --batch-size {r['batch']} --init-weights {init} "
          f"--optimizer adamw --lr {r['lr']} --weight-decay {r['weight_decay']} "
          f"--scheduler warmup:{r['warmup']},min_lr={r['min_lr']},decay_steps={r['steps']} --clip-grad-norm {r['grad_clip']} "
          f"--max-steps {r['steps']} --eval-every-steps {r['eval_every']} --eval-batches {r['eval_batches']} "
          f"--threads {a.threads} --seed {a.seed} --metrics {os.path.join(a.out, 'allgrad_metrics.jsonl')}")
    print("the same recipe in allgrad (no time budget there: stop it at the same training time, or give "
          "--max-steps the steps PyTorch reached):\n  " + ag, flush=True)
    t_args = argparse.Namespace(
        config=r["config"], init=init, data=f"{train_bin},{val_bin}", batch=r["batch"], steps=r["steps"],
        minutes=a.minutes, lr=r["lr"], betas="0.9,0.999", eps=1e-8, weight_decay=r["weight_decay"], scheduler="warmup",
        warmup=r["warmup"], min_lr=r["min_lr"], decay_steps=r["steps"], grad_clip=r["grad_clip"], dropout=r["dropout"],
        no_bias=False, seed=a.seed, threads=a.threads, flush_denormal=True, no_foreach=False, eval_every=r["eval_every"],
        eval_batches=r["eval_batches"], warmup_steps=3, window=5, log=os.path.join(a.out, "torch_losses.txt"), quiet=True)
    summary, evals = cmd_train(t_args)
    with open(os.path.join(a.out, "torch_val.jsonl"), "w") as f:
        for e in evals:
            f.write(json.dumps(e) + "\n")
    print(f"PyTorch: {summary['steps']} steps in {summary['train_s']:.0f} s of training, "
          f"{summary['tokens_per_s']:.0f} tokens/s, validation loss {summary.get('val_loss', float('nan')):.4f}; "
          f"validation losses in {os.path.join(a.out, 'torch_val.jsonl')}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("init", help="write initial weights (safetensors)")
    s.add_argument("--config", required=True, help="L,H,C,T")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--no-bias", action="store_true", help="no biases in the linear layers and LayerNorms")
    s.add_argument("--out", required=True)
    s = sub.add_parser("tokens", help="write llm.c token files from a file's bytes")
    s.add_argument("--text", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--val-out")
    s.add_argument("--val-fraction", type=float, default=0.1)
    s = sub.add_parser("llmc-checkpoint", help="write the weights as an llm.c checkpoint")
    s.add_argument("--init", required=True)
    s.add_argument("--heads", type=int)
    s.add_argument("--out", required=True)
    s.add_argument("--tokenizer-out", help="also write a byte tokenizer file for llm.c")
    s = sub.add_parser("train", help="train with AdamW")
    s.add_argument("--config", required=True, help="L,H,C,T")
    s.add_argument("--init", help="initial weights (safetensors); without: nanoGPT's init from --seed")
    s.add_argument("--data", required=True, help="TRAIN.bin[,VAL.bin] (llm.c token files)")
    s.add_argument("--batch", type=int, default=16)
    s.add_argument("--steps", type=int, default=0, help="steps to run (0: until --minutes)")
    s.add_argument("--minutes", type=float, default=0, help="stop after this much training time (steps only)")
    s.add_argument("--lr", type=float, default=1e-3)
    s.add_argument("--betas", default="0.9,0.999", help="AdamW betas (allgrad's and llm.c's default)")
    s.add_argument("--eps", type=float, default=1e-8)
    s.add_argument("--weight-decay", type=float, default=0.0)
    s.add_argument("--scheduler", default="none", choices=["none", "warmup"])
    s.add_argument("--warmup", type=int, default=100, help="warm-up steps of --scheduler warmup")
    s.add_argument("--min-lr", type=float, default=None, help="the cosine's end (default lr/10)")
    s.add_argument("--decay-steps", type=int, default=0, help="step where the cosine ends (default --steps)")
    s.add_argument("--grad-clip", type=float, default=0.0, help="clip the global gradient norm (0: no)")
    s.add_argument("--dropout", type=float, default=0.0)
    s.add_argument("--no-bias", action="store_true")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True), as allgrad train")
    s.add_argument("--no-foreach", action="store_true", help="AdamW's per-tensor loop instead of foreach")
    s.add_argument("--eval-every", type=int, default=0, help="validation loss every N steps (0: never)")
    s.add_argument("--eval-batches", type=int, default=20)
    s.add_argument("--warmup-steps", type=int, default=3, help="steps left out of the speed figure")
    s.add_argument("--window", type=int, default=5, help="steps per timed window")
    s.add_argument("--log", help="per-step losses to this file")
    s.add_argument("--quiet", action="store_true", help="no per-step lines")
    s = sub.add_parser("recipe", help="nanoGPT's shakespeare-char recipe for --minutes, and allgrad's command for it")
    s.add_argument("--text", required=True, help="the training text (e.g. tiny shakespeare's input.txt)")
    s.add_argument("--minutes", type=float, required=True, help="training time budget (steps only)")
    s.add_argument("--out", default="gpt-recipe", help="folder for the token files, weights and logs")
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--batch", type=int, help=f"[{RECIPE['batch']}]")
    s.add_argument("--steps", type=int, help=f"schedule length and step limit [{RECIPE['steps']}]")
    s.add_argument("--eval-every", type=int, help=f"[{RECIPE['eval_every']}]")
    s.add_argument("--eval-batches", type=int, help=f"[{RECIPE['eval_batches']}]")
    s.add_argument("--dropout", type=float, help=f"[{RECIPE['dropout']}]")
    a = p.parse_args()
    if a.cmd in ("train", "recipe"):
        # Before torch loads OpenMP and OpenBLAS: their pools read these at start.
        os.environ.setdefault("OMP_NUM_THREADS", str(a.threads))
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(a.threads))
    if a.cmd == "recipe":
        cmd_recipe(a)
    elif a.cmd == "train":
        if not a.steps and not a.minutes:
            raise SystemExit("train: give --steps N or --minutes M")
        cmd_train(a)
    elif a.cmd == "init":
        cmd_init(a)
    elif a.cmd == "tokens":
        cmd_tokens(a)
    else:
        cmd_llmc_checkpoint(a)


if __name__ == "__main__":
    sys.exit(main())
