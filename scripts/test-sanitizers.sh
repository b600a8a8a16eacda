#!/usr/bin/env bash
# The sanitizer configuration: kiln built with clang under AddressSanitizer
# and UndefinedBehaviorSanitizer (build-fuzz/, -DKILN_FUZZ=ON) runs the lit
# tests, the unit tests and the hostile corpus, then the archive and config
# fuzzers for $KILN_FUZZ_SECONDS (default 20) each. Then the e2e and
# training cases labelled "sanitize" (they live in scripts/test.sh's build/,
# which has the Keras venv and the models): the ASan-built kiln compiles each
# (scripts/kiln-sanitized.sh) and the generated code is built under ASan+UBSan
# too. Called by .ci/run after
# the default suite; scripts/fuzz.sh runs every fuzzer, fuzz_import too, for
# as long as asked.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh > /dev/null
if ! command -v clang++ > /dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "kiln sanitizers: installing clang"
  $sudo apt-get install -y -qq --no-install-recommends clang > /dev/null
fi
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DKILN_FUZZ=ON \
  -DKILN_PYTHON=/nonexistent > /dev/null
ninja -C build-fuzz -j2 kiln kiln-opt kiln-unit-tests npy_compare \
  fuzz_archive fuzz_config fuzz_import
cd build-fuzz
# A compiler process may keep what it allocated until exit (LLVM's option
# registry does); leaks are checked per input by the fuzzers instead.
# KILN_SANITIZED lifts the corpus test's address-space cap, which ASan's
# shadow memory cannot live under.
# allow_user_poisoning=0: LLVM's BumpPtrAllocator, inlined into kiln's
# ASan-built code, poisons the unused end of its slabs, and the
# uninstrumented libMLIR then allocates from that slab: a false
# use-after-poison whenever a kiln attribute opens a slab.
export ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0 KILN_SANITIZED=1
export KILN_FUZZ_SECONDS=${KILN_FUZZ_SECONDS:-20}
ctest -j2 --output-on-failure -L "lit|unit|hostile|fuzz" -LE hdf5
cd "$root/build"
unset ASAN_OPTIONS KILN_SANITIZED # the generated code runs with ASan's defaults
KILN_TEST_COMPILER="$root/scripts/kiln-sanitized.sh" ctest -j2 --output-on-failure -L sanitize
