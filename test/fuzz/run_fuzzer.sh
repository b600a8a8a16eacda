#!/usr/bin/env bash
# usage: run_fuzzer.sh FUZZER TEST_DIR WORK_DIR
# Runs a libFuzzer target for $KILN_FUZZ_SECONDS (default 30) seeded with
# the importer's fixtures and the hostile corpus; fails on any crash, leak,
# sanitizer report or timeout, leaving the input in WORK_DIR/crash-*.
# A crash found becomes a file in test/hostile/corpus with its expected error.
set -euo pipefail
fuzzer=$1 tests=$2 work=$3
rm -rf "$work" && mkdir -p "$work/new" "$work/seeds"
name=$(basename "$fuzzer")
if [ "$name" = fuzz_config ]; then
  # The config parser starts from the configs inside the seed archives.
  python3 - "$work/seeds" "$tests"/Import/fixtures/*.keras "$tests"/hostile/corpus/*.keras <<'PY'
import sys, zipfile
out = sys.argv[1]
for i, path in enumerate(sys.argv[2:]):
    try:
        with zipfile.ZipFile(path) as z:
            data = z.read("config.json")
    except Exception:
        continue
    if len(data) < 1 << 20:
        open(f"{out}/{i}.json", "wb").write(data)
PY
else
  cp "$tests"/Import/fixtures/*.keras "$tests"/Import/fixtures/*.h5 "$work/seeds/"
  # Not the fuzz_* finds: they hang libhdf5, which the kiln tool's
  # import-seconds watchdog handles and a fuzzer cannot.
  find "$tests/hostile/corpus" -size -1M -type f ! -name 'fuzz_*' -exec cp {} "$work/seeds/" \;
fi
seconds=${KILN_FUZZ_SECONDS:-30}
export LSAN_OPTIONS=suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp
# libhdf5 asks malloc for absurd sizes when a file lies about them and
# handles the null it gets back, as glibc's malloc returns one: let ASan do
# the same instead of stopping, and let libFuzzer count only memory in use.
# allow_user_poisoning=0: see scripts/test-sanitizers.sh (LLVM's allocator
# poisons slabs that the uninstrumented libMLIR also allocates from).
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1:allow_user_poisoning=0
"$fuzzer" "$work/new" "$work/seeds" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
  -malloc_limit_mb=1048576 \
  -max_len=1048576 -artifact_prefix="$work/" -print_final_stats=1 2> "$work/log.txt" || {
  tail -60 "$work/log.txt"; echo "FAIL: $name found a problem; the input is in $work/"; exit 1; }
grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$work/log.txt"
echo "$name: no crash in ${seconds} s"
