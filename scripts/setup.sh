#!/usr/bin/env bash
# Installs what kiln needs on Debian 12 and builds it:
#   - apt packages (LLVM/MLIR 22, CMake, Ninja, fmt, GoogleTest, libzip, HDF5,
#     the aarch64 cross compiler and qemu-user for the aarch64 tests, ...)
#   - .venv: Python with Keras 3 + JAX, the test oracle (pinned in test/requirements.txt)
#   - build/: kiln configured with CMake and built with Ninja
# Safe to re-run: it installs only what is missing and rebuilds incrementally.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

packages=(
  cmake ninja-build g++ pkg-config make git
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  libfmt-dev libgtest-dev libbenchmark-dev libzip-dev libhdf5-dev zlib1g-dev libzstd-dev
  python3 python3-venv graphviz
  g++-aarch64-linux-gnu qemu-user
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "kiln setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The venv is rebuilt when the pinned requirements change.
stamp=.venv/.requirements
if [ ! -x .venv/bin/python ] || ! cmp -s test/requirements.txt "$stamp"; then
  echo "kiln setup: creating .venv (Keras 3 + JAX)"
  rm -rf .venv
  /usr/bin/python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r test/requirements.txt
  cp test/requirements.txt "$stamp"
fi

if [ ! -f build/build.ninja ]; then
  cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build -j2
