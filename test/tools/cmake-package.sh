#!/usr/bin/env bash
# usage: cmake-package.sh BUILD_DIR CASES_DIR NPY_COMPARE WORK_DIR TRAIN_CASE PYTHON
# Installs kiln from BUILD_DIR into a temporary prefix, builds the consumer
# project (find_package(kiln) + kiln_add_model) against it, checks its
# programs' outputs against Keras's, and that touching a model file
# recompiles that model only.
set -euo pipefail
build=$1 cases=$2 compare=$3 work=$4 train_case=$5 python=$6
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work/models" "$work/out/route"
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
for f in bin/kiln bin/kiln-opt include/kiln/rt/kiln_rt.h lib/cmake/kiln/kilnConfig.cmake \
         lib/cmake/kiln/kilnConfigVersion.cmake lib/cmake/kiln/KilnAddModel.cmake; do
  [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
"$prefix/bin/kiln" --help > /dev/null

# Copies, so the test can touch them.
cp "$cases/vision_toy_resnet/model.keras" "$work/models/toy_resnet.keras"
cp "$cases/sequence_ticket_router/model.keras" "$work/models/ticket_router.keras"
configure() {
  cmake -S "$here/consumer" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_PREFIX_PATH="$prefix" -DTOY_RESNET_MODEL="$work/models/toy_resnet.keras" \
        -DTICKET_ROUTER_MODEL="$work/models/ticket_router.keras" \
        -DTRAIN_MODEL="$train_case/model.keras" "$@"
}
configure > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"

"$work/build/classify" "$cases/vision_toy_resnet/inputs/img.npy" "$work/out/predictions.npy"
"$compare" "$cases/vision_toy_resnet/expected/predictions.npy" "$work/out/predictions.npy" 1e-5
r=$cases/sequence_ticket_router
"$work/build/route" "$r/inputs/title.npy" "$r/inputs/body.npy" "$r/inputs/tags.npy" "$work/out/route"
for out in priority department; do
  "$compare" "$r/expected/$out.npy" "$work/out/route/$out.npy" 1e-5
done

# A changed model file is recompiled at build time; the other model is not.
sleep 1
touch "$work/models/toy_resnet.keras"
cmake --build "$work/build" > "$work/rebuild.log"
grep -q "kiln: compiling .*toy_resnet.keras into toy_resnet" "$work/rebuild.log" ||
  { echo "touching the model did not recompile it"; cat "$work/rebuild.log"; exit 1; }
if grep -q "into ticket_router" "$work/rebuild.log"; then
  echo "the unchanged model was recompiled"; exit 1
fi

# TRAIN: the user's loop retraces Keras's losses (test/train's case).
"$work/build/fit" "$train_case/data/x.npy" "$train_case/data/probs.npy" "$work/out/losses.npy"
"$python" - "$train_case/keras/losses.npy" "$work/out/losses.npy" <<'PY'
import sys
import numpy as np
keras, ours = np.load(sys.argv[1])[:, -1], np.load(sys.argv[2])
assert keras.shape == ours.shape, (keras.shape, ours.shape)
assert np.all(np.abs(ours - keras) <= 1e-3 * np.abs(keras)), (ours, keras)
print("kiln_add_model(TRAIN): losses match Keras over", len(ours), "steps")
PY
echo "cmake package: install, find_package, kiln_add_model (TRAIN too) and rebuild-on-change work"
