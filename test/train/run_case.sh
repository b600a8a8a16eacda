#!/usr/bin/env bash
# One training case: kiln compiles the saved model with --train, its
# NAME_train runs the same batches Keras saw, compare.py checks the result.
# usage: run_case.sh KILN PYTHON CASE_DIR WORK_DIR
#   KILN_TEST_CXX_FLAGS=F   build the generated code with these C++ flags
#                           (the sanitizer group)
#   KILN_TEST_COMPILER=K    use the kiln K instead of KILN (the sanitizer
#                           group's ASan-built kiln)
set -euo pipefail
kiln=${KILN_TEST_COMPILER:-$1} python=$2 case=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
cd "$work"
# A decoy of the generated weights' name in the working folder: the build
# must assemble the model's own file, not whatever the folder holds.
head -c 8192 /dev/urandom > model.weights.bin
read -r -a args < "$case/args.txt"
if [ -n "${KILN_TEST_CXX_FLAGS:-}" ]; then
  args+=(--cxx-flags "$KILN_TEST_CXX_FLAGS")
fi
"$kiln" compile "$case/model.keras" --train "${args[@]}" --name model -o "$work/build" --emit=exe
read -r -a train_args < "$case/train_args.txt" || true
# Folders of the case (a validation folder) are written as @CASE@/...
train_args=("${train_args[@]//@CASE@/$case}")
"$work/build/model_train" --data "$case/data" --out "$work/out" "${train_args[@]}"
"$python" "$(dirname "$0")/compare.py" "$case" "$work/out"
