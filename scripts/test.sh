#!/usr/bin/env bash
# Sets up and builds kiln, then runs the default test suite: lit, GoogleTest
# and the end-to-end tests against real Keras. Ends with ctest's summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
cmake build >/dev/null # pick up new tests
cd build
# The generated-code sanitizer group (label "sanitize") runs in
# scripts/test-sanitizers.sh: it would double the default run.
ctest -j2 --output-on-failure -LE sanitize "$@"
