#!/usr/bin/env bash
# usage: readme-tour.sh REPO BUILD_DIR PYTHON WORK_DIR
# Runs every code block of the README's "A tour" section, in order, in a
# scratch copy of the repository layout (build/, .venv/ and samples/ are
# links; HOME is private, so `cmake --install` and the kiln cache stay in
# WORK_DIR). A ```cmake block is written to the file its first line names.
set -euo pipefail
repo=$1 build=$2 python=$3 work=$4
rm -rf "$work" && mkdir -p "$work/home" "$work/test/tools"
cd "$work"
ln -s "$build" build
ln -s "$(dirname "$(dirname "$python")")" .venv
ln -s "$repo/samples" samples
ln -s "$repo/test/tools/consumer" test/tools/consumer
export HOME=$work/home

awk '
  /^## / { inTour = ($0 == "## A tour") }
  !inTour { next }
  /^```sh$/ { inBlock = "sh"; next }
  /^```cmake$/ { inBlock = "cmake"; first = 1; next }
  /^```$/ {
    if (inBlock == "cmake") print "KILN_README_EOF"
    inBlock = ""; next
  }
  inBlock == "sh" { print }
  inBlock == "cmake" {
    if (first) {
      file = $2   # "# app/CMakeLists.txt"
      print "cat > " file " <<'"'"'KILN_README_EOF'"'"'"
      first = 0
    }
    print
  }
' "$repo/README.md" > tour.sh
grep -q "kiln bench" tour.sh && grep -q "find_package(kiln" tour.sh ||
  { echo "the README tour was not found"; exit 1; }
echo "== running the README tour:"; cat tour.sh
bash -euo pipefail tour.sh > tour.log 2>&1 || { cat tour.log; echo "FAIL: the tour failed"; exit 1; }
cat tour.log

fail() { echo "FAIL: $*"; exit 1; }
for f in toy_resnet.svg out/toy_resnet result/predictions.npy profile.png predictions.npy \
         home/.local/bin/kiln home/.local/lib/cmake/kiln/kilnConfig.cmake; do
  [ -e "$f" ] || fail "the tour did not make $f"
done
grep -q "Total params" tour.log || fail "kiln summary"
grep -q "FLOPs per predict" tour.log || fail "kiln compile --stats"
grep -Eq "^latency +[0-9.]+ ms per batch" tour.log || fail "kiln bench"
grep -Eq "conv2d(_[0-9]+)? \(Conv2D\)$" tour.log || fail "kiln bench --profile table"
grep -Eq "^all [0-9]+ compared layers within tolerance" tour.log || fail "kiln diff"
# The CMake-built program agrees with the kiln-built executable.
cmp <(od -An -tx1 -j128 predictions.npy) <(od -An -tx1 -j128 result/predictions.npy) ||
  fail "app/build/classify and out/toy_resnet differ"
echo "README tour: OK"
