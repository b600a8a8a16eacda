"""kiln diff's reference: Keras's own output of each named layer.

usage: python keras_layer_outputs.py MODEL OUT_DIR --layers A,B,... [--input NAME=FILE.npy ...]

Loads MODEL (.keras or .h5) with Keras 3, runs it on the inputs (by Keras
input name, or in order when the name is left out) and writes
OUT_DIR/<layer>.npy: the first output tensor of each layer's first call, as
float32, the tensor kiln exposes for `kiln compile --outputs LAYER`.
"""
import argparse
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("out_dir")
    parser.add_argument("--layers", required=True)
    parser.add_argument("--input", action="append", default=[])
    args = parser.parse_args()

    import keras
    import numpy as np

    model = keras.saving.load_model(args.model, compile=False)
    input_names = [t._keras_history[0].name for t in model.inputs]
    feeds = [None] * len(input_names)
    for position, spec in enumerate(args.input):
        name, sep, path = spec.partition("=")
        if not sep:
            name, path = None, spec
        if name is None:
            if position >= len(feeds):
                sys.exit(f"more inputs than the model's {len(feeds)}")
            index = position
        elif name in input_names:
            index = input_names.index(name)
        else:
            sys.exit(f"the model has no input '{name}' (inputs: {', '.join(input_names)})")
        feeds[index] = np.load(path)
    missing = [n for n, f in zip(input_names, feeds) if f is None]
    if missing:
        sys.exit(f"no value for input(s) {', '.join(missing)}")

    names = [n for n in args.layers.split(",") if n]
    tensors = []
    for name in names:
        outputs = model.get_layer(name)._inbound_nodes[0].output_tensors
        tensors.append(outputs[0])
    probe = keras.Model(model.inputs, tensors)
    values = probe.predict(feeds, verbose=0)
    if len(names) == 1:
        values = [values]
    os.makedirs(args.out_dir, exist_ok=True)
    for name, value in zip(names, values):
        np.save(os.path.join(args.out_dir, name + ".npy"), np.asarray(value, dtype=np.float32))


if __name__ == "__main__":
    main()
