"""Compares kiln's training run with Keras's: every step's losses and
metrics, the validation logs after the last step, and the final weights
within 1e-3 relative (to the larger of the weight's largest
magnitude and 1e-3: a bias that stays near zero, like a convolution's
before a BatchNormalization, is compared absolutely); weights Keras did
not change, bit for bit.

usage: compare.py CASE_DIR KILN_OUT_DIR
"""
import json
import os
import sys

import numpy as np

TOLERANCE = 1e-3

# kiln names a layer's parts after their groups in the weights file
# (MultiHeadAttention's projections, a recurrent layer's cell), Keras's
# variable paths after the sublayers.
LAYER_PARTS = {".query.": ".query_dense.", ".key.": ".key_dense.",
               ".value.": ".value_dense.", ".attention_output.": ".output_dense.",
               ".lstm_cell.": ".cell.", ".gru_cell.": ".cell.", ".simple_rnn_cell.": ".cell."}


# MultiHeadAttention's key bias adds the same amount to every score of a
# query, which the softmax over keys ignores: its gradient is zero but for
# rounding, and Adam turns rounding into steps of lr·g/ε. Its values are
# rounding noise in Keras and in kiln alike, so instead of matching noise
# it must stay near zero in both, as it would not with a real gradient
# (Adam moves a weight by about lr per step).
ZERO_GRADIENT_WEIGHTS = (".key.bias",)
ROUNDING_DRIFT = 1e-5


def close(a, b):
    return abs(a - b) <= TOLERANCE * abs(b)


def compare_logs(case, out, failures):
    """Per step: the losses (by position: each output's, then the total)
    and the metrics (by Keras's log name); then the validation logs."""
    keras_losses = np.load(os.path.join(case, "keras", "losses.npy"))
    with open(os.path.join(case, "keras", "metrics.json")) as f:
        keras_metrics = json.load(f)
    kiln_logs = np.load(os.path.join(out, "logs.npy"))
    with open(os.path.join(out, "log_names.txt")) as f:
        names = f.read().split()
    num_losses = keras_losses.shape[1]
    if kiln_logs.shape[0] != keras_losses.shape[0] or kiln_logs.shape[1] != len(names):
        failures.append(f"logs: kiln {kiln_logs.shape} for {len(names)} names, "
                        f"keras {keras_losses.shape[0]} steps")
        return
    for step, (ours, theirs) in enumerate(zip(kiln_logs, keras_losses)):
        for k, (a, b) in enumerate(zip(ours[:num_losses], theirs)):
            if not np.isnan(b) and not close(a, b):
                failures.append(f"step {step + 1} loss {k}: kiln {a:.7g}, keras {b:.7g}")
        for name, b in keras_metrics[step].items():
            if name not in names:
                failures.append(f"step {step + 1}: kiln does not log the metric {name}")
            elif not close(ours[names.index(name)], b):
                failures.append(f"step {step + 1} {name}: kiln {ours[names.index(name)]:.7g}, "
                                f"keras {b:.7g}")
    print(f"losses: {len(keras_losses)} steps, last total kiln {kiln_logs[-1][num_losses - 1]:.6g} "
          f"keras {keras_losses[-1][-1]:.6g}; metrics {sorted(keras_metrics[-1])}")
    val_path = os.path.join(case, "keras", "val_logs.json")
    if not os.path.exists(val_path):
        return
    with open(val_path) as f:
        keras_val = json.load(f)
    kiln_val = np.load(os.path.join(out, "val_logs.npy"))[-1]
    for name, b in keras_val.items():
        if name not in names:
            failures.append(f"validation: kiln does not log {name}")
        elif not close(kiln_val[names.index(name)], b):
            failures.append(f"validation {name}: kiln {kiln_val[names.index(name)]:.7g}, "
                            f"keras {b:.7g}")
    print("validation:", ", ".join(f"{n} {v:.6g}" for n, v in sorted(keras_val.items())))


def main():
    case, out = sys.argv[1], sys.argv[2]
    failures = []
    compare_logs(case, out, failures)
    with open(os.path.join(case, "keras", "frozen.txt")) as f:
        frozen = set(f.read().split())
    keras_dir = os.path.join(case, "keras", "weights")
    ours_dir = os.path.join(out, "weights")
    for name in sorted(os.listdir(keras_dir)):
        theirs = np.load(os.path.join(keras_dir, name))
        # kiln names a nested model's weights with the model's name in front
        # ("base.conv.kernel"); Keras's paths start at the layer.
        kiln_name = name
        for part, group in LAYER_PARTS.items():
            kiln_name = kiln_name.replace(part, group)
        matches = [f for f in os.listdir(ours_dir)
                   if f == kiln_name or f.endswith("." + kiln_name)]
        if len(matches) != 1:
            failures.append(f"{name}: kiln wrote {len(matches)} such weights")
            continue
        ours = np.load(os.path.join(ours_dir, matches[0]))
        # A depthwise kernel is (KH, KW, 1, C) in kiln, (KH, KW, C, 1) in
        # Keras: the same values in the same order.
        if ours.shape != theirs.shape and ours.size == theirs.size:
            ours = ours.reshape(theirs.shape)
        if ours.shape != theirs.shape:
            failures.append(f"{name}: shape {ours.shape}, keras {theirs.shape}")
            continue
        weight = name[:-len(".npy")]
        if weight in frozen:
            ok = np.array_equal(ours, theirs)
            print(f"{weight}: frozen, {'identical' if ok else 'CHANGED'}")
            if not ok:
                failures.append(f"{weight}: a frozen weight changed")
            continue
        if weight.endswith(ZERO_GRADIENT_WEIGHTS):
            drift = max(float(np.max(np.abs(ours))), float(np.max(np.abs(theirs))))
            print(f"{weight}: zero gradient, largest magnitude {drift:.2e}")
            if not drift <= ROUNDING_DRIFT:
                failures.append(f"{weight}: moved {drift:.2e} from zero > {ROUNDING_DRIFT}")
            continue
        err = float(np.max(np.abs(ours - theirs))) / max(float(np.max(np.abs(theirs))), 1e-3)
        print(f"{weight}: max error relative to max |keras| {err:.2e}")
        if not err <= TOLERANCE:
            failures.append(f"{weight}: relative error {err:.2e} > {TOLERANCE}")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
