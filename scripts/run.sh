#!/usr/bin/env bash
# Installs what is missing, builds, and runs the default training.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2
if [ ! -x build/tools/allgrad ]; then
  echo "run.sh: the allgrad command-line tool is not built yet (not yet: see the CLI issue); the library and tests are."
  exit 0
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
exec mpirun --oversubscribe -np "$(nproc)" build/tools/allgrad train "$@"
