#!/usr/bin/env bash
# usage: diff.sh KILN PYTHON CASES_DIR WORK_DIR
# kiln diff against Keras on the toy ResNet and the ticket router (every
# layer within tolerance, exit 0), then against a reference in which one
# layer was perturbed: kiln diff must name that layer and exit 2.
set -euo pipefail
kiln=$1 python=$2 cases=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
helper=$here/../../compiler/tools/kiln/python/keras_layer_outputs.py
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*"; exit 1; }

toy=$cases/vision_toy_resnet
"$kiln" diff "$toy/model.keras" --python "$python" --input "img=$toy/inputs/img.npy" > toy.txt
cat toy.txt
grep -Eq '^conv2d_[0-9]+ \(Conv2D\) +\(2, 30, 30, 32\) +[0-9.e+-]+ +[0-9.e+-]+  ok$' toy.txt ||
  fail "first conv row"
grep -Eq '^all 1[0-9] compared layers within tolerance 0.0001$' toy.txt || fail "summary"

r=$cases/sequence_ticket_router
KILN_PYTHON=$python "$kiln" diff "$r/model.keras" --input-shape title=10 --input-shape body=24 \
  --input "title=$r/inputs/title.npy" --input "body=$r/inputs/body.npy" \
  --input "tags=$r/inputs/tags.npy" > router.txt
cat router.txt
grep -Eq '^lstm_[0-9]+ \(LSTM\) +\(3, 128\) ' router.txt || fail "LSTM row"
grep -Eq '^all 6 compared layers within tolerance 0.0001$' router.txt || fail "router summary"

# A reference with one layer off by 1e-3: that layer is named.
"$python" - "$helper" "$toy" <<'PY' > perturbed.txt
import os, subprocess, sys
os.environ.setdefault("KERAS_BACKEND", "jax")
import keras, numpy as np
helper, case = sys.argv[1], sys.argv[2]
model = keras.saving.load_model(f"{case}/model.keras", compile=False)
names = [l.name for l in model.layers if l.__class__.__name__ != "InputLayer"]
subprocess.run([sys.executable, helper, f"{case}/model.keras", "ref", "--layers=" + ",".join(names),
                f"--input=img={case}/inputs/img.npy"], check=True)
arrays = {n: np.load(f"ref/{n}.npy") for n in names}
victim = [n for n in names if n.startswith("conv2d")][3]
arrays[victim] = arrays[victim] + np.float32(1e-3)
np.savez("perturbed.npz", **arrays)
print(victim)
PY
victim=$(tail -1 perturbed.txt)
set +e
"$kiln" diff "$toy/model.keras" --reference perturbed.npz --input "img=$toy/inputs/img.npy" > bad.txt
status=$?
set -e
cat bad.txt
[ $status -eq 2 ] || fail "exit status $status for a differing layer, expected 2"
grep -Eq "^$victim \(Conv2D\) .*EXCEEDS$" bad.txt || fail "the perturbed layer is not flagged"
grep -q "^first layer over tolerance 0.0001: $victim (Conv2D)$" bad.txt || fail "first bad layer"
# The same reference as a folder, and a looser tolerance: no difference.
"$kiln" diff "$toy/model.keras" --reference ref --tolerance 1e-3 --input "img=$toy/inputs/img.npy" > loose.txt
grep -q "within tolerance 0.001" loose.txt || fail "folder reference"

# Errors: one line, exit 1.
if "$kiln" diff "$toy/model.keras" --python /nonexistent/python --input "img=$toy/inputs/img.npy" 2> err.txt; then
  fail "a missing Python was accepted"
fi
grep -q "^kiln: error: cannot find '/nonexistent/python'\|^kiln: error: running /nonexistent/python" err.txt ||
  fail "missing Python message: $(cat err.txt)"
echo "kiln diff: OK"
