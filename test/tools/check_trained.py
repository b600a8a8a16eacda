"""Loads a model kiln train wrote in Keras and checks its weights and its
optimizer state against Keras's own after the same steps (test/train's
case files). usage: check_trained.py CASE_DIR MODEL.keras"""
import os
import sys

os.environ["KERAS_BACKEND"] = "jax"
import numpy as np  # noqa: E402
import keras  # noqa: E402

case, path = sys.argv[1:]
model = keras.saving.load_model(path)
for var in model.weights:
    ref = np.load(os.path.join(case, "keras", "weights", var.path.replace("/", ".") + ".npy"))
    err = float(np.max(np.abs(var.numpy() - ref))) / max(float(np.max(np.abs(ref))), 1e-6)
    print(f"{var.path}: {err:.2e}")
    assert err <= 1e-3, var.path
# The optimizer state comes back too, in Keras's order (the step count, the
# learning rate, then the slots as the optimizer's build() lists them).
saved = sorted(os.listdir(os.path.join(case, "keras", "optimizer")), key=lambda f: int(f[:-4]))
variables = model.optimizer.variables
assert len(variables) == len(saved), (len(variables), len(saved))
for var, name in zip(variables, saved):
    ref = np.load(os.path.join(case, "keras", "optimizer", name))
    ours = np.asarray(var.numpy(), dtype="float64")
    err = float(np.max(np.abs(ours - ref))) / max(float(np.max(np.abs(ref))), 1e-6)
    print(f"optimizer {var.path}: {err:.2e}")
    assert ours.shape == ref.shape and err <= 1e-3, var.path
