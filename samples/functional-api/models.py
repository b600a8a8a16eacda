"""The architectures of the Keras functional-API tutorials kiln started from
(../../../shared/seeds), each a function returning a Keras model.

Where a tutorial's code does not run as printed (a Dense applied straight to
an image, or to a list of tensors), the model here adds the Flatten or
Concatenate the text implies.

usage: python models.py OUT_DIR   writes OUT_DIR/<name>.keras for each model
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
from keras import layers  # noqa: E402


def numeric_and_image():
    """Two inputs: numeric features and a 64x64 RGB image, one sigmoid output."""
    numeric_input = keras.Input(shape=(32,), name="numeric")
    image_input = keras.Input(shape=(64, 64, 3), name="image")
    x1 = layers.Dense(64, activation="relu")(numeric_input)
    x2 = layers.Dense(64, activation="relu")(layers.Flatten()(image_input))
    merged = layers.concatenate([x1, x2])
    output = layers.Dense(1, activation="sigmoid", name="score")(merged)
    return keras.Model([numeric_input, image_input], output, name="numeric_and_image")


def regression_and_classification():
    """One input, two heads: a regression value and ten class probabilities."""
    inputs = keras.Input(shape=(128,), name="features")
    x = layers.Dense(64, activation="relu")(inputs)
    output1 = layers.Dense(1, name="regression_output")(x)
    output2 = layers.Dense(10, activation="softmax", name="classification_output")(x)
    return keras.Model(inputs, [output1, output2], name="regression_and_classification")


def skip_connection():
    """A skip connection through concatenate."""
    inputs = keras.Input(shape=(128,), name="features")
    x = layers.Dense(64, activation="relu")(inputs)
    skip = x
    x = layers.Dense(64, activation="relu")(x)
    x = layers.concatenate([x, skip])
    return keras.Model(inputs, layers.Dense(1, name="output")(x), name="skip_connection")


def siamese():
    """Two inputs through one shared Dense, merged into a similarity score."""
    shared_dense = layers.Dense(64, activation="relu", name="shared")
    input_a = keras.Input(shape=(128,), name="input_a")
    input_b = keras.Input(shape=(128,), name="input_b")
    processed_a = shared_dense(input_a)
    processed_b = shared_dense(input_b)
    merged = layers.concatenate([processed_a, processed_b])
    score = layers.Dense(1, activation="sigmoid", name="similarity")(merged)
    return keras.Model([input_a, input_b], score, name="siamese")


def branching():
    """One trunk, two parallel branches, merged again."""
    inputs = keras.Input(shape=(10,), name="features")
    x = layers.Dense(32)(inputs)
    branch1 = layers.Dense(16)(x)
    branch2 = layers.Dense(16)(x)
    merged = layers.concatenate([branch1, branch2])
    return keras.Model(inputs, layers.Dense(10, activation="softmax", name="output")(merged),
                       name="branching")


def autoencoder():
    """An encoder and a decoder model, chained into an autoencoder."""
    encoder_input = keras.Input(shape=(784,), name="img")
    x = layers.Dense(128, activation="relu")(encoder_input)
    encoder_output = layers.Dense(32, activation="relu")(x)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    decoder_input = keras.Input(shape=(32,), name="encoded_img")
    x = layers.Dense(128, activation="relu")(decoder_input)
    decoder_output = layers.Dense(784, activation="sigmoid")(x)
    decoder = keras.Model(decoder_input, decoder_output, name="decoder")
    autoencoder_input = keras.Input(shape=(784,), name="img")
    return keras.Model(autoencoder_input, decoder(encoder(autoencoder_input)),
                       name="autoencoder")


def ensemble():
    """Three models on the same input, their outputs averaged."""
    def get_model():
        inputs = keras.Input(shape=(128,))
        return keras.Model(inputs, layers.Dense(1)(inputs))

    inputs = keras.Input(shape=(128,), name="features")
    outputs = [get_model()(inputs) for _ in range(3)]
    return keras.Model(inputs, layers.average(outputs), name="ensemble")


def conditioning():
    """A main sequence input plus an auxiliary conditioning input, with a
    main and an auxiliary output."""
    inputs = keras.Input(shape=(32, 1), name="sequence")
    aux_inputs = keras.Input(shape=(12,), name="conditions")
    joined = layers.concatenate([layers.Flatten()(inputs), aux_inputs])
    outputs = layers.Dense(20, activation="sigmoid", name="main_output")(joined)
    aux_outputs = layers.Dense(1, activation="linear", name="aux_output")(joined)
    return keras.Model([inputs, aux_inputs], [outputs, aux_outputs], name="conditioning")


ARCHITECTURES = {f.__name__: f for f in [
    numeric_and_image, regression_and_classification, skip_connection, siamese, branching,
    autoencoder, ensemble, conditioning]}


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(0)
    for name, build in ARCHITECTURES.items():
        build().save(os.path.join(out, name + ".keras"))
        print(os.path.join(out, name + ".keras"))
