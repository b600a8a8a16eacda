#!/usr/bin/env bash
# usage: build.sh KILN OUT_DIR [OPT]   (after python model.py OUT_DIR; OPT: -O3 or -Os)
# Cross-compiles the model with kiln for aarch64 (NEON kernels, no static
# arena), links it into a static executable with main.cpp and prints what
# `size` reports: code (.text), weights (.rodata) and RAM (.bss, the arena).
set -euo pipefail
kiln=$1 out=$2 opt=${3:--O3}
here=$(cd "$(dirname "$0")" && pwd)
cross=aarch64-linux-gnu
"$kiln" compile "$out/kws.keras" -o "$out/gen" --name kws --emit=obj \
  --target=$cross --arena=caller --cxx-flags="$opt -mcpu=cortex-a53"
$cross-g++ -std=c++17 $opt -mcpu=cortex-a53 -fno-exceptions -fno-rtti -static \
  -I "$out/gen" -I "$out" "$here/main.cpp" "$out/gen/kws.o" -o "$out/kws" -lm

echo "== $cross-size -A $out/gen/kws.o (the model alone), by kind of section"
$cross-size -A "$out/gen/kws.o" | awk '
  $1 ~ /^\.text/ { code += $2 }
  $1 ~ /^\.rodata/ || $1 ~ /^\.data\.rel\.ro/ { flash += $2 }
  $1 ~ /^\.data/ && $1 !~ /^\.data\.rel\.ro/ { ram += $2 }
  $1 ~ /^\.bss/ { ram += $2 }
  END {
    printf "code   (.text*)            %8d bytes\n", code
    printf "const  (.rodata*, weights) %8d bytes\n", flash
    printf "static (.data*, .bss*)     %8d bytes\n", ram
  }'
weights=$(sed -n 's/.*kWeightBytes = \([0-9]*\);/\1/p' "$out/gen/kws.h")
arena=$(sed -n 's/.*kArenaBytes = \([0-9]*\);/\1/p' "$out/gen/kws.h")
echo "weights (kWeightBytes)      $(printf %8d "$weights") bytes, in .rodata"
echo "arena   (kArenaBytes)       $(printf %8d "$arena") bytes, main.cpp's g_arena in .bss"
echo "== $cross-size $out/kws (the whole static program, C library included)"
$cross-size "$out/kws"
