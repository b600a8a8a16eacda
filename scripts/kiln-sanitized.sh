#!/usr/bin/env bash
# kiln as scripts/test-sanitizers.sh builds it (clang, ASan+UBSan, in
# build-fuzz/), with the ASan options that build needs (see there). The
# sanitize test group runs its cases through this, so the compiler that
# imports, lowers and emits each model is checked along with its output.
root=$(cd "$(dirname "$0")/.." && pwd)
ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0 \
  exec "$root/build-fuzz/compiler/tools/kiln/kiln" "$@"
