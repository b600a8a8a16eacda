#!/usr/bin/env bash
# usage: run.sh KILN PYTHON OUT_DIR
# The edge sample end to end: Keras builds the model, kiln cross-compiles
# it, qemu-aarch64 runs the program, and its scores must match Keras's.
set -euo pipefail
kiln=$1 python=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out" && mkdir -p "$out"
"$python" "$here/model.py" "$out" 2> "$out/keras.log"
bash "$here/build.sh" "$kiln" "$out"
qemu-aarch64 "$out/kws" > "$out/scores.txt"
"$python" - "$out" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
keras_scores = np.load(f"{out}/keras_scores.npy").reshape(-1)
kiln_scores = np.loadtxt(f"{out}/scores.txt", dtype=np.float64).reshape(-1)
assert kiln_scores.shape == keras_scores.shape, (kiln_scores.shape, keras_scores.shape)
error = np.max(np.abs(kiln_scores - keras_scores) / np.maximum(1.0, np.abs(keras_scores)))
print(f"aarch64 scores vs Keras: max scaled error {error:.3g} (tolerance 1e-05)")
sys.exit(0 if error <= 1e-5 else 1)
PY
