#!/usr/bin/env bash
# usage: run_corpus.sh KILN HOSTILE_DIR WORK_DIR
# Every file in HOSTILE_DIR/corpus must be refused by `kiln compile` with
# exit code 1, exactly the one-line message expected.txt gives for it, no
# output folder, within 30 s and 4 GiB of address space; `kiln summary`
# must refuse it too (exit 1, one line). expected.txt: FILE<TAB>MESSAGE,
# the message without its "kiln: error: PATH: " prefix. Files named fuzz_*
# are inputs the fuzzers (test/fuzz) found, kept as found.
set -uo pipefail
kiln=$1 dir=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
status=0
listed=$(cut -f1 "$dir/expected.txt" | sort)
present=$(cd "$dir/corpus" && ls | sort)
if [ "$listed" != "$present" ]; then
  echo "FAIL: expected.txt and corpus/ list different files:"
  diff <(echo "$listed") <(echo "$present")
  status=1
fi
# import-seconds: a file that sends libhdf5 into a loop is cut off in time.
# Under ASan (KILN_SANITIZED) kiln runs several times slower, so it gets more
# time, and no address-space cap: the shadow memory reserves terabytes.
vm=4194304 seconds=15
if [ -n "${KILN_SANITIZED:-}" ]; then vm=unlimited seconds=60; fi
run() { (ulimit -v "$vm"; timeout $((2 * seconds)) "$kiln" "$@" --limit import-seconds=$seconds); }
count=0
while IFS=$'\t' read -r name message; do
  file=$dir/corpus/$name
  out=$work/$name.out
  run compile "$file" -o "$out" --emit=cpp > /dev/null 2> "$work/err"
  rc=$?
  # expected.txt states the watchdog message for import-seconds=10.
  message=${message//more than 10 s/more than $seconds s}
  message=${message//import-seconds=10 /import-seconds=$seconds }
  want="kiln: error: $file: $message"
  got=$(cat "$work/err")
  if [ $rc -ne 1 ] || [ "$got" != "$want" ] || [ -e "$out" ]; then
    echo "FAIL: $name: compile exit $rc (want 1), output folder $([ -e "$out" ] && echo written || echo absent)"
    echo "  want: $want"
    echo "  got:  $got"
    status=1
  fi
  run summary "$file" > /dev/null 2> "$work/err"
  rc=$?
  if [ $rc -ne 1 ] || [ "$(wc -l < "$work/err")" -ne 1 ]; then
    echo "FAIL: $name: summary exit $rc (want 1) with $(wc -l < "$work/err") stderr lines"
    head -3 "$work/err"
    status=1
  fi
  count=$((count + 1))
done < "$dir/expected.txt"
echo "hostile corpus: $count files checked"
exit $status
