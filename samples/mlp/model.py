"""The MLP of the Keras functional-API guide (784 -> 64 -> 64 -> 10 softmax),
trained briefly on generated data so its weights are real.

usage: python model.py OUT_DIR
writes OUT_DIR/mlp.keras, OUT_DIR/sample_input.npy (two samples) and
OUT_DIR/keras_prediction.npy (Keras's own predictions for them).
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402


def make_data(rng, n):
    # Ten fixed 28x28 "digit" prototypes; each sample is a noisy, brightness-
    # jittered copy of one of them, flattened like MNIST.
    prototypes = np.random.default_rng(1234).random((10, 784)).astype("float32")
    labels = rng.integers(0, 10, size=n)
    x = prototypes[labels] * rng.uniform(0.7, 1.3, size=(n, 1))
    x += rng.normal(0.0, 0.3, size=x.shape)
    return x.astype("float32"), labels.astype("int32")


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    model.compile(optimizer=keras.optimizers.RMSprop(),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x_train, y_train = make_data(rng, 4096)
    model.fit(x_train, y_train, batch_size=64, epochs=2, verbose=0)
    x_test, y_test = make_data(rng, 2)
    model.save(os.path.join(out_dir, "mlp.keras"))
    np.save(os.path.join(out_dir, "sample_input.npy"), x_test)
    np.save(os.path.join(out_dir, "sample_labels.npy"), y_test)
    np.save(os.path.join(out_dir, "keras_prediction.npy"), model.predict(x_test, verbose=0))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
