#!/usr/bin/env bash
# The main job, end to end: set up and build kiln, train the sample MLP
# briefly with Keras, compile it to an executable, run it on two samples and
# print the prediction next to Keras's own.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh

work=build/samples/mlp
mkdir -p "$work"
if [ ! -f "$work/mlp.keras" ]; then
  echo "== training samples/mlp with Keras"
  KERAS_BACKEND=jax .venv/bin/python samples/mlp/model.py "$work" 2>/dev/null
fi
echo "== kiln compile $work/mlp.keras -o $work/out --emit=exe"
build/compiler/tools/kiln/kiln compile "$work/mlp.keras" -o "$work/out" --emit=exe --stats
echo "== $work/out/mlp --input digits=$work/sample_input.npy --output-dir $work/result"
"$work/out/mlp" --input "digits=$work/sample_input.npy" --output-dir "$work/result"
KERAS_BACKEND=jax .venv/bin/python samples/mlp/show.py "$work"
