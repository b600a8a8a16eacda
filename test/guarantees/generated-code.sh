#!/usr/bin/env bash
# usage: generated-code.sh predict KILN E2E_CASES_DIR WORK_DIR
#        generated-code.sh train KILN TRAIN_CASES_DIR WORK_DIR
# What generated code guarantees (two parts, so ctest runs them side by side):
#   predict, on a few e2e models:
#   - the model, its command-line main and the harness compile with -Wall -Wextra -Werror
#     under g++ and clang++, for AVX-512, AVX2 and the baseline ISA (and for
#     aarch64 with the cross g++ when installed), the model with
#     -fno-exceptions -fno-rtti;
#   - noalloc_main.cpp: no heap allocation in predict, deterministic,
#     reentrant with caller arenas (with one and with two threads);
#   - a sample's outputs are the same bits whatever the batch around it;
#   train, on test/train's models (kiln compile --train):
#   - they compile the same way, and train_main.cpp: no heap allocation in
#     train_step, the same losses and weights from the same start.
set -euo pipefail
part=$1 kiln=$2 cases=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
status=0
strict=(-std=c++17 -O2 -Wall -Wextra -Werror)
predict_cases=(vision_toy_resnet sequence_ticket_router sequence_transformer_classifier vision_small_unet)
train_cases=(cnn_batchnorm text_attention lstm_sequence)
case $part in
  predict) train_cases=() ;;
  train) predict_cases=() ;;
  *) echo "generated-code.sh: the part is predict or train, not '$part'" >&2; exit 2 ;;
esac
for case in "${predict_cases[@]}"; do
  read -r -a args < "$cases/$case/args.txt" || true
  dir=$work/$case
  "$kiln" compile "$cases/$case/model.keras" -o "$dir" --name model "${args[@]}" > /dev/null
  builds=("g++ -march=native" "g++ -mavx2 -mfma" "g++" "clang++ -march=native" "clang++ -mavx2 -mfma" "clang++")
  command -v aarch64-linux-gnu-g++ > /dev/null && builds+=("aarch64-linux-gnu-g++")
  # The harness is the same file for every model: checked with the first.
  mains=(model_main)
  [ "$case" = "${predict_cases[0]}" ] && mains+=(kiln_harness)
  for build in "${builds[@]}"; do
    read -r -a cxx <<< "$build"
    ok=1
    "${cxx[@]}" "${strict[@]}" -fno-exceptions -fno-rtti "-Wa,-I$dir" -I "$dir" \
      -c "$dir/model.cpp" -o "$dir/model.o" 2> "$dir/warnings.txt" || ok=0
    for source in "${mains[@]}"; do
      "${cxx[@]}" "${strict[@]}" -I "$dir" -c "$dir/$source.cpp" -o "$dir/$source.o" \
        2>> "$dir/warnings.txt" || ok=0
    done
    if [ $ok -eq 0 ]; then
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
  # A sample's outputs do not depend on the batch it is computed in: the
  # case's inputs one at a time (--batch 1) and all at once.
  inputs=()
  for f in "$cases/$case"/inputs/*.npy; do
    inputs+=(--input "$(basename "$f" .npy)=$f")
    samples=$(head -c 128 "$f" | grep -ao "'shape': ([0-9]*" | grep -o "[0-9]*$")
  done
  for batch in 1 "$samples"; do
    out=$dir/batch$batch
    "$kiln" compile "$cases/$case/model.keras" -o "$out" --name model --batch "$batch" \
      --emit=exe "${args[@]}" > /dev/null
    "$out/model" "${inputs[@]}" --output-dir "$out/result" > /dev/null
  done
  if diff -r "$dir/batch1/result" "$dir/batch$samples/result" > /dev/null; then
    echo "== $case: the same bits at --batch 1 and --batch $samples"
  else
    echo "FAIL: $case: outputs at --batch 1 and --batch $samples differ"
    status=1
  fi
done
for case in "${train_cases[@]}"; do
  read -r -a args < "$cases/$case/args.txt" || true
  dir=$work/train_$case
  "$kiln" compile "$cases/$case/model.keras" --train -o "$dir" --name model "${args[@]}" \
    > /dev/null
  sources=(model model_train)
  [ "$case" = "${train_cases[0]}" ] && sources+=(kiln_train_harness) # as kiln_harness above
  for build in "g++ -march=native" "g++" "clang++ -march=native" "clang++"; do
    read -r -a cxx <<< "$build"
    for source in "${sources[@]}"; do
      extra=()
      [ "$source" = model ] && extra=(-fno-exceptions -fno-rtti "-Wa,-I$dir")
      if ! "${cxx[@]}" "${strict[@]}" "${extra[@]}" -I "$dir" -c "$dir/$source.cpp" \
           -o "$dir/$source.o" 2> "$dir/warnings.txt"; then
        echo "FAIL: training $case ($source.cpp) with $build -Wall -Wextra -Werror:"
        head -20 "$dir/warnings.txt"
        status=1
      fi
    done
  done
  g++ -std=c++17 -O2 -march=native -fno-exceptions -fno-rtti "-Wa,-I$dir" -I "$dir" \
    -c "$dir/model.cpp" -o "$dir/model.o"
  g++ "${strict[@]}" -pthread -I "$dir" "$here/train_main.cpp" "$dir/model.o" -o "$dir/check"
  echo "== training $case"
  "$dir/check" || status=1
done
[ $status -eq 0 ] && echo "generated code ($part): warning-free, allocation-free, deterministic, reentrant"
exit $status
