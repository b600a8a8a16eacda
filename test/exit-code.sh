#!/usr/bin/env bash
# usage: exit-code.sh N COMMAND... — succeeds iff COMMAND exits with status N.
want=$1; shift
"$@"
got=$?
if [ "$got" -ne "$want" ]; then
  echo "exit-code.sh: expected exit status $want, got $got: $*" >&2
  exit 1
fi
