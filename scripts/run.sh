#!/usr/bin/env bash
# Installs what is missing, builds, and runs the default training: the MLP
# 784-256-128-10 on Fashion-MNIST, data-parallel over this machine's cores.
# Extra arguments go to `allgrad train` (see build/tools/allgrad train --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target allgrad
# Open MPI refuses root without these two; --oversubscribe allows one rank per core on any machine.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
exec mpirun --oversubscribe -np "$(nproc)" build/tools/allgrad train "$@"
