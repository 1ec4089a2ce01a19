# Helpers the comparison scripts share; sourced, not run.

# require_gpt_binary SCRIPT BINARY: the allgrad binary exists and knows --model gpt:...,
# or SCRIPT says which is missing and the caller exits 1.
require_gpt_binary() {
  if [ ! -x "$2" ]; then
    echo "$1: no allgrad binary at $2 (build it: cmake --build build --target allgrad; or pass --allgrad PATH or set ALLGRAD)" >&2
    return 1
  fi
  local help
  help="$("$2" train --help 2>&1 || true)"
  if [[ "$help" != *gpt* ]]; then
    echo "$1: $2 has no GPT model (allgrad train --help does not mention --model gpt:...)" >&2
    return 1
  fi
}

# find_lib NAME: the path of a shared library ldconfig knows, or nothing.
find_lib() { /sbin/ldconfig -p | awk -v n="$1" '$1 == n && !p { p = $NF } END { print p }'; }

# torch_preload: the allocator PyTorch's CPU performance guide recommends preloading,
# tcmalloc, else jemalloc, when installed; nothing otherwise (glibc's malloc).
torch_preload() {
  local lib
  lib="$(find_lib libtcmalloc_minimal.so.4)"
  [ -n "$lib" ] || lib="$(find_lib libjemalloc.so.2)"
  echo "$lib"
}
