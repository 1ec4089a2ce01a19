#!/usr/bin/env bash
# The table of mistakes a user makes with allgrad: wrong flags and values, bad
# data files (IDX, CSV), bad config files, safetensors and checkpoints that lie.
# Each row gives the expected exit code, a regex its stderr must match, and the
# arguments. Every row must end with exactly that exit code and exactly one line
# on stderr (unless the row says otherwise) — never a crash (signal exit code), a
# hang (20 s timeout), a stack trace, a sanitizer report, or an allocation beyond
# the memory limit (ulimit -v; an over-allocation shows as an "out of memory"
# message, which no row expects).
# usage: bad_input.sh ALLGRAD
source "$(dirname "$0")/lib.sh"
AG=$(readlink -f "$1")
cd "$AG_TMP" || exit 1

# Address space per run. AddressSanitizer reserves terabytes of shadow memory, so
# under the sanitizers (AG_CLI_NO_MEMORY_LIMIT=1) its own cap on one allocation
# (max_allocation_size_mb, set by the ctest environment) stands in for it.
MEMORY_LIMIT_KB=$((3 * 1024 * 1024))
ROWS=0

# expect [--lines N] EXIT REGEX ARGS...: `allgrad ARGS...` exits with EXIT and an
# stderr of N lines (default 1; "any": not counted) matching REGEX (extended,
# case-insensitive).
expect() {
  local lines=1
  if [ "$1" = --lines ]; then lines=$2; shift 2; fi
  local want=$1 regex=$2; shift 2
  local what="allgrad $*"
  ROWS=$((ROWS + 1))
  (
    [ -z "${AG_CLI_NO_MEMORY_LIMIT:-}" ] && ulimit -v "$MEMORY_LIMIT_KB"
    exec timeout 20 "$AG" "$@"
  ) >"$OUT" 2>"$ERR" </dev/null
  RC=$?
  if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then fail "$what: hung (killed by timeout)"; return; fi
  if [ "$RC" -ge 128 ]; then fail "$what: crashed (exit $RC, signal $((RC - 128)))"; show >&2; return; fi
  if grep -qE "terminate called|Segmentation|Aborted|AddressSanitizer|LeakSanitizer|runtime error:|^ *#[0-9]+ 0x" "$ERR"; then
    fail "$what: stack trace or sanitizer report on stderr"; show >&2; return
  fi
  if grep -qiE "out of memory|bad_alloc" "$ERR"; then fail "$what: ran out of memory instead of refusing the input"; show >&2; return; fi
  if [ "$RC" -ne "$want" ]; then fail "$what: exit code $RC, expected $want"; show >&2; return; fi
  local n
  n=$(grep -c . "$ERR")
  if [ "$lines" != any ] && [ "$n" -ne "$lines" ]; then fail "$what: $n lines on stderr, expected $lines"; show >&2; return; fi
  if ! grep -qiE -- "$regex" "$ERR"; then fail "$what: stderr does not match /$regex/"; show >&2; return; fi
}

# ---- Fixtures: the file contents the rows name.
# A 4-feature, 3-class model reads the CSV and IDX files.
M=(--model mlp:4,8,3 --epochs 1 --quiet --threads 1)
LOUD=(--model mlp:4,8,3 --epochs 1 --threads 1 --data synthetic:50 --batch-size 10)
S=("${LOUD[@]}" --quiet)
csv() { printf "$2" >"$1"; }
csv good.csv          'a,b,c,d,label\n1,2,3,4,0\n1,2,3,4,2\n'
csv nan.csv           'a,b,c,d,label\n1,2,3,4,0\n1,nan,3,4,1\n'
csv inf.csv           'a,b,c,d,label\n1,2,3,4,0\n1,2,-inf,4,1\n'
csv text.csv          'a,b,c,d,label\n1,2,3,4,0\n1,x,3,4,1\n'
csv empty_cell.csv    'a,b,c,d,label\n1,2,,4,0\n'
csv overflow.csv      'a,b,c,d,label\n1,2,3,1e400,0\n'
csv range.csv         'a,b,c,d,label\n1,2,3,4,0\n1,2,3,4,7\n'
csv negative.csv      'a,b,c,d,label\n1,2,3,4,0\n1,2,3,4,-1\n'
csv fraction.csv      'a,b,c,d,label\n1,2,3,4,0.5\n'
csv ragged.csv        'a,b,c,d,label\n1,2,3,4,0\n1,2,3,1\n'
csv three_features.csv 'a,b,c,label\n1,2,3,0\n1,2,3,1\n'
csv header_only.csv   'a,b,c,d,label\n'
csv empty.csv         ''
csv binary.csv        '\x00\x01\x02\xff\n\x03,\x04\n'
csv dup_label.csv     'label,a,b,c,label\n0,1,2,3,4\n'
csv quoted_comma.csv  'a,b,c,d,label\n1,"2,5",3,4,0\n'
# idx DIR IMAGES LABELS: a folder with the train- pair, contents as printf formats.
idx() { mkdir -p "$1"; printf "$2" >"$1/train-images-idx3-ubyte"; printf "$3" >"$1/train-labels-idx1-ubyte"; }
LABELS2='\x00\x00\x08\x01\x00\x00\x00\x02\x00\x01'
IMAGES2x2x2='\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x02\x01\x02\x03\x04\x05\x06\x07\x08'
idx idx_good      "$IMAGES2x2x2" "$LABELS2"
idx idx_text      'a,b,c,d,label\n1,2,3,4,0\n' 'a,b\n'
idx idx_swapped   "$LABELS2" "$LABELS2"       # labels where the images should be
idx idx_float     '\x00\x00\x0d\x03\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00' "$LABELS2"
idx idx_type      '\x00\x00\x07\x03\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x00' "$LABELS2"
idx idx_ndim0     '\x00\x00\x08\x00' "$LABELS2"
idx idx_header    '\x00\x00\x08\x03\x00\x00\x00\x02\x00' "$LABELS2"
idx idx_truncated '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x02\x01\x02\x03' "$LABELS2"
idx idx_trailing  "$IMAGES2x2x2\\x00" "$LABELS2"
idx idx_huge      '\x00\x00\x08\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01' "$LABELS2"
idx idx_counts    "$IMAGES2x2x2" '\x00\x00\x08\x01\x00\x00\x00\x03\x00\x01\x02'
idx idx_label9    "$IMAGES2x2x2" '\x00\x00\x08\x01\x00\x00\x00\x02\x00\x09'
idx idx_label200  "$IMAGES2x2x2" '\x00\x00\x08\x01\x00\x00\x00\x02\x00\xc8'
idx idx_empty     '\x00\x00\x08\x03\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x02' '\x00\x00\x08\x01\x00\x00\x00\x00'
idx idx_test_shape "$IMAGES2x2x2" "$LABELS2"
printf '\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00\x00\x03\x00\x00\x00\x03\x01\x02\x03\x04\x05\x06\x07\x08\x09' >idx_test_shape/t10k-images-idx3-ubyte
printf '\x00\x00\x08\x01\x00\x00\x00\x01\x00' >idx_test_shape/t10k-labels-idx1-ubyte
idx idx_features  '\x00\x00\x08\x03\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x01\x05' '\x00\x00\x08\x01\x00\x00\x00\x01\x00'
# Compressed: a header claiming 64 GiB in a 31-byte gzip file, and a cut-off gzip stream.
mkdir idx_gzip_lie idx_gzip_cut
printf '\x00\x00\x08\x03\x00\x10\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00' | gzip >idx_gzip_lie/train-images-idx3-ubyte.gz
printf "$LABELS2" | gzip >idx_gzip_lie/train-labels-idx1-ubyte.gz
printf "$IMAGES2x2x2" | gzip | head -c 20 >idx_gzip_cut/train-images-idx3-ubyte.gz
cp idx_gzip_lie/train-labels-idx1-ubyte.gz idx_gzip_cut/
mkdir empty_dir
touch a_file
conf() { printf "$2" >"$1"; }
conf unknown_key.toml  'epochs = 2\nbogus_key = 3\n'
conf bad_value.toml    'epochs = two\n'
conf bad_switch.toml   'quiet = maybe\n'
conf negative.toml     'batch_size = -3\n'
conf huge.toml         'batch_size = 99999999999999999999999\n'
conf real_for_int.toml 'threads = 1.5\n'
conf text_for_real.toml 'lr = "fast"\n'
conf table.toml        '[train]\nlr = 0.1\n'
conf no_equals.toml    'lr\n'
conf nested.toml       'config = "other.toml"\n'
conf binary.toml       '\xff\xfe\x00garbage\n'
conf dup_key.toml      'epochs = 2\nlr = 0.1\nepochs = 3\n'
conf dup_spelling.toml 'batch-size = 2\nbatch_size = 3\n'
conf bom.toml          '\xef\xbb\xbfepochs = 1\nbogus = 2\n'
# Named pipes where files are expected: opening one for reading would wait for a writer.
mkfifo fifo.agc fifo.toml fifo.safetensors fifo.csv
mkdir fifo_dir idx_fifo
mkfifo fifo_dir/ckpt-000009.agc idx_fifo/train-images-idx3-ubyte
printf "$LABELS2" >idx_fifo/train-labels-idx1-ubyte

# The checkpoints and weight files the later rows need.
"$AG" train "${S[@]}" --checkpoint-dir ck --max-steps 2 >/dev/null 2>&1 || die "could not write a checkpoint to test with"
C=ck/ckpt-000002.agc
[ -f "$C" ] || die "no $C"
head -c 1000 "$C" >truncated.agc
head -c 20 "$C" >stub.agc
"$AG" export "$C" --format safetensors -o w.safetensors >/dev/null || die "could not export"
"$AG" train --model mlp:4,16,3 --data synthetic:50 --quiet --checkpoint-dir other --max-steps 0 >/dev/null 2>&1
printf '\xff\xff' >two_bytes.safetensors
PY=$(find_python json)
if [ -n "$PY" ]; then
  # Safetensors files whose header lies, each in one field of tensor 0.bias (F32 [8],
  # data_offsets [0, 32]) or in the header as a whole.
  "$PY" -c '
import json, struct
b = open("w.safetensors", "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h, body = json.loads(b[8:8 + n]), b[8 + n:]
def write(name, header=None, raw=None):
    j = raw if raw is not None else json.dumps(header).encode()
    open(name + ".safetensors", "wb").write(struct.pack("<Q", len(j)) + j + body)
def lie(name, field, value):
    h2 = json.loads(json.dumps(h))
    if value is None: del h2["0.bias"][field]
    else: h2["0.bias"][field] = value
    write(name, h2)
open("lie_length.safetensors", "wb").write(struct.pack("<Q", 10**9) + b[8:])
lie("lie_offsets", "data_offsets", [0, 10**8])
lie("lie_offsets_reversed", "data_offsets", [32, 0])
lie("lie_offsets_negative", "data_offsets", [-4, 28])
lie("lie_offsets_other", "data_offsets", h["0.weight"]["data_offsets"])
lie("lie_shape", "shape", [999])
lie("lie_shape_negative", "shape", [-8])
lie("lie_shape_huge", "shape", [2**62, 2**62])
lie("lie_dtype", "dtype", "F64")
lie("lie_dtype_unknown", "dtype", "Q7")
lie("lie_dtype_missing", "dtype", None)
write("lie_not_json", raw=b"{not json")
write("lie_not_object", raw=b"[1, 2, 3]")
open("lie_deep.safetensors", "wb").write(struct.pack("<Q", 100000) + b"[" * 100000)
' || die "could not write the lying safetensors files"
fi

# ---- The table.
#      exit  stderr (regex)                                           arguments
# Flags: unknown, missing or extra values, wrong types.
expect 2 "unknown flag --bogus"                                       train --bogus
expect --lines any 2 "^allgrad: unknown command 'frobnicate'"         frobnicate
expect 2 "--epochs needs a value"                                     train "${S[@]}" --epochs
expect 2 "--quiet takes no value"                                     train "${S[@]}" --quiet=1
expect 2 "unexpected argument 'stray'"                                train "${S[@]}" stray
expect 2 "--lr.*'abc' is not a number"                                train "${S[@]}" --lr abc
expect 2 "--lr.*'inf' is not a number"                                train "${S[@]}" --lr inf
expect 2 "--momentum.*'nan' is not a number"                          train "${S[@]}" --momentum nan
expect 2 "--batch-size.*'1.5' is not a whole number"                  train "${S[@]}" --batch-size 1.5
expect 2 "--epochs.*'' is not a whole number"                         train "${S[@]}" --epochs ""
expect 2 "--optimizer.*'lbfgs'"                                       train "${S[@]}" --optimizer lbfgs
expect 2 "--nan-policy"                                               train "${S[@]}" --nan-policy maybe
expect 2 "--scheduler.*'bogus'"                                       train "${S[@]}" --scheduler bogus
expect 2 "--scheduler.*'step:abc'"                                    train "${S[@]}" --scheduler step:abc
expect 2 "--loss.*'hinge'"                                            train "${S[@]}" --loss hinge
expect 2 "--resume auto needs --checkpoint-dir"                       train "${S[@]}" --resume auto
# Sizes: negative, zero, huge.
expect 2 "--batch-size.*0.*out of range"                              train "${S[@]}" --batch-size 0
expect 2 "--batch-size.*-1.*out of range"                             train "${S[@]}" --batch-size -1
expect 2 "--epochs.*0.*out of range"                                  train "${S[@]}" --epochs 0
expect 2 "--epochs.*-1.*out of range"                                 train "${S[@]}" --epochs -1
expect 2 "--epochs: 99999999999999999999 is out of range \(at most 1000000"  train "${S[@]}" --epochs 99999999999999999999
# Products the run forms (epochs × batches, batch size × ranks) must fit int64; the
# value is parsed into the type used (--keep is an int) and echoed as typed.
expect 2 "--epochs: 2000000000000000000 is out of range \(at most 1000000: .*epochs × batches" train "${S[@]}" --epochs 2000000000000000000
expect 2 "--batch-size: 9223372036854775807 is out of range \(at most 1073741824" train "${S[@]}" --batch-size 9223372036854775807
expect 2 "--keep: 4294967296 is out of range \(at most 2147483647\)"  train "${S[@]}" --keep 4294967296
expect 2 "--keep: 2147483648 is out of range \(at most 2147483647\)"  train "${S[@]}" --keep 2147483648
expect 2 "--seed: -99999999999999999999 is out of range \(at least 0\)" train "${S[@]}" --seed -99999999999999999999
expect 2 "--max-steps.*-2.*out of range"                              train "${S[@]}" --max-steps -2
expect 2 "--lr.*-1.*out of range"                                     train "${S[@]}" --lr -1
expect 2 "--lr.*'1e999' is not a number"                              train "${S[@]}" --lr 1e999
expect 1 "non-finite gradient at step 2"                              train "${S[@]}" --lr 1e300
expect 2 "--threads.*-1.*out of range"                                train "${S[@]}" --threads -1
expect 2 "--threads.*100000000.*out of range \(at most 1024\)"        train "${S[@]}" --threads 100000000
expect 2 "--keep.*0.*out of range"                                    train "${S[@]}" --keep 0
expect 2 "--log-every.*0.*out of range"                               train "${S[@]}" --log-every 0
expect 2 "--seed.*-1.*out of range"                                   train "${S[@]}" --seed -1
expect 2 "--collective-timeout.*0.*out of range"                      train "${S[@]}" --collective-timeout 0
expect 2 "--scheduler.*'step:0,0.5'"                                  train "${S[@]}" --scheduler step:0,0.5
expect 2 "--scheduler.*'warmup:-5'"                                   train "${S[@]}" --scheduler warmup:-5
# Model specs.
expect 2 "unknown model 'foo'"                                        train --model foo:1 --data synthetic:10
expect 2 "mlp:784,-5,10.*-5.*out of range"                            train --model mlp:784,-5,10 --data synthetic:10
expect 2 "mlp:784,0.*0.*out of range"                                 train --model mlp:784,0 --data synthetic:10
expect 2 "mlp:4,100000000000,3.*out of range"                         train --model mlp:4,100000000000,3 --data synthetic:10
expect 2 "mlp:784'.*input and an output"                              train --model mlp:784 --data synthetic:10
expect 2 "dropout"                                                    train --model mlp:4,3:dropout=2 --data synthetic:10
expect 2 "act=bogus is not relu"                                      train --model mlp:4,3:act=bogus --data synthetic:10
expect 2 "cross-entropy.*autoencoder"                                 train --model autoencoder:4,2 --loss cross-entropy --data synthetic:10
# Data sources.
expect 1 "/nonexistent"                                               train "${M[@]}" --data fashion-mnist:/nonexistent
expect 1 "/nonexistent"                                               train "${M[@]}" --data idx:/nonexistent
expect 1 "a_file is not a folder"                                     train "${M[@]}" --data idx:a_file
expect 2 "synthetic.*'abc'"                                           train "${M[@]}" --data synthetic:abc
expect 2 "synthetic.*'0'"                                             train "${M[@]}" --data synthetic:0
expect 2 "synthetic.*'-5'"                                            train "${M[@]}" --data synthetic:-5
expect 1 "synthetic.*67108864 examples of 4 features exceed"          train "${M[@]}" --data synthetic:67108864
expect 2 "--data: 'bogus:1' is not one of"                                   train "${M[@]}" --data bogus:1
# CSV files.
expect 1 "nan.csv.*line 3.*NaN"                                       train "${M[@]}" --data csv:nan.csv
expect 1 "inf.csv.*line 3, column 3.*infinite"                        train "${M[@]}" --data csv:inf.csv
expect 1 "text.csv.*line 3.*'x' is not a number"                      train "${M[@]}" --data csv:text.csv
expect 1 "empty_cell.csv.*line 2, column 3.*empty field"              train "${M[@]}" --data csv:empty_cell.csv
expect 1 "overflow.csv.*line 2.*'1e400' is out of the range"          train "${M[@]}" --data csv:overflow.csv
expect 1 "labels range over \[0, 7\].*3 classes"                      train "${M[@]}" --data csv:range.csv
expect 1 "labels range over \[-1, 0\].*3 classes"                     train "${M[@]}" --data csv:negative.csv
expect 1 "fraction.csv.*label '0.5' is not an integer"                train "${M[@]}" --data csv:fraction.csv
expect 1 "ragged.csv.*line 3 has 4 fields, expected 5"                train "${M[@]}" --data csv:ragged.csv
expect 1 "three_features.csv: examples have 3 features \(shape \[3\]\) but the model takes 4" train "${M[@]}" --data csv:three_features.csv
expect 1 "header_only.csv.*no data rows"                              train "${M[@]}" --data csv:header_only.csv
expect 1 "empty.csv.*is empty"                                        train "${M[@]}" --data csv:empty.csv
expect 1 "binary.csv"                                                 train "${M[@]}" --data csv:binary.csv
expect 1 "no column named 'nope'"                                     train "${M[@]}" --data csv:good.csv:label=nope
expect 1 "dup_label.csv.*label column 'label' appears twice in the header on line 1 \(columns 1 and 5\)" train "${M[@]}" --data csv:dup_label.csv:label=label
expect 1 "quoted_comma.csv.*line 2, column 2 \('b'\): '2,5' is not a number" train "${M[@]}" --data csv:quoted_comma.csv
expect 1 "label column index 7 is out of range for 5 columns"         train "${M[@]}" --data csv:good.csv:label=7
expect 1 "label column index '99999999999999999999' is out of range"  train "${M[@]}" --data csv:good.csv:label=99999999999999999999
expect 1 "missing.csv"                                                train "${M[@]}" --data csv:missing.csv
expect 1 "'/dev/zero'.*not a regular file"                            train "${M[@]}" --data csv:/dev/zero
# IDX files.
expect 1 "idx_text/train-images.*bad magic number"                    train "${M[@]}" --data idx:idx_text
expect 1 "idx_swapped/train-images.*expected uint8 \[N, height, width\]" train "${M[@]}" --data idx:idx_swapped
expect 1 "idx_float/train-images.*non-uint8"                          train "${M[@]}" --data idx:idx_float
expect 1 "idx_type/train-images.*unknown element type code 0x07"      train "${M[@]}" --data idx:idx_type
expect 1 "idx_ndim0/train-images.*dimension count at byte 3 is 0"     train "${M[@]}" --data idx:idx_ndim0
expect 1 "idx_header/train-images.*header is truncated"               train "${M[@]}" --data idx:idx_header
expect 1 "idx_truncated/train-images.*8 data bytes.*file has 19 bytes" train "${M[@]}" --data idx:idx_truncated
expect 1 "idx_trailing/train-images.*8 data bytes.*file has 25 bytes" train "${M[@]}" --data idx:idx_trailing
expect 1 "idx_huge/train-images.*more elements than int64 can count"  train "${M[@]}" --data idx:idx_huge
expect 1 "idx_gzip_lie/train-images.*more than 31 compressed bytes"   train "${M[@]}" --data idx:idx_gzip_lie
expect 1 "idx_gzip_cut/train-images"                                  train "${M[@]}" --data idx:idx_gzip_cut
expect 1 "has 2 images but labels file .* has 3 labels"               train "${M[@]}" --data idx:idx_counts
expect 1 "idx_label9/train-labels.*labels range over \[0, 9\].*3 classes" train "${M[@]}" --data idx:idx_label9
expect 1 "idx_label200/train-labels.*label 200 .*not a class index"   train "${M[@]}" --data idx:idx_label200
expect 1 "idx:idx_empty: the training set holds no examples"          train "${M[@]}" --data idx:idx_empty
expect 1 "idx:idx_features: idx_features/train-images-idx3-ubyte: examples have 1 features \(shape \[1\]\) but the model takes 4 \(shape \[4\]\)" train "${M[@]}" --data idx:idx_features
# The test split is checked at start-up too, before any training (nothing on stdout).
expect 1 "idx:idx_test_shape: idx_test_shape/t10k-images-idx3-ubyte: examples have 9 features \(shape \[9\]\) but the model takes 4" train "${M[@]}" --data idx:idx_test_shape --checkpoint-dir test_shape_ck
[ -s "$OUT" ] && fail "idx_test_shape: training started before the test set was checked: $(head -c 300 "$OUT")"
expect 1 "empty_dir has no train-"                                    train "${M[@]}" --data idx:empty_dir
# Config files.
expect 2 "unknown_key.toml:2: unknown key 'bogus-key'"                train "${S[@]}" --config unknown_key.toml
expect 2 "bad_value.toml:1: --epochs: 'two' is not a whole number"    train "${S[@]}" --config bad_value.toml
expect 2 "bad_switch.toml:1: quiet takes true or false"               train "${S[@]}" --config bad_switch.toml
expect 2 "negative.toml:1: --batch-size: -3 is out of range"          train "${S[@]}" --config negative.toml
expect 2 "huge.toml:1: --batch-size: 99999999999999999999999 is out of range" train "${S[@]}" --config huge.toml
expect 2 "real_for_int.toml:1: --threads: '1.5' is not a whole number" train "${S[@]}" --config real_for_int.toml
expect 2 "text_for_real.toml:1: --lr: 'fast' is not a number"         train "${S[@]}" --config text_for_real.toml
expect 2 "table.toml:1: tables are not used"                          train "${S[@]}" --config table.toml
expect 2 "no_equals.toml:1: expected key = value"                     train "${S[@]}" --config no_equals.toml
expect 2 "nested.toml:1: unknown key 'config'"                        train "${S[@]}" --config nested.toml
expect 2 "binary.toml:1: expected key = value"                        train "${S[@]}" --config binary.toml
expect 2 "dup_key.toml:3: key 'epochs' is set twice \(lines 1 and 3\)" train "${S[@]}" --config dup_key.toml
expect 2 "dup_spelling.toml:2: key 'batch-size' is set twice"         train "${S[@]}" --config dup_spelling.toml
expect 2 "bom.toml:2: unknown key 'bogus'"                            train "${S[@]}" --config bom.toml
expect 2 "--config 'missing.toml': cannot open: No such file"         train "${S[@]}" --config missing.toml
expect 2 "--config 'empty_dir': is a directory, not a regular file"   train "${S[@]}" --config empty_dir
expect 2 "--config 'fifo.toml': is a named pipe \(FIFO\), not a regular file" train "${S[@]}" --config fifo.toml
# Checkpoints and weights.
expect 1 "is of model 'mlp:4,8,3', not 'mlp:4,16,3'"                  train --model mlp:4,16,3 --data synthetic:50 --quiet --resume "$C"
expect 1 "holds no checkpoint"                                        train "${S[@]}" --resume empty_dir
expect 1 "missing.agc"                                                train "${S[@]}" --resume missing.agc
expect 1 "two_bytes.safetensors"                                      train "${S[@]}" --init-weights two_bytes.safetensors
# Named pipes given or found as checkpoints, weights or data: refused at once.
FIFO="is a named pipe \(FIFO\), not a regular file"
expect 1 "'fifo.agc': $FIFO"                                          train "${S[@]}" --resume fifo.agc
expect 1 "'fifo.safetensors': $FIFO"                                  train "${S[@]}" --init-weights fifo.safetensors
expect 1 "fifo_dir.*no valid checkpoint \(ckpt-000009.agc: $FIFO\)"   train "${S[@]}" --resume auto --checkpoint-dir fifo_dir
expect 1 "'fifo.csv': $FIFO"                                          train "${M[@]}" --data csv:fifo.csv
expect 1 "idx_fifo/train-images-idx3-ubyte': $FIFO"                   train "${M[@]}" --data idx:idx_fifo
expect 1 "'fifo.agc': $FIFO"                                          inspect fifo.agc
expect 1 "fifo_dir.*no valid checkpoint \(ckpt-000009.agc: $FIFO\)"   inspect fifo_dir
expect 2 "'fifo.agc': $FIFO"                                          diff "$C" fifo.agc
expect 1 "'fifo.agc': $FIFO"                                          export fifo.agc --format npz -o x.npz
# Weights of another model: PyTorch's load_state_dict message, one line per problem.
expect --lines 4 1 "size mismatch for 0.weight"                       train "${S[@]}" --init-weights other
# An unwritable --checkpoint-dir fails at start-up, before any training output.
expect 1 "/proc/x"                                                    train "${LOUD[@]}" --checkpoint-dir /proc/x
[ -s "$OUT" ] && fail "--checkpoint-dir /proc/x: the run started before failing: $(head -c 300 "$OUT")"
expect 1 "a_file/sub.*not a directory"                                train "${LOUD[@]}" --checkpoint-dir a_file/sub
[ -s "$OUT" ] && fail "--checkpoint-dir a_file/sub: the run started before failing: $(head -c 300 "$OUT")"
# Safetensors files whose header lies.
if [ -n "$PY" ]; then
  W=(train "${S[@]}" --init-weights)
  expect 1 "lie_length.safetensors.*header length.*past the end"      "${W[@]}" lie_length.safetensors
  expect 1 "lie_offsets.safetensors.*0.bias.*data_offsets"            "${W[@]}" lie_offsets.safetensors
  expect 1 "lie_offsets_reversed.*0.bias.*data_offsets \[32, 0\]"     "${W[@]}" lie_offsets_reversed.safetensors
  expect 1 "lie_offsets_negative.*0.bias.*data_offsets must be non-negative" "${W[@]}" lie_offsets_negative.safetensors
  expect 1 "lie_offsets_other.*0.bias.*does not match data_offsets"   "${W[@]}" lie_offsets_other.safetensors
  expect 1 "lie_shape.safetensors.*0.bias.*shape"                     "${W[@]}" lie_shape.safetensors
  expect 1 "lie_shape_negative.*0.bias.*shape entries must be non-negative" "${W[@]}" lie_shape_negative.safetensors
  expect 1 "lie_shape_huge.*0.bias.*more elements than int64"         "${W[@]}" lie_shape_huge.safetensors
  expect 1 "lie_dtype.safetensors.*0.bias.*of F64 does not match"     "${W[@]}" lie_dtype.safetensors
  expect 1 "lie_dtype_unknown.*0.bias.*dtype 'Q7'"                    "${W[@]}" lie_dtype_unknown.safetensors
  expect 1 "lie_dtype_missing.*0.bias.*\"dtype\""                     "${W[@]}" lie_dtype_missing.safetensors
  expect 1 "lie_not_json.*invalid JSON at byte 1"                     "${W[@]}" lie_not_json.safetensors
  expect 1 "lie_not_object.*not a JSON object"                        "${W[@]}" lie_not_object.safetensors
  expect 1 "lie_deep.*nested more than 64 levels"                     "${W[@]}" lie_deep.safetensors
else
  echo "no Python: the lying safetensors rows are skipped"
fi
# inspect, diff, export.
expect 1 "truncated.agc.*truncated"                                   inspect truncated.agc
expect 1 "stub.agc.*shorter than the 64-byte checkpoint header"       inspect stub.agc
expect 1 "missing.agc.*No such file"                                  inspect missing.agc
expect 1 "holds no checkpoint"                                        inspect empty_dir
expect 2 "usage: allgrad inspect"                                     inspect
expect 2 "unknown option --bogus"                                     inspect "$C" --bogus
expect 2 "usage: allgrad diff A B"                                    diff "$C"
expect 2 "usage: allgrad diff A B"                                    diff
expect 2 "--atol: '-1'"                                               diff "$C" "$C" --atol -1
# diff answers "different" with 1, so a file it cannot read must not look like that.
expect 2 "missing.agc"                                                diff "$C" missing.agc
expect 2 "unknown format 'onnx'"                                      export "$C" --format onnx -o x.onnx
expect 2 "usage: allgrad export"                                      export "$C" --format npz
expect 1 "no section 'nope'"                                          export "$C" --format npz -o x.npz --section nope
expect 1 "/proc/x/y.npz"                                              export "$C" --format npz -o /proc/x/y.npz
# An export onto its own input, by any name, is refused before the checkpoint is touched.
ln "$C" hard_link.agc
expect 2 "-o $C: is the checkpoint being exported"                 export "$C" --format npz -o "$C"
expect 2 "-o hard_link.agc: is the checkpoint being exported \($C\)" export ck --format safetensors -o hard_link.agc
"$AG" inspect --verify "$C" >/dev/null 2>&1 || fail "export onto its own input damaged $C"

echo "$ROWS rows"
finish
