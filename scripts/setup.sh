#!/usr/bin/env bash
# Installs the Debian packages allgrad needs. Idempotent: when everything is
# present it only checks, quietly, without touching apt's lists.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libopenblas-dev
  libopenmpi-dev openmpi-bin
  libboost-serialization-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev
  dataset-fashion-mnist
  fortunes  # /usr/share/games/fortunes: text for the GPT example and --data fortunes
  clang-14 libclang-rt-14-dev
  iproute2 python3
  chromium  # headless, renders `allgrad report` pages in tests (cli.report_render)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}"
fi
