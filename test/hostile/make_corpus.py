"""Writes the hostile model corpus: files a stranger could hand kiln, each
broken in one way (test/hostile/expected.txt says how kiln must refuse it).

usage: python make_corpus.py [OUT_DIR]   (default: ./corpus)

Base models are tiny real Keras saves (JAX backend); every case changes one
thing in a copy: the zip container, the JSON config, or the HDF5 weights.
Deterministic: rerunning gives the same cases. The corpus also holds
fuzz_* files, inputs the fuzzers (test/fuzz) found, which this script does
not make.
"""
import io
import json
import os
import struct
import sys
import tempfile
import zipfile

os.environ.setdefault("KERAS_BACKEND", "jax")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")


def dense_model():
    inputs = keras.Input(shape=(4,), name="features")
    x = layers.Dense(3, activation="relu", name="hidden")(inputs)
    outputs = layers.Dense(2, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="dense_model")


def vision_model():
    inputs = keras.Input(shape=(8, 8, 3), name="image")
    x = layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
    x = layers.MaxPooling2D(2, name="pool")(x)
    x = layers.UpSampling2D(2, name="up")(x)
    x = layers.ZeroPadding2D(1, name="pad")(x)
    x = layers.Cropping2D(1, name="crop")(x)
    x = layers.Reshape((8 * 8 * 4,), name="flat")(x)
    x = layers.RepeatVector(2, name="repeat")(x)
    outputs = layers.GlobalAveragePooling1D(name="gap")(x)
    return keras.Model(inputs, outputs, name="vision_model")


def text_model():
    ids = keras.Input(shape=(5,), dtype="int32", name="ids")
    x = layers.Embedding(10, 4, name="embed")(ids)
    outputs = layers.LSTM(3, name="lstm")(x)
    return keras.Model(ids, outputs, name="text_model")


def save(model, suffix):
    path = os.path.join(tempfile.mkdtemp(), "m" + suffix)
    model.save(path)
    with open(path, "rb") as f:
        return f.read()


def members(archive_bytes):
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as z:
        return {n: z.read(n) for n in z.namelist()}


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def zip_of(files, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        for n, d in files.items():
            z.writestr(n, d)
    return buf.getvalue()


def with_config(base, mutate, name):
    files = members(base)
    config = json.loads(files["config.json"])
    mutate(config)
    files["config.json"] = json.dumps(config).encode()
    write(name, zip_of(files))


def layer(config, name):
    for entry in config["config"]["layers"]:
        if entry["name"] == name:
            return entry
    raise KeyError(name)


def set_field(layer_name, key, value):
    def mutate(config):
        layer(config, layer_name)["config"][key] = value
    return mutate


def with_weights(base, mutate, name):
    files = members(base)
    buf = io.BytesIO(files["model.weights.h5"])
    with h5py.File(buf, "r+") as h5:
        mutate(h5)
    files["model.weights.h5"] = buf.getvalue()
    write(name, zip_of(files))


def main():
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(1)
    dense = save(dense_model(), ".keras")
    vision = save(vision_model(), ".keras")
    text = save(text_model(), ".keras")
    dense_h5 = save(dense_model(), ".h5")

    # The container.
    write("empty.keras", b"")
    write("random_bytes.keras", np.random.default_rng(0).bytes(4096))
    write("truncated_zip.keras", dense[: len(dense) // 2])
    write("zip_header_only.keras", dense[:30])
    files = members(dense)
    write("no_config.keras", zip_of({k: v for k, v in files.items() if k != "config.json"}))
    write("config_as_dir_traversal.keras",
          zip_of({"../config.json": files["config.json"], "model.weights.h5": files["model.weights.h5"]}))
    write("absolute_member_path.keras",
          zip_of({"/config.json": files["config.json"], "metadata.json": files["metadata.json"]}))
    write("config_bomb.keras",
          zip_of({"config.json": b" " * (80 << 20) + b"{}", "metadata.json": files["metadata.json"]},
                 zipfile.ZIP_DEFLATED))
    write("weights_bomb.keras",
          zip_of({"config.json": files["config.json"], "metadata.json": files["metadata.json"],
                  "model.weights.h5": b"\0" * (64 << 20)}, zipfile.ZIP_DEFLATED))
    # A member whose recorded size is forged to 1 TiB (local and central headers).
    forged = bytearray(zip_of({"config.json": files["config.json"]}))
    size = len(files["config.json"])
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = forged.find(sig)
        assert struct.unpack_from("<I", forged, at + offset)[0] == size
        struct.pack_into("<I", forged, at + offset, 0xFFFFFFF0)
    write("forged_member_size.keras", bytes(forged))
    corrupt = bytearray(zip_of({"config.json": files["config.json"]}))
    at = corrupt.find(b'"class_name"')
    corrupt[at + 1] ^= 0x20  # the stored CRC no longer matches
    write("crc_mismatch.keras", bytes(corrupt))
    write("metadata_not_json.keras", zip_of({**files, "metadata.json": b"{not json"}))

    # The JSON config.
    def raw_config(text, name):
        write(name, zip_of({**files, "config.json": text}, zipfile.ZIP_DEFLATED))
    raw_config(b"", "config_empty.keras")
    raw_config(b"null", "config_null.keras")
    raw_config(b"[1, 2, 3]", "config_array.keras")
    raw_config(b"[" * 100000 + b"]" * 100000, "config_deep_100k.keras")
    raw_config(b'{"a":' * 201 + b"1" + b"}" * 201, "config_deep_201.keras")
    raw_config(b'{"class_name": "Functional", "config": {"layers": [\xff\xfe]}}',
               "config_invalid_utf8.keras")
    raw_config(b'{"class_name": "Functional", "config": 7}', "config_not_object.keras")
    raw_config(json.dumps({"class_name": "Functional", "config": {
        "name": "many", "layers": [{"class_name": "Identity", "name": f"l{i}", "config": {}}
                                   for i in range(100001)],
        "input_layers": [], "output_layers": []}}).encode(), "too_many_layers.keras")
    # 99999 layers listed last-first, the deepest one broken: ordering the
    # calls must take linear time, or this file takes hours to refuse.
    def tensor(name):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": [None, 4], "dtype": "float32", "keras_history": [name, 0, 0]}}
    chain = [{"module": "keras.layers", "class_name": "Activation", "name": f"a{i}",
              "config": {"name": f"a{i}", "activation": "frobnicate" if i == 0 else "relu"},
              "inbound_nodes": [{"args": [tensor(f"a{i - 1}" if i else "x")], "kwargs": {}}]}
             for i in range(99999)]
    raw_config(json.dumps({"class_name": "Functional", "config": {
        "name": "chain", "layers": [{"module": "keras.layers", "class_name": "InputLayer",
                                     "name": "x", "config": {"batch_shape": [None, 4], "name": "x"},
                                     "inbound_nodes": []}] + chain[::-1],
        "input_layers": [["x", 0, 0]], "output_layers": [["a99998", 0, 0]]}}).encode(),
        "long_chain_reversed.keras")
    raw_config(b'{"class_name": "Functional", "config": {"layers": [1, 2], '
               b'"input_layers": [], "output_layers": []}}', "layers_of_numbers.keras")
    with_config(dense, lambda c: c["config"].pop("layers"), "no_layers.keras")
    with_config(dense, lambda c: c.update(class_name="Frobnicator"), "unknown_model_class.keras")
    with_config(dense, lambda c: layer(c, "hidden").pop("class_name"), "layer_without_class.keras")
    with_config(dense, lambda c: layer(c, "hidden").update(inbound_nodes=7),
                "inbound_nodes_not_list.keras")
    with_config(dense, lambda c: layer(c, "hidden").update(inbound_nodes=[{"args": [{
        "class_name": "__keras_tensor__", "config": {"keras_history": ["features", 99, 0]}}],
        "kwargs": {}}]), "node_index_out_of_range.keras")
    with_config(dense, lambda c: layer(c, "hidden").update(inbound_nodes=[{"args": [{
        "class_name": "__keras_tensor__", "config": {"keras_history": ["features", 0, 5]}}],
        "kwargs": {}}]), "tensor_index_out_of_range.keras")
    with_config(dense, lambda c: layer(c, "hidden").update(inbound_nodes=[{"args": [{
        "class_name": "__keras_tensor__", "config": {"keras_history": ["probs", 0, 0]}}],
        "kwargs": {}}]), "self_cycle.keras")
    with_config(dense, lambda c: c["config"].update(output_layers=[["nowhere", 0, 0]]),
                "output_of_missing_layer.keras")
    for label, shape in (("negative", [None, -4]), ("zero", [None, 0]),
                         ("overflow", [None, 1 << 40, 1 << 40]), ("strings", [None, "four"]),
                         ("float", [None, 4.5]), ("huge", [None, 1 << 31])):
        with_config(dense, lambda c, s=shape: layer(c, "features")["config"].update(batch_shape=s),
                    f"input_shape_{label}.keras")
    for label, value in (("negative", -3), ("zero", 0), ("huge", 1 << 40), ("string", "three"),
                         ("float", 3.5), ("bool", True)):
        with_config(dense, set_field("hidden", "units", value), f"dense_units_{label}.keras")
    with_config(dense, set_field("hidden", "activation", "frobnicate"), "unknown_activation.keras")
    with_config(dense, set_field("hidden", "use_bias", "yes"), "use_bias_string.keras")
    for label, field, value in (("strides_zero", "strides", [0, 0]),
                                ("kernel_zero", "kernel_size", [0, 0]),
                                ("kernel_negative", "kernel_size", [-3, -3]),
                                ("kernel_huge", "kernel_size", [1 << 20, 1 << 20]),
                                ("dilation_zero", "dilation_rate", [0, 0]),
                                ("filters_negative", "filters", -4),
                                ("padding_unknown", "padding", "sideways")):
        with_config(vision, set_field("conv", field, value), f"conv2d_{label}.keras")
    with_config(vision, set_field("pool", "pool_size", [0, 0]), "pool_size_zero.keras")
    with_config(vision, set_field("pool", "strides", [0, 0]), "pool_strides_zero.keras")
    with_config(vision, set_field("up", "size", [1 << 20, 1 << 20]), "upsampling_huge.keras")
    with_config(vision, set_field("up", "size", [0, 0]), "upsampling_zero.keras")
    with_config(vision, set_field("pad", "padding", [[1 << 30, 1], [1, 1]]), "zero_padding_huge.keras")
    with_config(vision, set_field("pad", "padding", [[-5, 1], [1, 1]]), "zero_padding_negative.keras")
    with_config(vision, set_field("crop", "cropping", [[9, 9], [1, 1]]), "cropping_everything.keras")
    with_config(vision, set_field("flat", "target_shape", [7]), "reshape_wrong_count.keras")
    with_config(vision, set_field("flat", "target_shape", [-1, -1]), "reshape_two_unknown.keras")
    with_config(vision, set_field("flat", "target_shape", [0, 256]), "reshape_zero.keras")
    with_config(vision, set_field("repeat", "n", 1 << 40), "repeat_vector_huge.keras")
    with_config(vision, set_field("repeat", "n", -2), "repeat_vector_negative.keras")
    with_config(text, set_field("embed", "input_dim", 0), "embedding_input_dim_zero.keras")
    with_config(text, set_field("embed", "output_dim", 1 << 40), "embedding_output_dim_huge.keras")
    with_config(text, set_field("lstm", "units", 0), "lstm_units_zero.keras")
    with_config(text, set_field("lstm", "activation", 5), "lstm_activation_number.keras")

    # The HDF5 weights.
    write("weights_not_hdf5.keras", zip_of({**files, "model.weights.h5": b"\x89HDF\r\n\x1a\n" + b"\0" * 512}))
    write("weights_truncated.keras",
          zip_of({**files, "model.weights.h5": files["model.weights.h5"][:2000]}))
    kernel = "layers/dense/vars/0"

    def replace(path, data):
        def mutate(h5):
            del h5[path]
            h5[path] = data
        return mutate
    with_weights(dense, replace(kernel, np.zeros((4, 3), np.int32)), "weights_int_kernel.keras")
    with_weights(dense, replace(kernel, np.array([b"ab", b"cd"])), "weights_string_kernel.keras")
    with_weights(dense, replace(kernel, np.zeros((4, 3, 1), np.float32)), "weights_wrong_rank.keras")
    with_weights(dense, replace(kernel, np.zeros((12,), np.float32)), "weights_flattened.keras")
    with_weights(dense, replace(kernel, np.float32(1.0)), "weights_scalar.keras")
    with_weights(dense, lambda h5: h5.__delitem__("layers/dense/vars"), "weights_group_missing.keras")

    # Legacy .h5.
    write("h5_truncated.h5", dense_h5[: len(dense_h5) // 3])
    write("h5_not_hdf5.h5", b"\x89HDF\r\n\x1a\n" + np.random.default_rng(1).bytes(1024))
    buf = io.BytesIO(dense_h5)
    with h5py.File(buf, "r+") as h5:
        del h5.attrs["model_config"]
        h5.attrs["model_config"] = np.arange(4)
    write("h5_config_not_string.h5", buf.getvalue())
    buf = io.BytesIO(dense_h5)
    with h5py.File(buf, "r+") as h5:
        h5.attrs["model_config"] = "[" * 50000 + "]" * 50000
    write("h5_config_deep.h5", buf.getvalue())
    buf = io.BytesIO(dense_h5)
    with h5py.File(buf, "r+") as h5:
        h5.attrs["model_config"] = "{"
    write("h5_config_bad_json.h5", buf.getvalue())


if __name__ == "__main__":
    main()
