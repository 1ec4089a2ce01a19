#!/usr/bin/env bash
# allgrad's LSTM against PyTorch's on this machine, side by side, runs alternated so the
# machine's noise falls on both sides alike:
#   classifier  training tokens/s of `allgrad train --model lstm:embed=64,hidden=256,layers=1
#               --data fortunes --batch-size 32 --bucket-by-length` and of its PyTorch twin
#               (torch_lstm_classifier.py: same examples, model and recipe) over the
#               same first --steps batches (100 of the 119 in an epoch) from the same
#               weights (PyTorch's initial weights passed to --init-weights; the first
#               losses are compared, so both sides provably train on the same batches).
#               Batches of similar lengths, as an expert runs PyTorch: its LSTM then runs
#               over the padded batch (--padded: the same values for one direction) with
#               little padding, its fastest form (in 1.13 the CPU backward of a packed
#               batch grows with the square of the longest sequence); allgrad's runs packed;
#   layer       nn.LSTM forward + backward on a (T=100, batch 64, 256) input, hidden 256
#               (bench/rnn_bench.cpp against torch_lstm.py);
# each at 1 and 2 threads (--threads / AG_NUM_THREADS against torch.set_num_threads, with
# OMP_NUM_THREADS and OPENBLAS_NUM_THREADS set alike), the same OpenBLAS kernels on both
# sides (OPENBLAS_CORETYPE as in the environment, Haswell when unset, as the GPT scripts),
# flush-to-zero on both, PyTorch with tcmalloc (or jemalloc) preloaded when installed, as
# its CPU performance guide recommends, and OMP_WAIT_POLICY=PASSIVE (its fastest 2-thread
# setting here: OpenMP's spinning workers halve its GPT's speed, scripts/bench/vs-llmc.sh).
# Prints the raw records as JSON lines, then per figure the median over the runs with its
# min–max and the ratio allgrad / PyTorch (goal: at least 1.5). Exits 1 when a side fails,
# 3 when a PyTorch figure moves more than 2x between its runs (no ratios then).
#
#   scripts/bench/vs-pytorch-lstm.sh [--runs N (3)] [--steps K (100)] [--only classifier|layer] [--build DIR] [--out DIR]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/scripts/bench"
source "$here/lib.sh"
runs=3 steps=100 only="" build="$root/build" out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift ;;
    --steps) steps="$2"; shift ;;
    --only) only="$2"; shift ;;
    --build) build="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "vs-pytorch-lstm.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
out="${out:-$build/vs-pytorch-lstm/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
raw="$out/raw.jsonl"
: > "$raw"

export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
PY=/usr/bin/python3  # Debian's python3-torch lives in the system interpreter
$PY -c "import torch" 2>/dev/null || { echo "vs-pytorch-lstm.sh: $PY cannot import torch (apt-get install python3-torch)" >&2; exit 1; }
[ -d /usr/share/games/fortunes ] || { echo "vs-pytorch-lstm.sh: no /usr/share/games/fortunes (apt-get install fortunes)" >&2; exit 1; }
[ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >&2
cmake --build "$build" -j2 --target allgrad bench_rnn >&2
allgrad="$build/tools/allgrad" bench="$build/bench/bench_rnn"
preload="$(torch_preload)"
torch_env=()
[ -z "$preload" ] || torch_env=(LD_PRELOAD="$preload")
echo "{\"machine\": {\"date\": \"$(date -u +%FT%TZ)\", \"commit\": \"$(git -C "$root" rev-parse --short HEAD 2>/dev/null)\", \"torch_allocator\": \"$(basename "${preload:-glibc}")\", \"openblas_coretype\": \"${OPENBLAS_CORETYPE:-}\", \"uptime\": \"$(uptime)\"}}" | tee "$out/machine.json"

threads_env() { echo "OMP_NUM_THREADS=$1" "OPENBLAS_NUM_THREADS=$1"; }
torch_env+=(OMP_WAIT_POLICY=PASSIVE)
record() { echo "$1" | tee -a "$raw"; }

classifier() {  # RUN THREADS
  local log="$out/classifier.t$2.r$1"
  # PyTorch first in odd runs, allgrad first in even ones.
  local sides=(pytorch allgrad)
  [ $(($1 % 2)) -eq 1 ] || sides=(allgrad pytorch)
  for side in "${sides[@]}"; do
    if [ "$side" = pytorch ]; then
      # shellcheck disable=SC2046
      env "${torch_env[@]}" $(threads_env "$2") $PY "$here/torch_lstm_classifier.py" --threads "$2" --bucket-by-length --padded --max-steps "$steps" \
        --init-out "$out/classifier-init.safetensors" > "$log.pytorch" 2> "$log.pytorch.err" ||
        { echo "vs-pytorch-lstm.sh: the PyTorch classifier failed: $log.pytorch.err" >&2; tail -5 "$log.pytorch.err" >&2; exit 1; }
    else
      # shellcheck disable=SC2046
      [ -f "$out/classifier-init.safetensors" ] ||
        $PY "$here/torch_lstm_classifier.py" --max-steps 1 --init-out "$out/classifier-init.safetensors" > /dev/null
      env $(threads_env "$2") "$allgrad" train --model lstm:embed=64,hidden=256,layers=1 --data fortunes --batch-size 32 \
        --bucket-by-length --max-steps "$steps" --log-every 1 --threads "$2" --metrics "$log.allgrad.jsonl" \
        --init-weights "$out/classifier-init.safetensors" > "$log.allgrad" 2>&1 ||
        { echo "vs-pytorch-lstm.sh: allgrad train failed: $log.allgrad" >&2; tail -5 "$log.allgrad" >&2; exit 1; }
    fi
  done
  local rec
  rec="$($PY - "$log" "$1" "$2" 32 <<'EOF'
import json, re, sys
log, run, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch_rec = json.loads(open(log + ".pytorch").read().strip().splitlines()[-1])
text = open(log + ".allgrad").read()
m = re.search(r"(\d+) train / (\d+) test", text)
if not m or int(m.group(1)) != torch_rec["train"] or int(m.group(2)) != torch_rec["test"]:
    sys.exit(f"the two sides read different data: allgrad {m.groups() if m else '?'}, PyTorch {torch_rec['train']} / {torch_rec['test']}")
steps = [r for r in map(json.loads, open(log + ".allgrad.jsonl")) if "step" in r and "samples_per_s" in r]
last = steps[-1]
if last["step"] != torch_rec["steps"]:
    sys.exit(f"allgrad trained {last['step']} steps, PyTorch {torch_rec['steps']}")
if abs(steps[0]["loss"] - torch_rec["first_loss"]) > 1e-4 * abs(torch_rec["first_loss"]):
    sys.exit(f"the first batch differs: allgrad's first loss {steps[0]['loss']}, PyTorch's {torch_rec['first_loss']}")
# samples_per_s of a step record: the epoch's samples so far over its time so far.
seconds = last["step"] * int(sys.argv[4]) / last["samples_per_s"]
print(json.dumps({"figure": f"classifier-t{threads}", "run": run, "tokens": torch_rec["tokens"],
                  "allgrad_tokens_per_s": round(torch_rec["tokens"] / seconds, 1),
                  "pytorch_tokens_per_s": torch_rec["tokens_per_s"]}))
EOF
)" || { echo "vs-pytorch-lstm.sh: the $(basename "$log") records do not compare (above)" >&2; exit 1; }
  record "$rec"
}

layer() {  # RUN THREADS
  local log="$out/layer.t$2.r$1"
  # shellcheck disable=SC2046
  env $(threads_env "$2") AG_NUM_THREADS="$2" "$bench" --benchmark_filter='^BM_LSTMForwardBackward/100/64/256/256$' \
    --benchmark_repetitions=5 --benchmark_report_aggregates_only=true --benchmark_format=json > "$log.allgrad" 2> "$log.allgrad.err" ||
    { echo "vs-pytorch-lstm.sh: bench_rnn failed: $log.allgrad.err" >&2; exit 1; }
  # shellcheck disable=SC2046
  env "${torch_env[@]}" $(threads_env "$2") $PY "$here/torch_lstm.py" --threads "$2" --shape 100,64,256,256 > "$log.pytorch" 2> "$log.pytorch.err" ||
    { echo "vs-pytorch-lstm.sh: torch_lstm.py failed: $log.pytorch.err" >&2; exit 1; }
  local rec
  rec="$($PY - "$log" "$1" "$2" <<'EOF'
import json, sys
log, run, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
median = [b for b in json.load(open(log + ".allgrad"))["benchmarks"] if b.get("aggregate_name") == "median"][0]
torch_rec = json.loads(open(log + ".pytorch").read().strip().splitlines()[-1])
print(json.dumps({"figure": f"layer-t{threads}", "run": run, "allgrad_tokens_per_s": round(median["tokens/s"], 1),
                  "pytorch_tokens_per_s": torch_rec["tokens_per_s"]}))
EOF
)" || { echo "vs-pytorch-lstm.sh: the $(basename "$log") records do not compare (above)" >&2; exit 1; }
  record "$rec"
}

for run in $(seq 1 "$runs"); do
  for t in 1 2; do
    [ "$only" = layer ] || classifier "$run" "$t"
    [ "$only" = classifier ] || layer "$run" "$t"
  done
done

$PY - "$raw" <<'EOF'
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
figures = sorted({r["figure"] for r in recs})
bad = []
print(f"{'figure':<16} {'allgrad tokens/s (min-max)':<32} {'PyTorch tokens/s (min-max)':<32} {'ratio (min-max)':<20} goal 1.5")
for f in figures:
    rs = [r for r in recs if r["figure"] == f]
    a = [r["allgrad_tokens_per_s"] for r in rs]
    p = [r["pytorch_tokens_per_s"] for r in rs]
    ratios = [x / y for x, y in zip(a, p)]
    if max(p) > 2 * min(p):
        bad.append(f"{f}: PyTorch moved from {min(p):.0f} to {max(p):.0f} tokens/s between runs")
        continue
    r = statistics.median(a) / statistics.median(p)
    print(f"{f:<16} {statistics.median(a):>9.0f} ({min(a):.0f}-{max(a):.0f}){'':<8} {statistics.median(p):>9.0f} ({min(p):.0f}-{max(p):.0f}){'':<8} "
          f"{r:.2f} ({min(ratios):.2f}-{max(ratios):.2f}){'':<6} {'met' if r >= 1.5 else 'NOT met'}")
for b in bad:
    print("vs-pytorch-lstm.sh: " + b + "; no ratio (the reference is not steady enough)", file=sys.stderr)
sys.exit(3 if bad else 0)
EOF
