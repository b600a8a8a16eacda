#!/usr/bin/env bash
# usage: run_case.sh KILN NPY_COMPARE CASE_DIR WORK_DIR [MODEL_FILE [TOLERANCE [max]]]
# (`max`: the tolerance is relative to each output's largest magnitude)
# Compiles a case's model (default model.keras; model.h5 for the legacy
# format) with kiln into an executable, runs it on the case's inputs and
# compares every output with Keras's prediction.
#   KILN_E2E_TARGET=TRIPLE  cross-compile (--target) and run under qemu-user
#   KILN_E2E_THREADS=N      compile with --threads N, and also with one thread:
#                           the outputs must be the same bytes
#   KILN_TEST_CXX_FLAGS=F   build the generated code with these C++ flags
#                           (the sanitizer group)
#   KILN_TEST_COMPILER=K    use the kiln K instead of KILN (the sanitizer
#                           group's ASan-built kiln)
set -euo pipefail
kiln=${KILN_TEST_COMPILER:-$1} compare=$2 case_dir=$3 work=$4 model=${5:-model.keras} tolerance=${6:-1e-5} scale=${7:-}
rm -rf "$work" && mkdir -p "$work"
read -r -a args < "$case_dir/args.txt" || true
runner=()
if [ -n "${KILN_E2E_TARGET:-}" ]; then
  args+=(--target="$KILN_E2E_TARGET")
  runner=(qemu-"${KILN_E2E_TARGET%%-*}" -L /usr/"$KILN_E2E_TARGET")
fi
if [ -n "${KILN_E2E_THREADS:-}" ]; then
  args+=(--threads "$KILN_E2E_THREADS")
fi
if [ -n "${KILN_TEST_CXX_FLAGS:-}" ]; then
  args+=(--cxx-flags "$KILN_TEST_CXX_FLAGS")
fi
"$kiln" compile "$case_dir/$model" -o "$work/build" --emit=exe --name model "${args[@]}"
inputs=()
for f in "$case_dir"/inputs/*.npy; do
  inputs+=(--input "$(basename "$f" .npy)=$f")
done
"${runner[@]}" "$work/build/model" "${inputs[@]}" --output-dir "$work/result"
status=0
if [ -n "${KILN_E2E_THREADS:-}" ]; then
  "$kiln" compile "$case_dir/$model" -o "$work/build1" --emit=exe --name model "${args[@]}" --threads 1
  "$work/build1/model" "${inputs[@]}" --output-dir "$work/result1"
  for f in "$work"/result1/*.npy; do
    cmp "$f" "$work/result/$(basename "$f")" || { echo "differs from one thread: $f"; status=1; }
  done
fi
for f in "$case_dir"/expected/*.npy; do
  "$compare" "$f" "$work/result/$(basename "$f")" "$tolerance" $scale || status=1
done
# kiln summary reports Keras's parameter counts.
"$kiln" summary --json "$case_dir/$model" > "$work/summary.json"
python3 "$(dirname "$0")/compare_summary.py" "$case_dir/summary.json" "$work/summary.json" || status=1
exit $status
