#!/usr/bin/env bash
# usage: bench.sh KILN CASES_DIR WORK_DIR
# kiln bench on the toy ResNet (with --profile) and the ticket router: the
# report's lines, the per-layer table, the chart, and FLOPs that agree with
# kiln compile --stats.
set -euo pipefail
kiln=$1 cases=$2 work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

toy=$cases/vision_toy_resnet/model.keras
"$kiln" bench "$toy" --profile --min-time 0.05 --chart toy.png > toy.txt
cat toy.txt
grep -Eq '^model model: batch 1, 1 thread, [0-9.e+]+ MFLOP per batch, kernels for ' toy.txt || fail "header"
grep -Eq '^latency +[0-9.]+ ms per batch \(median of 5 repetitions\)$' toy.txt || fail "latency"
grep -Eq '^throughput +[0-9.]+ samples/s$' toy.txt || fail "throughput"
grep -Eq '^compute +[0-9.]+ GFLOP/s = [0-9.]+ % of the measured peak \([0-9.]+ GFLOP/s, one core\)$' toy.txt ||
  fail "compute"
grep -Eq '^ +ms +share +FLOPs +GFLOP/s +layer$' toy.txt || fail "profile table header"
[ "$(grep -Ec '^ +[0-9.]+ +[0-9.]+% +[0-9]+ +[0-9.]+  conv2d_[0-9]+ \(Conv2D\)' toy.txt)" -ge 5 ] ||
  fail "a row per Conv2D"
grep -Eq 'global_average_pooling2d_[0-9]+ \(GlobalAveragePooling2D\)$' toy.txt || fail "pooling row"
# The profiled ops' FLOPs add up to the model's, as --stats counts them.
stats=$("$kiln" compile "$toy" --emit=kiln-opt --stats | sed -n 's/^FLOPs per predict: //p')
total=$(sed -n 's/^ *[0-9.]* *100.0% *\([0-9]*\) *total of the profiled ops$/\1/p' toy.txt)
[ -n "$stats" ] && [ "$stats" = "$total" ] || fail "profile FLOPs $total vs --stats $stats"
grep -q '^chart: toy.png$' toy.txt || fail "chart line"
[ "$(head -c 4 toy.png | od -An -c | tr -d ' ')" = "211PNG" ] || fail "toy.png is not a PNG"

router=$cases/sequence_ticket_router/model.keras
"$kiln" bench "$router" --batch 4 --threads 2 --min-time 0.05 \
  --input-shape title=10 --input-shape body=24 > router.txt
cat router.txt
grep -Eq '^model model: batch 4, 2 threads, ' router.txt || fail "router header"
grep -Eq 'single-core peak x threads\)$' router.txt || fail "router compute"
if grep -q "per layer" router.txt; then fail "profile table without --profile"; fi

# Errors: one line, exit 1.
if "$kiln" bench missing.keras 2> err.txt; then fail "missing model accepted"; fi
grep -q "^kiln: error: .*missing.keras" err.txt || fail "missing model message"
if "$kiln" bench "$toy" --chart x.png 2> err.txt; then fail "--chart without --profile"; fi
grep -q "^kiln: error: --chart needs --profile" err.txt || fail "--chart message"
echo "kiln bench: OK"
