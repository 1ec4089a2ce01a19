#!/usr/bin/env bash
# The GPT end to end on a tiny model: bad inputs each give one clear line and a
# non-zero exit; a run stopped and resumed (dropout on) is bitwise the uninterrupted
# one; 2 ranks × batch 8 match 1 rank × batch 16 (and --grad-accum 2 × batch 8);
# generation is deterministic for a seed.
# usage: gpt.sh ALLGRAD [MPIEXEC]
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
MPIEXEC=${2:-}
cd "$AG_TMP" || exit 1

# A text with structure to learn: 6000 bytes of words.
words=(the cat sat on a mat dog ran far away)
for i in $(seq 1 1200); do printf '%s ' "${words[$((i * 7 % 10))]}"; done >text.txt
MODEL=gpt:layers=2,heads=2,dim=16,context=8
# token files written as llm.c does: 256 int32 header, then uint16 tokens.
token_file() {  # FILE MAGIC VERSION COUNT TOKEN...
  local f=$1; shift
  python3 - "$f" "$@" <<'PY'
import struct, sys
f, magic, version, count, *toks = sys.argv[1:]
h = [0] * 256
h[0], h[1], h[2] = int(magic), int(version), int(count)
with open(f, "wb") as out:
    out.write(struct.pack("<256i", *h))
    out.write(struct.pack("<%dH" % len(toks), *map(int, toks)))
PY
}

# ---- bad input: exit code, one line on stderr matching the regex
refuse() {  # WANT_RC REGEX ARGS...
  local want=$1 regex=$2; shift 2
  run "$AG" "$@"
  if [ "$RC" -ne "$want" ]; then fail "allgrad $*: exit $RC, expected $want"; show >&2; return; fi
  [ "$(wc -l <"$ERR")" -eq 1 ] || { fail "allgrad $*: stderr is not one line"; show >&2; return; }
  grep -qE -- "$regex" "$ERR" || { fail "allgrad $*: stderr does not match '$regex'"; show >&2; }
}
: >empty.txt
printf 'abcdefgh' >short.txt
refuse 1 "empty.txt.* 0 tokens, fewer than context \+ 1 = 9" train --model $MODEL --data text:empty.txt --max-steps 1
refuse 1 "short.txt.* 8 tokens, fewer than context \+ 1 = 9" train --model $MODEL --data text:short.txt:val=0 --max-steps 1
refuse 2 "heads=3 does not divide dim=16" train --model gpt:layers=1,heads=3,dim=16,context=8 --data text:text.txt
refuse 2 "a gpt trains on text:FILE or tokens" train --model $MODEL --data synthetic
refuse 2 "val=1.5 is not a fraction" train --model $MODEL --data text:text.txt:val=1.5
token_file lying.bin 20240520 1 1000 1 2 3 4 5 6 7 8 9 10
refuse 1 "lying.bin: byte 8: the header counts 1000 tokens but the file holds 20 bytes" train --model $MODEL --data tokens:lying.bin
token_file wide.bin 20240520 1 10 1 2 3 4 300 6 7 8 9 10
refuse 1 "wide.bin: byte 1032: token 4 is 300, not below the vocabulary size 256" train --model $MODEL --data tokens:wide.bin
token_file magic.bin 7 1 2 1 2
refuse 1 "magic.bin: byte 0: magic number 7" train --model $MODEL --data tokens:magic.bin

# ---- token files train like the text they hold
python3 -c "
import struct
t = open('text.txt','rb').read()
held = int(len(t) * 0.1)  # text:'s default split
for name, part in (('train.bin', t[:len(t) - held]), ('val.bin', t[len(t) - held:])):
    open(name,'wb').write(struct.pack('<256i', 20240520, 1, len(part), *([0]*253)) + struct.pack('<%dH' % len(part), *part))"
run "$AG" train --model $MODEL --data tokens:train.bin,val.bin --batch-size 8 --max-steps 4 --threads 1 --checkpoint-dir tok --quiet
expect_ok "training on llm.c token files"
run "$AG" train --model $MODEL --data text:text.txt --batch-size 8 --max-steps 4 --threads 1 --checkpoint-dir txt --quiet
run "$AG" diff tok/ckpt-000004.agc txt/ckpt-000004.agc
expect_ok "token files and the same text as bytes train alike (diff exit $RC)"

# ---- exact resume with dropout, validation and grad-accum on: 6 steps + resume to 12 == 12
FLAGS=(--model $MODEL,dropout=0.2 --data text:text.txt --batch-size 8 --threads 1 --lr 3e-3 --scheduler warmup:3
       --grad-accum 2 --eval-every-steps 4 --eval-batches 2 --quiet)
run "$AG" train "${FLAGS[@]}" --checkpoint-dir full --max-steps 12 --metrics full.jsonl
expect_ok "uninterrupted gpt run" && contains "$OUT" "done: 12 steps" "uninterrupted gpt run"
contains "$OUT" "tokens/s" "tokens/s in the summary"
contains full.jsonl '"val_loss"' "val_loss in the metrics"
run "$AG" train "${FLAGS[@]}" --checkpoint-dir part --max-steps 6
expect_ok "gpt run stopped at step 6"
run "$AG" train "${FLAGS[@]}" --checkpoint-dir part --max-steps 12 --resume auto
expect_ok "resumed gpt run"
run "$AG" diff full/ckpt-000012.agc part/ckpt-000012.agc
expect_ok "resumed gpt run bitwise equal to the uninterrupted one"
run "$AG" diff full/ckpt-000012.agc part/ckpt-000006.agc
[ "$RC" -eq 1 ] || fail "diff of step 6 and step 12: exit $RC, expected 1 (the comparison must be able to fail)"

# the model, optimizer and random state equal within 1e-5; the loader's count of
# micro-batches is the one difference grad-accum makes.
same_but_batches() {  # WHAT
  local other
  other=$(grep DIFFERENT "$OUT" | grep -vE '^ +batches +[0-9]+ +[0-9]+ +DIFFERENT' || true)
  [ -z "$other" ] && [ "$RC" -le 1 ] || { fail "$1"; show >&2; }
}

# ---- nanoGPT's schedule: lr·(it+1)/(warmup+1), then a cosine to min_lr at decay_steps.
# The metrics' lr after step k is the lr of iteration k.
run "$AG" train --model $MODEL --data text:text.txt --batch-size 4 --threads 1 --lr 1e-3 --max-steps 12 --quiet \
  --scheduler warmup:4,min_lr=1e-4,decay_steps=10 --log-every 1 --metrics lr.jsonl
expect_ok "warmup schedule run"
python3 - <<'PY' || fail "warmup:4,min_lr=1e-4,decay_steps=10 learning rates"
import json, math
lr = {r["step"]: r["lr"] for r in map(json.loads, open("lr.jsonl")) if "step" in r}
want = {1: 1e-3 * 2 / 5, 3: 1e-3 * 4 / 5, 4: 1e-3, 7: 1e-4 + 0.5 * 9e-4, 10: 1e-4, 11: 1e-4}
bad = {k: (lr[k], v) for k, v in want.items() if not math.isclose(lr[k], v, rel_tol=1e-9)}
assert not bad, bad
PY
refuse 2 "decay_steps=3 must be more than the warmup steps" train --model $MODEL --data text:text.txt --scheduler warmup:4,decay_steps=3

# ---- gradient accumulation: 2 × batch 8 == batch 16 (the same 16 windows per step)
EQ=(--model $MODEL --data text:text.txt --threads 1 --lr 1e-3 --max-steps 20 --quiet)
run "$AG" train "${EQ[@]}" --batch-size 16 --checkpoint-dir b16
expect_ok "1 rank × batch 16"
run "$AG" train "${EQ[@]}" --batch-size 8 --grad-accum 2 --checkpoint-dir acc
expect_ok "1 rank × batch 8 × grad-accum 2"
run "$AG" diff --atol 1e-5 b16/ckpt-000020.agc acc/ckpt-000020.agc
same_but_batches "grad-accum 2 × batch 8 == batch 16 (atol 1e-5)"

# ---- generation: the same seed gives the same text; a prompt longer than the context is refused
run "$AG" generate full --prompt "the " --tokens 20 --seed 5 --top-k 10
expect_ok "generate" && cp "$OUT" gen1
[ "$(head -c 4 gen1)" = "the " ] || fail "generate does not start with the prompt: $(cat gen1)"
[ "$(wc -c <gen1)" -eq 24 ] || fail "generate printed $(wc -c <gen1) bytes, expected 4 + 20"
run "$AG" generate full --prompt "the " --tokens 20 --seed 5 --top-k 10
cmp -s gen1 "$OUT" || fail "generate with the same seed gave other text"
refuse 2 "--prompt: 9 bytes, longer than the context of 8" generate full --prompt "123456789" --tokens 3

# ---- --init-weights from a file holding the tied weight once (as PyTorch's safetensors
# save_model writes it): lm_head.weight comes from transformer.wte.weight
run "$AG" export full --format safetensors -o w.safetensors
expect_ok "export"
python3 - <<'PY'
import json, struct
b = open("w.safetensors", "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h, data = json.loads(b[8:8 + n]), b[8 + n:]
h.pop("lm_head.weight"); h.pop("__metadata__", None)
out, chunks, off = {}, [], 0
for k, v in sorted(h.items(), key=lambda kv: kv[1]["data_offsets"][0]):
    s, e = v["data_offsets"]; chunks.append(data[s:e]); out[k] = dict(v, data_offsets=[off, off + e - s]); off += e - s
hb = json.dumps(out).encode(); hb += b" " * (-len(hb) % 8)
open("nohead.safetensors", "wb").write(struct.pack("<Q", len(hb)) + hb + b"".join(chunks))
PY
run "$AG" train --model $MODEL,dropout=0.2 --data text:text.txt --max-steps 0 --init-weights nohead.safetensors --checkpoint-dir init --quiet
expect_ok "--init-weights without lm_head.weight"
run "$AG" diff init/ckpt-000000.agc full/ckpt-000012.agc
grep -qE "^ +lm_head.weight .* equal" "$OUT" || fail "lm_head.weight not loaded from transformer.wte.weight"
# (load_state_dict's message is PyTorch's, a title line and the list)
run "$AG" train --model gpt:layers=3,heads=2,dim=16,context=8 --data text:text.txt --max-steps 0 --init-weights w.safetensors
[ "$RC" -eq 1 ] && grep -qF 'Missing key(s) in state_dict: "transformer.h.2.ln_1.weight"' "$ERR" || { fail "--init-weights of a smaller model"; show >&2; }

# ---- 2 ranks × batch 8 == 1 rank × batch 16, shuffled and in llm.c's order
if [ -n "$MPIEXEC" ]; then
  MPI=("$MPIEXEC" --oversubscribe -np 2)
  run "${MPI[@]}" "$AG" train "${EQ[@]}" --batch-size 8 --checkpoint-dir r2
  expect_ok "2 ranks × batch 8"
  run "$AG" diff --atol 1e-5 b16/ckpt-000020.agc r2/ckpt-000020.agc
  expect_ok "2 ranks × batch 8 == 1 rank × batch 16 (atol 1e-5)"
  run "$AG" train "${EQ[@]}" --batch-size 16 --no-shuffle --checkpoint-dir n16
  run "${MPI[@]}" "$AG" train "${EQ[@]}" --batch-size 8 --no-shuffle --checkpoint-dir n2
  expect_ok "2 ranks × batch 8, --no-shuffle"
  run "$AG" diff --atol 1e-5 n16/ckpt-000020.agc n2/ckpt-000020.agc
  expect_ok "--no-shuffle: 2 ranks × batch 8 == 1 rank × batch 16 (llm.c's batches, each rank its rows)"
  run "${MPI[@]}" "$AG" train "${EQ[@]}" --batch-size 4 --grad-accum 2 --checkpoint-dir r2acc
  expect_ok "2 ranks × batch 4 × grad-accum 2"
  run "$AG" diff --atol 1e-5 b16/ckpt-000020.agc r2acc/ckpt-000020.agc
  same_but_batches "2 ranks × batch 4 × grad-accum 2 (no_sync) == 1 rank × batch 16"
  # Clipping after DDP's averaging: every rank clips the same gradients, as one rank would.
  run "$AG" train "${EQ[@]}" --batch-size 16 --clip-grad-norm 0.5 --checkpoint-dir c16 --metrics c16.jsonl --log-every 5
  expect_ok "1 rank × batch 16, clipped" && contains c16.jsonl '"grad_norm"' "grad_norm in the metrics"
  run "${MPI[@]}" "$AG" train "${EQ[@]}" --batch-size 8 --clip-grad-norm 0.5 --checkpoint-dir c2
  expect_ok "2 ranks × batch 8, clipped"
  run "$AG" diff --atol 1e-5 c16/ckpt-000020.agc c2/ckpt-000020.agc
  expect_ok "--clip-grad-norm: 2 ranks × batch 8 == 1 rank × batch 16"
  run "$AG" diff --atol 1e-5 c16/ckpt-000020.agc b16/ckpt-000020.agc
  [ "$RC" -eq 1 ] || fail "--clip-grad-norm 0.5 changed nothing (diff exit $RC)"
else
  echo "no mpiexec: 2-rank part skipped"
fi
finish
