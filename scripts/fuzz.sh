#!/usr/bin/env bash
# Builds kiln with clang under AddressSanitizer + UndefinedBehaviorSanitizer
# into build-fuzz/ (-DKILN_FUZZ=ON) and runs the libFuzzer targets of
# test/fuzz, each for $KILN_FUZZ_SECONDS (default 30):
#   bash scripts/fuzz.sh                          # the short run
#   KILN_FUZZ_SECONDS=3600 bash scripts/fuzz.sh   # an hour per target
# A crash, leak, sanitizer report or timeout fails its test and leaves the
# input in build-fuzz/test/fuzz/work/<target>/; add it to test/hostile.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
if ! command -v clang++ > /dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y -qq --no-install-recommends clang > /dev/null
fi
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DKILN_FUZZ=ON \
  -DKILN_PYTHON=/nonexistent > /dev/null
ninja -C build-fuzz -j2 fuzz_archive fuzz_config fuzz_import
cd build-fuzz
ctest -L fuzz --output-on-failure
