"""The vision architectures of the Keras guides kiln targets, each a function
returning a Keras model:

- toy_resnet: the toy ResNet for CIFAR-10 of the functional-API guide
- conv_autoencoder: the convolutional autoencoder of the same guide
- conv1d_sequence: a Conv1D sequence classifier
- small_unet: a small U-Net (Conv2DTranspose and concatenated skips)

usage: python models.py OUT_DIR   writes OUT_DIR/<name>.keras for each model
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
from keras import layers  # noqa: E402


def toy_resnet():
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])
    x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10, name="predictions")(x)
    return keras.Model(inputs, outputs, name="toy_resnet")


def conv_autoencoder():
    encoder_input = keras.Input(shape=(28, 28, 1), name="img")
    x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")
    x = layers.Reshape((4, 4, 1))(encoder_output)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="relu", name="reconstruction")(x)
    del encoder  # the guide builds it to show it; the autoencoder is the model
    return keras.Model(encoder_input, decoder_output, name="conv_autoencoder")


def conv1d_sequence():
    inputs = keras.Input(shape=(64, 8), name="signal")
    x = layers.Conv1D(16, 5, padding="causal", activation="relu")(inputs)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(32, 3, dilation_rate=2, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(4, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="conv1d_sequence")


def small_unet():
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    c1 = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    p1 = layers.MaxPooling2D()(c1)
    c2 = layers.Conv2D(16, 3, padding="same", activation="relu")(p1)
    p2 = layers.MaxPooling2D()(c2)
    bottom = layers.Conv2D(32, 3, padding="same", activation="relu")(p2)
    u2 = layers.Conv2DTranspose(16, 2, strides=2, padding="same")(bottom)
    c3 = layers.Conv2D(16, 3, padding="same", activation="relu")(layers.concatenate([u2, c2]))
    u1 = layers.Conv2DTranspose(8, 2, strides=2, padding="same")(c3)
    c4 = layers.Conv2D(8, 3, padding="same", activation="relu")(layers.concatenate([u1, c1]))
    outputs = layers.Conv2D(2, 1, activation="softmax", name="mask")(c4)
    return keras.Model(inputs, outputs, name="small_unet")


ARCHITECTURES = {f.__name__: f for f in [toy_resnet, conv_autoencoder, conv1d_sequence,
                                         small_unet]}


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(0)
    for name, build in ARCHITECTURES.items():
        build().save(os.path.join(out, name + ".keras"))
        print(os.path.join(out, name + ".keras"))
