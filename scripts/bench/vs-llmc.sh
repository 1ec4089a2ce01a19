#!/usr/bin/env bash
# allgrad's GPT against llm.c (train_gpt2.c, CPU, fp32) and PyTorch on this machine: training
# tokens/s of the same byte-level GPT from the same initial weights on the same tokens.
#
#   scripts/bench/vs-llmc.sh --llmc PATH [--out DIR] [--allgrad PATH] [--runs N] [--quick]
#                            [--sides llmc,pytorch,allgrad] [--no-large]
#
# Workloads:
#   gpt-small  layers=4 heads=4 dim=128 context=64, batch 16: llm.c, PyTorch and allgrad with
#              1 and 2 threads (PyTorch with 2 threads twice: OpenMP's default wait policy and
#              OMP_WAIT_POLICY=PASSIVE)
#   gpt-large  layers=6 heads=6 dim=384 context=256, batch 8 (nanoGPT's shakespeare-char
#              model): PyTorch and allgrad, same thread variants (--no-large leaves it out)
# Each run times every step; the first 3 are left out and the rest cut into windows of 5
# steps; a run's figure is its median window; the table gives the median over --runs runs
# (alternated between sides, so the machine's noise falls on all alike), the spread over
# runs and over windows, and the peak RSS (GNU time's %M). Ratios: allgrad/llm.c (goal >= 3)
# and allgrad/PyTorch's best variant at the same threads (goal >= 1.5).
#
# llm.c: built from the checkout at PATH in a temporary directory with its own Makefile
# (target train_gpt2: -Ofast -march=native -fopenmp), after one change to that copy only:
# its main() takes no arguments and fixes the batch at 4 sequences, so `int B = 4;` becomes
# `int B = 16;`. Its sequence length (64) is the one measured here; it trains 41 steps
# (step 0..40), shuffles its batches, and evaluates and samples between steps (not timed:
# its per-step times cover forward, backward and update only). It reads gpt2_124M.bin,
# gpt2_tokenizer.bin and dev/data/tinyshakespeare/tiny_shakespeare_{train,val}.bin from its
# working directory: torch_gpt.py writes the first two from the same initial weights
# (llm.c's fp32 checkpoint format, a 256-byte tokenizer) and the token files are ours.
#
# Same settings everywhere: OPENBLAS_CORETYPE as in the environment (Haswell when unset) for
# PyTorch and allgrad (llm.c has its own kernels), OMP_NUM_THREADS and OPENBLAS_NUM_THREADS =
# the threads, flush-to-zero on (allgrad's default, torch.set_flush_denormal(True), llm.c's
# -Ofast), AdamW lr 1e-4 with betas 0.9/0.999 (llm.c's), no weight decay, no dropout.
# The allgrad binary: --allgrad, else $ALLGRAD, else build/tools/allgrad (not built here).
set -euo pipefail

cmdline="scripts/bench/vs-llmc.sh $*"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/scripts/bench"
source "$here/lib.sh"
PY="${TORCH_PYTHON:-/usr/bin/python3}"  # Debian's python3-torch lives in the system interpreter
allgrad="${ALLGRAD:-$root/build/tools/allgrad}"
llmc="" out="" runs=3 small_steps=40 large_steps=18 sides="llmc,pytorch,allgrad" large=1
text=/usr/share/common-licenses/GPL-3
while [ $# -gt 0 ]; do
  case "$1" in
    --llmc) llmc="$2"; shift ;;
    --out) out="$2"; shift ;;
    --allgrad) allgrad="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --quick) runs=1 large_steps=13 ;;
    --sides) sides="$2"; shift ;;
    --no-large) large=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "vs-llmc.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
has_side() { [[ ",$sides," == *",$1,"* ]]; }

# ---- what the run needs
if has_side llmc; then
  [ -n "$llmc" ] || { echo "vs-llmc.sh: --llmc PATH (a checkout of github.com/karpathy/llm.c) is required; or --sides pytorch,allgrad" >&2; exit 2; }
  [ -f "$llmc/train_gpt2.c" ] && [ -f "$llmc/Makefile" ] || { echo "vs-llmc.sh: $llmc has no train_gpt2.c and Makefile: not an llm.c checkout" >&2; exit 2; }
fi
$PY -c "import torch" 2>/dev/null || { echo "vs-llmc.sh: $PY cannot import torch (apt-get install python3-torch); the weights are written with it" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "vs-llmc.sh: GNU time is needed for peak RSS (apt-get install time)" >&2; exit 1; }
if has_side allgrad; then
  require_gpt_binary vs-llmc.sh "$allgrad" || exit 1
fi

out="${out:-$root/build/vs-llmc/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
raw="$out/raw.jsonl"
: > "$raw"
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
unset OMP_WAIT_POLICY  # only the passive PyTorch variant sets it

# ---- data and weights
if [ ! -f "$text" ]; then
  $PY -c "
import sys
w = 'the of and to in is that for it as with was on be by this are or at from'.split()
sys.stdout.write(''.join(f'{i}: ' + ' '.join(w[(i * 7 + j * 3) % len(w)] for j in range(9)) + '.\n' for i in range(600)))
" > "$out/text.txt"
  text="$out/text.txt"
fi
$PY "$here/torch_gpt.py" tokens --text "$text" --out "$out/train.bin" >&2
small_cfg=4,4,128,64 large_cfg=6,6,384,256
$PY "$here/torch_gpt.py" init --config "$small_cfg" --seed 1 --out "$out/small.safetensors" >&2
if [ "$large" = 1 ]; then $PY "$here/torch_gpt.py" init --config "$large_cfg" --seed 1 --out "$out/large.safetensors" >&2; fi

# ---- llm.c, built in a copy
if has_side llmc; then
  src="$out/llmc"
  rm -rf "$src" && mkdir -p "$src/dev/data/tinyshakespeare"
  cp -r "$llmc/train_gpt2.c" "$llmc/Makefile" "$llmc/llmc" "$src/"
  grep -q 'int B = 4;' "$src/train_gpt2.c" || { echo "vs-llmc.sh: $llmc/train_gpt2.c has no 'int B = 4;' in main(): this llm.c is not the one the script knows" >&2; exit 1; }
  grep -q 'int T = 64;' "$src/train_gpt2.c" || { echo "vs-llmc.sh: $llmc/train_gpt2.c does not train at T = 64" >&2; exit 1; }
  sed -i 's/int B = 4;/int B = 16;/' "$src/train_gpt2.c"
  echo "building llm.c's train_gpt2 in $src (batch patched to 16)" >&2
  if ! nice -n 19 make -C "$src" train_gpt2 NO_MULTI_GPU=1 NO_USE_MPI=1 > "$src/build.log" 2>&1; then
    echo "vs-llmc.sh: building llm.c failed; the log: $src/build.log" >&2
    tail -5 "$src/build.log" >&2
    exit 1
  fi
  grep -E '^(cc|gcc|clang)' "$src/build.log" | head -1 >&2 || true
  $PY "$here/torch_gpt.py" llmc-checkpoint --init "$out/small.safetensors" --heads 4 --out "$src/gpt2_124M.bin" \
    --tokenizer-out "$src/gpt2_tokenizer.bin" >&2
  ln -sf "$out/train.bin" "$src/dev/data/tinyshakespeare/tiny_shakespeare_train.bin"
  ln -sf "$out/train.bin" "$src/dev/data/tinyshakespeare/tiny_shakespeare_val.bin"
fi

# ---- the machine
$PY - "$allgrad" "$cmdline" "$llmc" <<'EOF' | tee "$out/machine.json"
import json, os, subprocess, sys, torch
def sh(c):
    return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
llmc = sys.argv[3]
print(json.dumps({"machine": {
    "cpu": sh("lscpu | sed -n 's/^Model name: *//p'"), "cores": os.cpu_count(),
    "openblas": sh("dpkg-query -W -f='${Version}' libopenblas0-pthread"), "OPENBLAS_CORETYPE": os.environ["OPENBLAS_CORETYPE"],
    "pytorch": torch.__version__, "allgrad": sh(sys.argv[1] + " --version 2>/dev/null | head -1"),
    "llmc": sh(f"git -C '{llmc}' rev-parse --short HEAD 2>/dev/null") if llmc else "",
    "gcc": sh("cc --version | head -1"), "uptime": sh("uptime"), "date": sh("date -u +%FT%TZ"), "command": sys.argv[2]}}))
EOF

# ---- one run: run WORKLOAD VARIANT SIDE THREADS TOKENS_PER_STEP DIR -- ENV... COMMAND...
# (an allgrad run's figures are in its metrics file, $log.metrics)
n_run=0
run() {
  local workload="$1" variant="$2" side="$3" threads="$4" tps="$5" dir="$6"
  shift 7
  n_run=$((n_run + 1))
  local log="$out/$workload.$variant.$n_run.log"
  rm -f "$log.metrics"
  if ! (cd "$dir" && /usr/bin/time -f %M -o "$log.rss" env "$@" > "$log" 2>&1); then
    echo "vs-llmc.sh: $workload $variant failed; the log: $log" >&2
    tail -5 "$log" >&2
    exit 1
  fi
  local parsed="$log"
  [ "$side" = allgrad ] && parsed="$log.metrics"
  $PY "$here/gpt_results.py" record "$raw" --side "$side" --log "$parsed" --rss "$log.rss" --tokens-per-step "$tps" \
    --meta "workload=$workload" "variant=$variant" "threads=$threads" | sed "s/^/  /" >&2
}

thread_env() { echo "OMP_NUM_THREADS=$1 OPENBLAS_NUM_THREADS=$1"; }

# workload NAME CONFIG BATCH STEPS INIT
workload() {
  local name="$1" cfg="$2" b="$3" steps="$4" init="$5"
  local l h c t
  IFS=, read -r l h c t <<< "$cfg"
  local tps=$((b * t))
  local torch_cmd="$PY $here/torch_gpt.py train --config $cfg --init $init --data $out/train.bin --batch $b --steps $steps --lr 1e-4 --betas 0.9,0.999 --weight-decay 0 --flush-denormal"
  local ag_cmd="$allgrad train --model gpt:layers=$l,heads=$h,dim=$c,context=$t --data tokens:$out/train.bin --batch-size $b --no-shuffle --init-weights $init --optimizer adamw --lr 1e-4 --weight-decay 0 --scheduler none --max-steps $steps --eval-every 0 --log-every 1 --quiet"
  echo "[$name: layers=$l heads=$h dim=$c context=$t batch=$b] $(uptime | sed 's/.*load/load/')" >&2
  for ((i = 1; i <= runs; i++)); do
    for th in 1 2; do
      # shellcheck disable=SC2046,SC2086
      {
        if has_side llmc && [ "$name" = gpt-small ]; then
          run "$name" "llmc-t$th" llmc "$th" "$tps" "$src" -- $(thread_env "$th") ./train_gpt2
        fi
        if has_side pytorch; then
          run "$name" "pytorch-t$th" pytorch "$th" "$tps" "$out" -- $(thread_env "$th") $torch_cmd --threads "$th"
          if [ "$th" = 2 ]; then
            run "$name" "pytorch-t2-passive" pytorch 2 "$tps" "$out" -- OMP_WAIT_POLICY=PASSIVE $(thread_env 2) $torch_cmd --threads 2
          fi
        fi
        if has_side allgrad; then
          run "$name" "allgrad-t$th" allgrad "$th" "$tps" "$out" -- $(thread_env "$th") $ag_cmd --threads "$th" \
            --metrics "$out/$name.allgrad-t$th.$((n_run + 1)).log.metrics"
        fi
      }
    done
  done
}

workload gpt-small "$small_cfg" 16 "$small_steps" "$out/small.safetensors"
if [ "$large" = 1 ] && { has_side pytorch || has_side allgrad; }; then
  workload gpt-large "$large_cfg" 8 "$large_steps" "$out/large.safetensors"
fi

echo "{\"load_after\": \"$(uptime | sed 's/.*load/load/')\"}"
$PY "$here/gpt_results.py" summarize "$raw" --table "$out/table.md"
{
  echo
  echo "Measured $(date -u +%F) by \`$cmdline\` on $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE; load at the end: $(uptime | sed 's/.*load average: //')."
} >> "$out/table.md"
cat "$out/table.md"
echo "table: $out/table.md; logs and raw records: $out" >&2
