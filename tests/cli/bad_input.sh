#!/usr/bin/env bash
# A table of mistakes a user makes with allgrad. Each must end with a non-zero exit
# code and exactly one line on stderr that names the problem — never a crash
# (signal exit codes), a hang (timeout) or a stack trace.
# usage: bad_input.sh ALLGRAD
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
cd "$AG_TMP" || exit 1

# bad [--lines N] KEYWORD CMD...: CMD fails cleanly with KEYWORD (extended regex,
# case-insensitive) in its stderr, which has N lines (default 1; "any": not checked).
bad() {
  local lines=1
  if [ "$1" = --lines ]; then lines=$2; shift 2; fi
  local keyword=$1; shift
  local what="allgrad ${*:2}"
  timeout 20 "$@" >"$OUT" 2>"$ERR"
  RC=$?
  if [ "$RC" -eq 0 ]; then fail "$what: succeeded, expected an error"; show >&2; return; fi
  if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then fail "$what: hung (killed by timeout)"; return; fi
  if [ "$RC" -ge 128 ]; then fail "$what: crashed (exit $RC, signal $((RC - 128)))"; show >&2; return; fi
  if grep -qE "terminate called|Segmentation|Aborted|AddressSanitizer|runtime error:|^ *#[0-9]+ 0x" "$ERR"; then
    fail "$what: stack trace or sanitizer report on stderr"; show >&2; return
  fi
  local n
  n=$(grep -c . "$ERR")
  if [ "$lines" != any ] && [ "$n" -ne "$lines" ]; then fail "$what: $n lines on stderr, expected $lines"; show >&2; return; fi
  if ! grep -qiE -- "$keyword" "$ERR"; then fail "$what: stderr does not mention /$keyword/"; show >&2; return; fi
}

# Small inputs. A 4-feature, 3-class model reads the CSV files.
M=(--model mlp:4,8,3 --epochs 1 --quiet --threads 1)
LOUD=(--model mlp:4,8,3 --epochs 1 --threads 1 --data synthetic:50 --batch-size 10)
S=("${LOUD[@]}" --quiet)
printf 'a,b,c,d,label\n1,2,3,4,0\n1,2,3,4,2\n' >good.csv
printf 'a,b,c,d,label\n1,2,3,4,0\n1,nan,3,4,1\n' >nan.csv
printf 'a,b,c,d,label\n1,2,3,4,0\n1,x,3,4,1\n' >text.csv
printf 'a,b,c,d,label\n1,2,3,4,0\n1,2,3,4,7\n' >range.csv
printf 'a,b,c,d,label\n1,2,3,4,0\n1,2,3,1\n' >ragged.csv
printf 'a,b,c,label\n1,2,3,0\n1,2,3,1\n' >three_features.csv
mkdir idx_wrong
cp good.csv idx_wrong/train-images-idx3-ubyte
cp good.csv idx_wrong/train-labels-idx1-ubyte
mkdir idx_swapped   # real IDX files, but labels where images should be
printf '\x00\x00\x08\x01\x00\x00\x00\x02\x00\x01' >idx_swapped/train-images-idx3-ubyte
printf '\x00\x00\x08\x01\x00\x00\x00\x02\x00\x01' >idx_swapped/train-labels-idx1-ubyte
mkdir empty_dir
printf 'epochs = 2\nbogus_key = 3\n' >unknown_key.toml
printf 'epochs = two\n' >bad_value.toml
printf 'quiet = maybe\n' >bad_switch.toml
touch a_file

# The checkpoints the later cases need.
"$AG" train "${S[@]}" --checkpoint-dir ck --max-steps 2 >/dev/null 2>&1 || die "could not write a checkpoint to test with"
C=ck/ckpt-000002.agc
[ -f "$C" ] || die "no $C"
head -c 1000 "$C" >truncated.agc
head -c 20 "$C" >stub.agc
"$AG" export "$C" --format safetensors -o w.safetensors >/dev/null || die "could not export"
PY=$(find_python json)

# ---- flags
bad "unknown flag --bogus" "$AG" train --bogus
# An unknown command names itself on the first line, then shows the usage.
bad --lines any "^allgrad: unknown command 'frobnicate'" "$AG" frobnicate
bad "--epochs needs a value" "$AG" train "${S[@]}" --epochs
bad "--quiet takes no value" "$AG" train "${S[@]}" --quiet=1
bad "unexpected argument 'stray'" "$AG" train "${S[@]}" stray
bad "--batch-size.*0.*out of range" "$AG" train "${S[@]}" --batch-size 0
bad "--epochs.*-1.*out of range" "$AG" train "${S[@]}" --epochs -1
bad "--lr.*'abc' is not a number" "$AG" train "${S[@]}" --lr abc
bad "--lr.*'1e999' is not a number" "$AG" train "${S[@]}" --lr 1e999
bad "--epochs.*not a whole number" "$AG" train "${S[@]}" --epochs 99999999999999999999
bad "--optimizer.*'lbfgs'" "$AG" train "${S[@]}" --optimizer lbfgs
bad "--nan-policy" "$AG" train "${S[@]}" --nan-policy maybe
bad "--scheduler.*'bogus'" "$AG" train "${S[@]}" --scheduler bogus
bad "--scheduler.*'step:abc'" "$AG" train "${S[@]}" --scheduler step:abc
bad "--loss.*'hinge'" "$AG" train "${S[@]}" --loss hinge
bad "--resume auto needs --checkpoint-dir" "$AG" train "${S[@]}" --resume auto

# ---- model specs
bad "unknown model 'foo'" "$AG" train --model foo:1 --data synthetic:10
bad "mlp:784,-5,10.*-5.*out of range" "$AG" train --model mlp:784,-5,10 --data synthetic:10
bad "mlp:784,0.*0.*out of range" "$AG" train --model mlp:784,0 --data synthetic:10
bad "mlp:784'.*input and an output" "$AG" train --model mlp:784 --data synthetic:10
bad "dropout" "$AG" train --model mlp:4,3:dropout=2 --data synthetic:10
bad "activation 'bogus'" "$AG" train --model mlp:4,3:act=bogus --data synthetic:10
bad "cross-entropy.*autoencoder" "$AG" train --model autoencoder:4,2 --loss cross-entropy --data synthetic:10

# ---- data
bad "/nonexistent" "$AG" train "${M[@]}" --data fashion-mnist:/nonexistent
bad "/nonexistent" "$AG" train "${M[@]}" --data idx:/nonexistent
bad "synthetic.*'abc'" "$AG" train "${M[@]}" --data synthetic:abc
bad "synthetic.*'0'" "$AG" train "${M[@]}" --data synthetic:0
bad "unknown source 'bogus:1'" "$AG" train "${M[@]}" --data bogus:1
bad "nan.csv.*line 3.*NaN" "$AG" train "${M[@]}" --data csv:nan.csv
bad "text.csv.*line 3.*'x' is not a number" "$AG" train "${M[@]}" --data csv:text.csv
bad "labels range over \[0, 7\].*3 classes" "$AG" train "${M[@]}" --data csv:range.csv
bad "ragged.csv.*line 3 has 4 fields, expected 5" "$AG" train "${M[@]}" --data csv:ragged.csv
bad "3 features but the model takes 4" "$AG" train "${M[@]}" --data csv:three_features.csv
bad "no column named 'nope'" "$AG" train "${M[@]}" --data csv:good.csv:label=nope
bad "missing.csv" "$AG" train "${M[@]}" --data csv:missing.csv
bad "idx_wrong/train-images.*magic" "$AG" train "${M[@]}" --data idx:idx_wrong
bad "idx_swapped/train-images" "$AG" train "${M[@]}" --data idx:idx_swapped
bad "empty_dir has no train-" "$AG" train "${M[@]}" --data idx:empty_dir

# ---- config files
bad "unknown_key.toml:2: unknown key 'bogus-key'" "$AG" train "${S[@]}" --config unknown_key.toml
bad "bad_value.toml:1: --epochs: 'two' is not a whole number" "$AG" train "${S[@]}" --config bad_value.toml
bad "bad_switch.toml:1: quiet takes true or false" "$AG" train "${S[@]}" --config bad_switch.toml
bad "cannot read 'missing.toml'" "$AG" train "${S[@]}" --config missing.toml

# ---- checkpoints and weights
bad "is of model 'mlp:4,8,3', not 'mlp:4,16,3'" "$AG" train --model mlp:4,16,3 --data synthetic:50 --quiet --resume "$C"
bad "holds no checkpoint" "$AG" train "${S[@]}" --resume empty_dir
bad "missing.agc" "$AG" train "${S[@]}" --resume missing.agc
# An unwritable --checkpoint-dir fails at start-up, before any training output.
bad "/proc/x" "$AG" train "${LOUD[@]}" --checkpoint-dir /proc/x
[ -s "$OUT" ] && fail "--checkpoint-dir /proc/x: the run started before failing: $(head -c 300 "$OUT")"
bad "a_file/sub.*not a directory" "$AG" train "${LOUD[@]}" --checkpoint-dir a_file/sub
[ -s "$OUT" ] && fail "--checkpoint-dir a_file/sub: the run started before failing: $(head -c 300 "$OUT")"
if [ -n "$PY" ]; then
  # Safetensors files whose header lies: a length past the end, offsets past the data,
  # a shape that does not match its bytes.
  "$PY" -c '
import json, struct
b = open("w.safetensors", "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h, body = json.loads(b[8:8 + n]), b[8 + n:]
def write(name, header):
    j = json.dumps(header).encode()
    open(name, "wb").write(struct.pack("<Q", len(j)) + j + body)
open("lie_length.safetensors", "wb").write(struct.pack("<Q", 10**9) + b[8:])
h2 = json.loads(json.dumps(h)); h2["0.bias"]["data_offsets"] = [0, 10**8]; write("lie_offsets.safetensors", h2)
h3 = json.loads(json.dumps(h)); h3["0.bias"]["shape"] = [999]; write("lie_shape.safetensors", h3)
' || die "could not write the lying safetensors files"
  bad "lie_length.safetensors.*header length.*past the end" "$AG" train "${S[@]}" --init-weights lie_length.safetensors
  bad "lie_offsets.safetensors.*0.bias.*data_offsets" "$AG" train "${S[@]}" --init-weights lie_offsets.safetensors
  bad "lie_shape.safetensors.*0.bias.*shape" "$AG" train "${S[@]}" --init-weights lie_shape.safetensors
fi
printf '\xff\xff' >two_bytes.safetensors
bad "two_bytes.safetensors" "$AG" train "${S[@]}" --init-weights two_bytes.safetensors
# Weights of another model: PyTorch's load_state_dict message, one line per problem.
"$AG" train --model mlp:4,16,3 --data synthetic:50 --quiet --checkpoint-dir other --max-steps 0 >/dev/null 2>&1
bad --lines 4 "size mismatch for 0.weight" "$AG" train "${S[@]}" --init-weights other

# ---- inspect, diff, export
bad "truncated.agc.*truncated" "$AG" inspect truncated.agc
bad "stub.agc.*shorter than the 64-byte checkpoint header" "$AG" inspect stub.agc
bad "missing.agc.*No such file" "$AG" inspect missing.agc
bad "holds no checkpoint" "$AG" inspect empty_dir
bad "usage: allgrad inspect" "$AG" inspect
bad "unknown option --bogus" "$AG" inspect "$C" --bogus
bad "usage: allgrad diff A B" "$AG" diff "$C"
bad "usage: allgrad diff A B" "$AG" diff
bad "--atol: '-1'" "$AG" diff "$C" "$C" --atol -1
bad "unknown format 'onnx'" "$AG" export "$C" --format onnx -o x.onnx
bad "usage: allgrad export" "$AG" export "$C" --format npz
bad "no section 'nope'" "$AG" export "$C" --format npz -o x.npz --section nope
bad "/proc/x/y.npz" "$AG" export "$C" --format npz -o /proc/x/y.npz
# diff exits 1 for "different"; an error must not look like that answer.
run "$AG" diff "$C" missing.agc
[ "$RC" -ge 2 ] && [ "$RC" -lt 128 ] || fail "diff with a missing file: exit $RC, expected 2 (trouble), not 0/1 (equal/different)"

finish
