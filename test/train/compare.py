"""Compares kiln's training run with Keras's: every step's losses and the
final weights within 1e-3 relative (to the larger of the weight's largest
magnitude and 1e-3: a bias that stays near zero, like a convolution's
before a BatchNormalization, is compared absolutely); weights Keras did
not change, bit for bit.

usage: compare.py CASE_DIR KILN_OUT_DIR
"""
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


def main():
    case, out = sys.argv[1], sys.argv[2]
    failures = []
    keras_losses = np.load(os.path.join(case, "keras", "losses.npy"))
    kiln_losses = np.load(os.path.join(out, "losses.npy"))
    if kiln_losses.shape != keras_losses.shape:
        print(f"losses: kiln {kiln_losses.shape}, keras {keras_losses.shape}")
        return 1
    for step, (ours, theirs) in enumerate(zip(kiln_losses, keras_losses)):
        for k, (a, b) in enumerate(zip(ours, theirs)):
            if np.isnan(b):
                continue
            if not abs(a - b) <= TOLERANCE * abs(b):
                failures.append(f"step {step + 1} loss {k}: kiln {a:.7g}, keras {b:.7g}")
    print(f"losses: {len(keras_losses)} steps, last total kiln {kiln_losses[-1][-1]:.6g} "
          f"keras {keras_losses[-1][-1]:.6g}")
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
        err = float(np.max(np.abs(ours - theirs))) / max(float(np.max(np.abs(theirs))), 1e-3)
        print(f"{weight}: max error relative to max |keras| {err:.2e}")
        if not err <= TOLERANCE:
            failures.append(f"{weight}: relative error {err:.2e} > {TOLERANCE}")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
