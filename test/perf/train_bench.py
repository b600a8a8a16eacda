"""One training step at batch 32, single thread: kiln's generated
train_step against Keras 3 + JAX `train_on_batch` (jit), in one run on the
same model, optimizer and batch. Prints ms per step and the ratio
Keras ÷ kiln (above 1: kiln is faster) and writes TRAIN_RESULTS.md.

Uses the default test venv (Keras 3 and JAX): from the repository root,
    .venv/bin/python test/perf/train_bench.py [--models mlp,cnn] [--steps N]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BATCH = 32


def mlp():
    x = keras.Input((784,), name="pixels")
    h = layers.Dense(256, activation="relu", name="d1")(x)
    h = layers.Dense(128, activation="relu", name="d2")(h)
    y = layers.Dense(10, activation="softmax", name="digit")(h)
    m = keras.Model(x, y)
    m.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    return m


def cnn():
    """A small ResNet-style CNN: conv, BatchNormalization, ReLU, a skip."""
    x = keras.Input((32, 32, 3), name="image")
    h = layers.Conv2D(16, 3, padding="same", use_bias=False, name="stem")(x)
    h = layers.BatchNormalization(name="stem_bn")(h)
    h = layers.Activation("relu", name="stem_relu")(h)
    r = layers.Conv2D(16, 3, padding="same", use_bias=False, name="res_conv")(h)
    r = layers.BatchNormalization(name="res_bn")(r)
    h = layers.Activation("relu", name="res_relu")(layers.Add(name="skip")([h, r]))
    h = layers.MaxPooling2D(2, name="pool")(h)
    h = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2")(h)
    h = layers.GlobalAveragePooling2D(name="gap")(h)
    y = layers.Dense(10, activation="softmax", name="label")(h)
    m = keras.Model(x, y)
    m.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
              loss="sparse_categorical_crossentropy")
    return m


def lstm():
    """Token ids → Embedding → LSTM → classifier."""
    ids = keras.Input((20,), dtype="int32", name="tokens")
    h = layers.Embedding(1000, 32, name="embed")(ids)
    h = layers.LSTM(64, name="lstm")(h)
    y = layers.Dense(10, activation="softmax", name="label")(h)
    m = keras.Model(ids, y)
    m.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    return m


MODELS = {"mlp": mlp, "cnn": cnn, "lstm": lstm}


def time_keras(model, x, y, steps):
    model.train_on_batch(x, y)  # compile and warm up
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(steps):
            model.train_on_batch(x, y)
        runs.append((time.perf_counter() - start) / steps)
    return sorted(runs)[2] * 1e3


def time_kiln(path, data, work, steps):
    kiln = os.path.join(ROOT, "build", "compiler", "tools", "kiln", "kiln")
    subprocess.run([kiln, "compile", path, "--train", "--batch", str(BATCH), "--name", "model",
                    "-o", work, "--emit=exe"], check=True)
    out = subprocess.run(["taskset", "-c", "0", os.path.join(work, "model_train"), "--data", data,
                          "--bench-steps", str(steps)], check=True, capture_output=True, text=True)
    return float(out.stdout.split("train_step: ")[1].split(" ms")[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    os.sched_setaffinity(0, {0})  # Keras on the same single core
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            keras.utils.set_random_seed(0)
            model = MODELS[name]()
            path = os.path.join(tmp, name + ".keras")
            model.save(path)
            rng = np.random.default_rng(0)
            shape = (BATCH,) + tuple(model.inputs[0].shape[1:])
            x = (rng.integers(0, 1000, size=shape).astype("int32")
                 if "int" in str(model.inputs[0].dtype)
                 else rng.standard_normal(shape).astype("float32"))
            y = rng.integers(0, 10, size=(BATCH,)).astype("int32")
            data = os.path.join(tmp, name + "_data")
            os.makedirs(data)
            np.save(os.path.join(data, model.inputs[0]._keras_history[0].name + ".npy"), x)
            np.save(os.path.join(data, model.output_names[0] + ".npy"), y)
            ours = time_kiln(path, data, os.path.join(tmp, name + "_build"), args.steps)
            theirs = time_keras(keras.saving.load_model(path), x, y, args.steps)
            rows.append((name, ours, theirs))
            print(f"{name}: kiln {ours:.3f} ms/step, keras+jax {theirs:.3f} ms/step, "
                  f"keras/kiln {theirs / ours:.2f}", flush=True)
    # Rows of models not timed in this run stay as they were.
    results = os.path.join(os.path.dirname(os.path.abspath(__file__)), "TRAIN_RESULTS.md")
    table = {}
    if os.path.exists(results):
        with open(results) as f:
            for line in f:
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if len(cells) == 4 and cells[0] in MODELS:
                    table[cells[0]] = line.strip()
    for n, a, b in rows:
        table[n] = f"| {n} | {a:.3f} | {b:.3f} | {b / a:.2f} |"
    lines = ["# One train_step, batch 32, one thread", "",
             "Made by `.venv/bin/python test/perf/train_bench.py` (median of 5 runs; a row",
             "is replaced when `--models` times its model again).", "",
             "| model | kiln ms/step | Keras+JAX jit ms/step | Keras ÷ kiln |", "|---|---|---|---|"]
    lines += [table[n] for n in MODELS if n in table]
    with open(results, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
