#!/usr/bin/env bash
# kiln train on a training case (test/train): the written .keras loads in
# Keras with the weights Keras's own fit reaches; an interrupted run
# resumes from its last epoch and ends exactly where an uninterrupted one
# does; bad arguments are refused.
# usage: train.sh KILN PYTHON CASES_DIR WORK
set -euo pipefail
kiln=$1 python=$2 cases=$3 work=$4
case_dir=$cases/two_outputs_loss_weights
rm -rf "$work"
mkdir -p "$work"
cd "$work"

# One epoch of 10 batches, no shuffling, the last 19 samples held out:
# Keras's trajectory (cases.py), its metrics and its validation logs.
"$kiln" train "$case_dir/model.keras" --data "$case_dir/data" -o one.keras --epochs 1 \
  --batch-size 8 --no-shuffle --validation-split "$(cat "$case_dir/train_args.txt" | cut -d' ' -f2)" \
  | tee one.log
grep -q "^10/10 .* - kind_loss: .* - flag_loss: .* - loss: .* - kind_accuracy: .* - val_loss: .* - val_flag_mae: " one.log
test ! -e one.keras.kiln-train
"$python" "$(dirname "$0")/check_trained.py" "$case_dir" one.keras
# Adam's slots, interleaved per variable in Keras's order.
adam_dir=$cases/mlp_adam
"$kiln" train "$adam_dir/model.keras" --data "$adam_dir/data" -o adam.keras --epochs 1 \
  --batch-size 8 --no-shuffle > adam.log
"$python" "$(dirname "$0")/check_trained.py" "$adam_dir" adam.keras

# Three shuffled epochs straight, and interrupted after the first.
"$kiln" train "$case_dir/model.keras" --data "$case_dir/data" -o straight.keras --epochs 3 \
  --batch-size 8 --seed 5 > straight.log
set +e
KILN_TRAIN_INTERRUPT_AFTER_EPOCH=1 "$kiln" train "$case_dir/model.keras" --data "$case_dir/data" \
  -o resumed.keras --epochs 3 --batch-size 8 --seed 5 > first.log 2>&1
rc=$?
set -e
test "$rc" -ne 0
test -e resumed.keras            # the epoch-1 model, complete
test -d resumed.keras.kiln-train # and the checkpoint
"$kiln" train "$case_dir/model.keras" --data "$case_dir/data" -o resumed.keras --epochs 3 \
  --batch-size 8 --seed 5 | tee resumed.log
grep -q "resuming after epoch 1" resumed.log
grep -q "^Epoch 2/3" resumed.log
if grep -q "^Epoch 1/3" resumed.log; then echo "epoch 1 ran again"; exit 1; fi
"$python" - straight.keras resumed.keras <<'PY'
import sys, zipfile, io
import h5py
def weights(path):
    with zipfile.ZipFile(path) as z:
        f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        out = {}
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
        return out
a, b = weights(sys.argv[1]), weights(sys.argv[2])
assert a.keys() == b.keys()
for name in a:
    assert (a[name] == b[name]).all(), name
print(f"resumed run equals the straight run bit for bit ({len(a)} datasets)")
PY

# Refusals, each naming the problem.
expect_error() {
  local pattern=$1; shift
  if "$kiln" train "$@" > err.log 2>&1; then echo "accepted: $*"; exit 1; fi
  grep -q "$pattern" err.log || { cat err.log; exit 1; }
}
expect_error "reads and writes .keras" "$case_dir/model.h5" --data "$case_dir/data" -o x.keras
expect_error "is not a folder" "$case_dir/model.keras" --data nowhere -o x.keras
expect_error "fewer than one batch" "$case_dir/model.keras" --data "$case_dir/data" -o x.keras \
  --batch-size 1000
expect_error "validation-split must be in \\[0, 1)" "$case_dir/model.keras" \
  --data "$case_dir/data" -o x.keras --validation-split 1.5
expect_error "validation-data: 'nowhere' is not a folder" "$case_dir/model.keras" \
  --data "$case_dir/data" -o x.keras --validation-data nowhere
expect_error "loss 'kld' .* is not one kiln trains with" "$case_dir/model.keras" \
  --data "$case_dir/data" -o x.keras --loss kld
test ! -e x.keras
echo "kiln train: ok"
