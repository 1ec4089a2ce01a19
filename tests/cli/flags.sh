#!/usr/bin/env bash
# `allgrad train` settings: --help lists every flag with its default; a config file's
# settings apply and flags given on the command line override them.
# usage: flags.sh ALLGRAD
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
cd "$AG_TMP" || exit 1

# ---- --help: every flag, each with its default in brackets
run "$AG" train --help
expect_ok "train --help"
# The flags of TrainOptions (tools/train/options.h); a new flag belongs here too.
ALL_FLAGS="model data epochs max-steps batch-size optimizer lr momentum weight-decay scheduler loss no-shuffle bucket-by-length seed
threads checkpoint-dir checkpoint-every keep resume init-weights metrics profile log-every eval-every eval-every-steps eval-batches
grad-accum reproducible shard-optimizer micro-batch-size clip-grad-norm quiet collective-timeout bucket-cap-mb nan-policy detect-anomaly no-flush-denormal config"
for f in $ALL_FLAGS; do
  grep -qE "^  --$f( V)? .*\[[^]]+\]\$" "$OUT" || fail "--help: no line for --$f ending in [default]"
done
listed=$(grep -cE '^  --[a-z-]+' "$OUT")
[ "$listed" -eq "$(echo $ALL_FLAGS | wc -w)" ] || fail "--help lists $listed flags, the test knows $(echo $ALL_FLAGS | wc -w): update ALL_FLAGS"
# Defaults of the recipe (PyTorch example's MLP on Fashion-MNIST) as documented.
for want in "--model V .*\[mlp:784,256,128,10\]" "--epochs V .*\[15\]" "--batch-size V .*\[64\]" "--lr V .*\[0.002\]" \
    "--optimizer V .*\[adamw\]" "--scheduler V .*\[cosine\]" "--seed V .*\[0\]" "--max-steps V .*\[-1\]" \
    "--quiet .*\[off\]" "--no-shuffle .*\[off\]" "--checkpoint-dir V .*\[\(none\)\]"; do
  grep -qE -- "^  $want\$" "$OUT" || fail "--help: no line matching '$want'"
done
# Each default shown parses as that flag's value.
run "$AG" train --max-steps -1 --help
expect_ok "a shown default given back (--max-steps -1)"

# ---- a config file applies; flags override it
cat >run.toml <<TOML
# settings for a small run
model = "mlp:784,16,10"
data = "synthetic:300"
epochs = 3
batch_size = 50          # underscores or dashes
optimizer = "sgd"
lr = 0.5
momentum = 0.8
seed = 7
threads = 1
checkpoint-dir = "$AG_TMP/cfg"
eval_every = 0
TOML
run "$AG" train --config run.toml --lr 0.05
expect_ok "train --config run.toml --lr 0.05"
contains "$OUT" "mlp:784,16,10 on synthetic, 300 examples" "config: model and data"
contains "$OUT" "1 rank × 1 thread, 50 per rank per step, sgd lr 0.05," "config: batch size and optimizer, --lr overriding"
contains "$OUT" "done: 18 steps" "config: 3 epochs of 6 steps"
PY=$(find_python json)
check_json() {  # check_json CHECKPOINT PYTHON-EXPRESSION over m (meta) and opt (optimizer scalars)
  run "$AG" inspect --json "$1"
  expect_ok "inspect --json $1" || return
  [ -n "$PY" ] || return
  "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = d["meta"]
opt = {s["name"]: s["value"] for s in d["sections"]["optimizer"]["scalars"]}
ok = eval(sys.argv[2])
if not ok:
    print("meta:", m, "\noptimizer:", opt)
sys.exit(0 if ok else 1)
' "$OUT" "$2" || fail "checkpoint $1: not ($2)"
}
check_json cfg/ckpt-000018.agc \
  'm["model_spec"] == "mlp:784,16,10" and m["global_step"] == 18 and m["epoch"] == 3 and opt["type"] == "SGD" and opt["group.0.opt.initial_lr"] == 0.05 and opt["group.0.opt.momentum"] == 0.8'
# The same settings as flags only, --config=FILE, and flags overriding more keys.
run "$AG" train --config="$AG_TMP/run.toml" --epochs 1 --optimizer adam --checkpoint-dir over --quiet
expect_ok "train --config=FILE with overrides"
grep -qF "mlp:784" "$OUT" && fail "--quiet on the command line did not silence the start-up line"
contains "$OUT" "done: 6 steps" "--epochs 1 overriding epochs = 3"
check_json over/ckpt-000006.agc 'm["global_step"] == 6 and opt["type"] == "Adam" and opt["group.0.opt.initial_lr"] == 0.5'
# A switch set in the config file.
printf 'quiet = true\nmodel = "mlp:784,16,10"\ndata = "synthetic:100"\nepochs = 1\nthreads = 1\n' >quiet.toml
run "$AG" train --config quiet.toml
expect_ok "train --config quiet.toml"
[ "$(grep -c . "$OUT")" -eq 1 ] || fail "quiet = true in the config: expected only the summary line"
contains "$OUT" "done: 2 steps" "quiet.toml run"
# --flag=value and --flag value are the same.
run "$AG" train --model=mlp:784,16,10 --data=synthetic:100 --epochs=1 --threads=1 --batch-size=25 --lr=0.125
expect_ok "--flag=value form" && contains "$OUT" "25 per rank per step, adamw lr 0.125," "--flag=value form"

# ---- --help comes from the registries: every model, activation, optimizer, schedule and data source.
run "$AG" train --help
for want in "act=relu\|gelu\|tanh\|sigmoid" "convnet[:CLASSES]" "autoencoder:IN,HIDDEN" "logreg:IN,OUT" \
    "adam | adamw | sgd | rmsprop" "step:SIZE,GAMMA" "warmup:STEPS" "csv:FILE[:label=COL]" "synthetic[:N]" "idx:DIR"; do
  grep -qF -- "$(echo "$want" | sed 's/\\//g')" "$OUT" || fail "--help does not list $want"
done
# Each optimizer name builds that optimizer (an unknown one is a usage error, see bad_input.sh).
for pair in adam:Adam adamw:AdamW sgd:SGD rmsprop:RMSprop; do
  run "$AG" train --model mlp:4,8,3 --data synthetic:50 --batch-size 10 --max-steps 0 --quiet --optimizer "${pair%%:*}" --checkpoint-dir "opt-${pair%%:*}"
  expect_ok "--optimizer ${pair%%:*}"
  check_json "opt-${pair%%:*}/ckpt-000000.agc" "opt[\"type\"] == \"${pair#*:}\""
done
# Two spellings of one model resume each other: specs are compared parsed, not as text.
run "$AG" train --model mlp:4,8,3 --data synthetic:50 --batch-size 10 --max-steps 2 --quiet --checkpoint-dir spell
expect_ok "mlp:4,8,3 for 2 steps"
run "$AG" train --model mlp:4,8,3:act=relu,dropout=0 --data synthetic:50 --batch-size 10 --max-steps 4 --quiet --checkpoint-dir spell --resume auto
expect_ok "resuming mlp:4,8,3 as mlp:4,8,3:act=relu,dropout=0" && contains "$OUT" "done: 4 steps" "resumed under another spelling"
check_json spell/ckpt-000004.agc 'm["model_spec"] == "mlp:4,8,3"'
run "$AG" train --model mlp:4,8,3:act=tanh --data synthetic:50 --batch-size 10 --max-steps 6 --quiet --checkpoint-dir spell --resume auto
[ "$RC" -eq 1 ] && grep -qF "is of model 'mlp:4,8,3', not 'mlp:4,8,3:act=tanh'" "$ERR" || { fail "another model resumed: exit $RC"; show >&2; }

# --resume refuses a checkpoint of a run with other settings (say, another run sharing the
# directory), naming each; what may change on resume (epochs, step limit) may.
run "$AG" train --model mlp:4,8,3 --data synthetic:50 --batch-size 10 --max-steps 2 --quiet --optimizer sgd --checkpoint-dir other
expect_ok "sgd for 2 steps"
run "$AG" train --model mlp:4,8,3 --data synthetic:50 --batch-size 10 --max-steps 4 --quiet --optimizer adam --lr 0.01 --checkpoint-dir other --resume auto
[ "$RC" -eq 2 ] && grep -qF "was written by a run with other settings: optimizer 'sgd' there, 'adam' now, lr '0.002' there, '0.01' now" "$ERR" ||
  { fail "a checkpoint of other settings: exit $RC"; show >&2; }
run "$AG" train --model mlp:4,8,3 --data synthetic:50 --batch-size 10 --max-steps 4 --epochs 30 --quiet --optimizer sgd --checkpoint-dir other --resume auto
expect_ok "resuming with more epochs and steps" && contains "$OUT" "done: 4 steps" "resumed with more epochs"

# An autoencoder trains on synthetic data (its target is its input) and evaluates by MSE.
run "$AG" train --model autoencoder:784,16 --data synthetic:300 --epochs 1 --threads 1 --metrics ae.jsonl
expect_ok "autoencoder on synthetic data" && contains "$OUT" "test mse" "autoencoder on synthetic data"
grep -q '"test_mse"' ae.jsonl || fail "autoencoder: no test_mse in the metrics"

# The start-up line counts in words that agree with their numbers: "1 thread", never "1 threads".
run "$AG" train --model mlp:4,8,3 --data synthetic:50 --batch-size 10 --epochs 1 --threads 1
expect_ok "one thread" && { grep -q "1 threads" "$OUT" && fail "the start-up line says '1 threads': $(head -1 "$OUT")"; }

finish
