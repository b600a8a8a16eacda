#!/usr/bin/env bash
# usage: generated-code.sh KILN CASES_DIR WORK_DIR
# What generated code guarantees, on a few e2e models:
#   - the model and its command-line main compile with -Wall -Wextra -Werror
#     under g++ and clang++, for AVX-512, AVX2 and the baseline ISA (and for
#     aarch64 with the cross g++ when installed), the model with
#     -fno-exceptions -fno-rtti;
#   - noalloc_main.cpp: no heap allocation in predict, deterministic,
#     reentrant with caller arenas (with one and with two threads).
set -euo pipefail
kiln=$1 cases=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
status=0
strict=(-std=c++17 -O2 -Wall -Wextra -Werror)
for case in vision_toy_resnet sequence_ticket_router sequence_transformer_classifier vision_small_unet; do
  read -r -a args < "$cases/$case/args.txt" || true
  dir=$work/$case
  "$kiln" compile "$cases/$case/model.keras" -o "$dir" --name model "${args[@]}" > /dev/null
  builds=("g++ -march=native" "g++ -mavx2 -mfma" "g++" "clang++ -march=native" "clang++ -mavx2 -mfma" "clang++")
  command -v aarch64-linux-gnu-g++ > /dev/null && builds+=("aarch64-linux-gnu-g++")
  for build in "${builds[@]}"; do
    read -r -a cxx <<< "$build"
    if ! "${cxx[@]}" "${strict[@]}" -fno-exceptions -fno-rtti "-Wa,-I$dir" -I "$dir" \
         -c "$dir/model.cpp" -o "$dir/model.o" 2> "$dir/warnings.txt" ||
       ! "${cxx[@]}" "${strict[@]}" -I "$dir" -c "$dir/model_main.cpp" -o "$dir/main.o" \
         2>> "$dir/warnings.txt"; then
      echo "FAIL: $case with $build -Wall -Wextra -Werror:"; head -20 "$dir/warnings.txt"
      status=1
    fi
  done
  for threads in 1 2; do
    out=$dir/threads$threads
    "$kiln" compile "$cases/$case/model.keras" -o "$out" --name model --batch 2 \
      --threads "$threads" --emit=obj "${args[@]}" > /dev/null
    g++ "${strict[@]}" -pthread -I "$out" "$here/noalloc_main.cpp" "$out/model.o" -o "$out/check"
    echo "== $case, --threads $threads"
    "$out/check" || status=1
  done
done
[ $status -eq 0 ] && echo "generated code: warning-free, allocation-free, deterministic, reentrant"
exit $status
