#!/usr/bin/env bash
# allgrad against PyTorch and against the hand-written limit (bench/mlp_limit.cpp), on this
# machine, same data (Fashion-MNIST), same threads, runs alternated so the machine's noise
# falls on all sides alike. Prints JSON lines: the machine, then per workload and mode the
# medians (samples/s, MB/s, peak RSS) with their ratios, then each goal of the performance
# issue as measured in the fair mode. Logs, raw records and a Markdown table stay in --out.
#
#   scripts/bench/vs-pytorch.sh            # full run: 3 rounds of every workload
#   scripts/bench/vs-pytorch.sh --quick    # smoke test: 1 round, 1 epoch, a few ConvNet steps
#   scripts/bench/vs-pytorch.sh --only mlp-b64-t1,threads   # a subset (names as in the table)
#   scripts/bench/vs-pytorch.sh --readme   # then write the table into README.md
#
# The PyTorch reference is PyTorch's best mode: each run builds the model --instances
# times (default 3) in one process and reports the fastest, with tcmalloc (or jemalloc)
# preloaded (installed if missing), as PyTorch's CPU performance guide recommends: with glibc's
# malloc a PyTorch 1.13 step here is fast or several times slower at random per model
# instance (README). Beside it, the plainest PyTorch loop (torch_plain.py, also the fastest
# of --instances models, as the first model of a process pays its warm-up) runs in the
# same environment; the table gives the reference over it. When a PyTorch figure moves
# more than 2x between its own runs, the script says so and exits 3 instead of printing
# ratios. "threads-bB" rows time `allgrad train` with its default threads against
# --threads 1 (the default must never be slower).
#
# Two modes per workload:
#   defaults  what users get: OPENBLAS_CORETYPE unset (allgrad picks its kernels itself, PyTorch
#             keeps OpenBLAS's own pick), threads set with each side's own knob (--threads,
#             torch.set_num_threads), flush-to-zero as shipped (on in allgrad train, off in PyTorch).
#   fair      same kernels, same flush-to-zero: OPENBLAS_CORETYPE=SkylakeX, OMP_NUM_THREADS and
#             OPENBLAS_NUM_THREADS = the workload's threads, flush-to-zero on both sides.
# The limit runs in the fair mode only; defaults lines quote it.
set -euo pipefail

cmdline="scripts/bench/vs-pytorch.sh $*"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/scripts/bench"
runs=3 epochs=3 conv_steps=40 ddp_epochs=3 ckpt_reps=5 instances=3 allocator=auto only="" update_readme=0
build="$root/build"
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) runs=1 epochs=1 conv_steps=5 ddp_epochs=1 ckpt_reps=2 ;;
    --runs|--repeats) runs="$2"; shift ;;
    --instances) instances="$2"; shift ;;
    --torch-allocator) allocator="$2"; shift ;;
    --only) only=",$2,"; shift ;;
    --readme) update_readme=1 ;;
    --epochs) epochs="$2"; shift ;;
    --build) build="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,30p' "$0"
      echo "options: --quick, --runs N (rounds per workload; also --repeats), --epochs N (1-thread MLP runs),"
      echo "  --instances K (PyTorch models per run, the fastest reported), --torch-allocator auto|glibc|jemalloc|tcmalloc,"
      echo "  --only NAME,... (workloads: mlp-b32-t1 ... convnet-b64-t2, ddp-2x64, threads, checkpoint), --readme, --build DIR, --out DIR"
      exit 0 ;;
    *) echo "vs-pytorch.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
out="${out:-$build/vs-pytorch/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
raw="$out/raw.jsonl"
: > "$raw"

# ---- what the run needs: PyTorch (Debian's), GNU time, the dataset, the programs
PY=/usr/bin/python3  # Debian's python3-torch lives in the system interpreter
missing=()
$PY -c "import torch" 2>/dev/null || missing+=(python3-torch)
[ -x /usr/bin/time ] || missing+=(time)
[ -d /usr/share/datasets/fashion-mnist ] || missing+=(dataset-fashion-mnist)
# The allocator preloaded into PyTorch's processes (auto: tcmalloc, else jemalloc; tcmalloc
# is installed when neither is: with glibc's malloc PyTorch's step re-faults its
# temporaries' pages, README "Why PyTorch 1.13's step was fast or slow").
source "$here/lib.sh"  # find_lib, torch_preload
case "$allocator" in
  auto) [ -n "$(torch_preload)" ] || missing+=(libtcmalloc-minimal4) ;;
  glibc) ;;
  tcmalloc) [ -n "$(find_lib libtcmalloc_minimal.so.4)" ] || missing+=(libtcmalloc-minimal4) ;;
  jemalloc) [ -n "$(find_lib libjemalloc.so.2)" ] || missing+=(libjemalloc2) ;;
  *) echo "vs-pytorch.sh: --torch-allocator is auto, glibc, jemalloc or tcmalloc" >&2; exit 2 ;;
esac
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >&2
fi
cmake --build "$build" -j2 --target allgrad mlp_limit checkpoint_roundtrip >&2
preload=""
case "$allocator" in
  auto) preload="$(torch_preload)" ;;
  tcmalloc) preload="$(find_lib libtcmalloc_minimal.so.4)" ;;
  jemalloc) preload="$(find_lib libjemalloc.so.2)" ;;
esac
torch_alloc="$(basename "${preload:-glibc}")"
# PyTorch's processes get the allocator through the environment (torch_env), nothing else does.
torch_env() { if [ -n "$preload" ]; then echo "LD_PRELOAD=$preload"; fi; }
want() { [ -z "$only" ] || [[ "$only" == *",$1,"* ]]; }
allgrad="$build/tools/allgrad" limit="$build/bench/mlp_limit" ckpt="$build/bench/checkpoint_roundtrip"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# ---- the machine, first line of the output
machine_json() {
  $PY - "$@" <<'EOF'
import json, os, subprocess, sys, torch
def sh(c):
    return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
print(json.dumps({"machine": {
    "cpu": sh("lscpu | sed -n 's/^Model name: *//p'"), "cores": os.cpu_count(),
    "openblas": sh("dpkg-query -W -f='${Version}' libopenblas0-pthread"),
    "pytorch": torch.__version__, "allgrad": sh(sys.argv[1] + " --version | head -1"),
    "commit": sh("git -C " + sys.argv[5] + " rev-parse --short HEAD 2>/dev/null"),
    "torch_allocator": sys.argv[3], "torch_instances": int(sys.argv[4]),
    "uptime": sh("uptime"), "date": sh("date -u +%FT%TZ"), "command": sys.argv[2]}}))
EOF
}
machine_json "$allgrad" "$cmdline" "$torch_alloc" "$instances" "$root" | tee "$out/machine.json"

# ---- one run of one side: peak RSS with GNU time, the figures into raw.jsonl
# run WORKLOAD MODE SIDE META -- ENV... COMMAND...
n_run=0
run() {
  local workload="$1" mode="$2" side="$3" meta="$4"
  shift 5
  n_run=$((n_run + 1))
  local log="$out/$workload.$mode.$side.$n_run.log"
  if ! /usr/bin/time -f %M -o "$log.rss" env "$@" > "$log" 2>&1; then
    echo "vs-pytorch.sh: $workload $mode $side failed; the log: $log" >&2
    tail -5 "$log" >&2
    exit 1
  fi
  # shellcheck disable=SC2086
  $PY "$here/aggregate.py" record "$raw" --workload "$workload" --mode "$mode" --side "$side" \
    --log "$log" --rss "$log.rss" --meta $meta
  echo "  $workload $mode $side: $(grep -Eo '[0-9]+ samples/s|"save_MBps.*' "$log" | tail -1)" >&2
}

# The environments of the two modes for T threads.
defaults_env() { echo "-u OPENBLAS_CORETYPE -u OMP_NUM_THREADS -u OPENBLAS_NUM_THREADS"; }
fair_env() { echo "OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=$1 OPENBLAS_NUM_THREADS=$1"; }

ag_flags="--optimizer adam --lr 1e-3 --weight-decay 0 --scheduler none --eval-every 0 --quiet"

# One training workload: R rounds of allgrad, the PyTorch reference and the plain PyTorch
# loop in both modes, then the limit.
# train_workload NAME THREADS META ALLGRAD_ARGS TORCH_ARGS PLAIN_ARGS LIMIT_ARGS ("" = none)
train_workload() {
  local name="$1" t="$2" meta="$3" ag_args="$4" torch_cmd="$5" plain_cmd="$6" limit_cmd="$7"
  want "$name" || return 0
  echo "[$name] $(uptime | sed 's/.*load/load/')" >&2
  for ((i = 1; i <= runs; i++)); do
    # shellcheck disable=SC2046,SC2086
    {
      run "$name" defaults allgrad "$meta run=$i" -- $(defaults_env) $ag_args --threads "$t"
      run "$name" defaults pytorch "$meta run=$i" -- $(defaults_env) $(torch_env) $torch_cmd --threads "$t"
      if [ -n "$plain_cmd" ]; then run "$name" defaults plain "$meta run=$i" -- $(defaults_env) $(torch_env) $plain_cmd --threads "$t"; fi
      run "$name" fair allgrad "$meta run=$i" -- $(fair_env "$t") $ag_args --threads "$t"
      run "$name" fair pytorch "$meta run=$i" -- $(fair_env "$t") $(torch_env) $torch_cmd --threads "$t" --flush-denormal
      if [ -n "$plain_cmd" ]; then run "$name" fair plain "$meta run=$i" -- $(fair_env "$t") $(torch_env) $plain_cmd --threads "$t" --flush-denormal; fi
      if [ -n "$limit_cmd" ]; then run "$name" fair limit "$meta run=$i" -- $(fair_env "$t") $limit_cmd --threads "$t"; fi
    }
  done
}

# MLP: with 1 thread over several epochs, so the subnormal slowdown shows where it exists;
# with 2 threads over one epoch (PyTorch's 2-thread runs are slow, and on a busy machine
# very slow; a quarter epoch, 58 steps at batch 256, proved too short to time steadily).
for t in 1 2; do
  for b in 32 64 256; do
    if [ "$t" = 1 ]; then len="--epochs $epochs" meta_len="epochs=$epochs"
    else len="--epochs 1" meta_len="epochs=1"; fi
    train_workload "mlp-b$b-t$t" "$t" "model=mlp batch=$b threads=$t ranks=1 $meta_len" \
      "$allgrad train $ag_flags --batch-size $b $len" \
      "$PY $here/torch_train.py --model mlp --batch-size $b $len --instances $instances" \
      "$PY $here/torch_plain.py --model mlp --batch-size $b $len --instances $instances" \
      "$limit --batch-size $b $len"
  done
  train_workload "convnet-b64-t$t" "$t" "model=convnet batch=64 threads=$t ranks=1 steps=$conv_steps" \
    "$allgrad train $ag_flags --model convnet --batch-size 64 --max-steps $conv_steps" \
    "$PY $here/torch_train.py --model convnet --batch-size 64 --max-steps $conv_steps --instances $instances" \
    "$PY $here/torch_plain.py --model convnet --batch-size 64 --max-steps $conv_steps --instances $instances" ""
done

mpi="mpirun -np 2 --oversubscribe"
train_workload "ddp-2x64" 1 "model=mlp batch=64 threads=1 ranks=2 epochs=$ddp_epochs" \
  "$mpi $allgrad train $ag_flags --batch-size 64 --epochs $ddp_epochs" \
  "$PY $here/torch_ddp.py --ranks 2 --batch-size 64 --epochs $ddp_epochs" "" \
  "$mpi $limit --batch-size 64 --epochs $ddp_epochs"

# Threads that never lose: `allgrad train` with its default thread count (no --threads:
# cores / ranks; large products on 1 or N threads as timed on whole steps) against --threads 1, alternating,
# as a user runs it (the defaults environment).
if want threads; then
  echo "[threads] $(uptime | sed 's/.*load/load/')" >&2
  for b in 32 64 256; do
    for ((i = 1; i <= runs; i++)); do
      # shellcheck disable=SC2046,SC2086
      {
        run "threads-b$b" defaults allgrad "model=mlp batch=$b ranks=1 epochs=$epochs run=$i" -- $(defaults_env) \
          $allgrad train $ag_flags --batch-size $b --epochs $epochs
        run "threads-b$b" defaults one_thread "model=mlp batch=$b ranks=1 epochs=$epochs run=$i" -- $(defaults_env) \
          $allgrad train $ag_flags --batch-size $b --epochs $epochs --threads 1
      }
    done
  done
fi

# Checkpoints do not depend on kernels or flush-to-zero: one mode, in the same directory.
# torch_checkpoint.py times torch.save alone and torch.save + flush + fsync (allgrad's save
# is durable); the table gives allgrad's save against both.
if want checkpoint; then
  echo "[checkpoint] $(uptime | sed 's/.*load/load/')" >&2
  for ((i = 1; i <= runs; i++)); do
    # shellcheck disable=SC2046
    run checkpoint fair allgrad "model=mlp:1024,4096,1024,128 run=$i" -- OPENBLAS_CORETYPE=SkylakeX "$ckpt" --reps "$ckpt_reps"
    # shellcheck disable=SC2046
    run checkpoint fair pytorch "model=mlp:1024,4096,1024,128 run=$i" -- OPENBLAS_CORETYPE=SkylakeX $(torch_env) $PY "$here/torch_checkpoint.py" --reps "$ckpt_reps"
  done
fi

load_after="$(uptime)"
echo "{\"load_after\": \"$load_after\"}"
$PY - "$out/machine.json" "$load_after" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    m = json.load(f)
m["machine"]["load_after"] = sys.argv[2]
with open(sys.argv[1], "w") as f:
    f.write(json.dumps(m) + "\n")
EOF
status=0
$PY "$here/aggregate.py" summarize "$raw" --table "$out/table.md" || status=$?
if [ "$status" != 0 ]; then
  echo "vs-pytorch.sh: no table (see above); logs and raw records: $out" >&2
  exit "$status"
fi
echo "table: $out/table.md; logs and raw records: $out" >&2
if [ "$update_readme" = 1 ]; then
  $PY "$here/aggregate.py" readme "$root/README.md" "$out"
  echo "README.md: table replaced with this run's (two runs: scripts/bench/aggregate.py readme README.md RUN1 RUN2)" >&2
fi
