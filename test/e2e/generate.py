"""Builds the end-to-end test models with real Keras and records Keras's
own predictions as the reference.

usage:
  python generate.py --list            print the case names (no Keras import)
  python generate.py --out DIR [--shard K/N] [CASE]  write DIR/<case>/{model.keras, model.h5, args.txt,
                                       inputs/<input>.npy, expected/<output>.npy}

Every case is a small model with seeded random weights (biases too, so they
are exercised). Inputs hold several samples, so the compiled batch is run in
chunks; some cases compile with --batch > 1 and a sample count that leaves a
partial chunk.
"""
import argparse
import json
import os
import shutil
import sys

# Every Keras 3 activation that can be named by a string.
ACTIVATIONS = [
    "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish",
    "hard_sigmoid", "hard_silu", "hard_swish", "sigmoid", "tanh", "softplus",
    "softsign", "exponential", "linear", "celu", "glu", "mish", "softmax",
    "log_softmax", "log_sigmoid", "sparsemax", "squareplus", "soft_shrink",
    "hard_shrink", "hard_tanh", "tanh_shrink", "sparse_plus", "sparse_sigmoid",
]


RANDOM_DAGS = 200

TUTORIALS = ["numeric_and_image", "regression_and_classification", "skip_connection",
             "siamese", "branching", "autoencoder", "ensemble", "conditioning"]

# Cases whose model Keras itself cannot reload from a legacy .h5 file.
KERAS_ONLY = {"raw_ops", "raw_ops_batch2"}

# Activations the random DAGs draw from (bounded or gently growing).
DAG_ACTIVATIONS = ["relu", "tanh", "sigmoid", "gelu", "silu", "elu", "softplus",
                   "linear", "hard_sigmoid", "softsign", "leaky_relu", "selu"]


def random_dag(seed):
    """A random Functional model whose graph exercises topology, not layers."""
    import random

    import keras
    from keras import layers

    rng = random.Random(seed)
    init = {"bias_initializer": keras.initializers.RandomNormal(stddev=0.5)}
    width = lambda t: t.shape[-1]  # noqa: E731
    inputs = [keras.Input(shape=(rng.randint(1, 12),), name=f"in_{i}")
              for i in range(rng.randint(1, 3))]
    pool = list(inputs)
    unused = list(inputs)
    shared = []

    def pick():
        if unused and rng.random() < 0.6:
            return unused.pop(rng.randrange(len(unused)))
        t = rng.choice(pool)
        if t in unused:
            unused.remove(t)
        return t

    def project(t, w):
        return t if width(t) == w else layers.Dense(w, activation=rng.choice(DAG_ACTIVATIONS), **init)(t)

    for _ in range(rng.randint(3, 9)):
        kind = rng.choice(["dense", "dense", "shared", "merge", "merge", "concat",
                           "nested", "dropout", "activation"])
        t = pick()
        if kind == "dense":
            out = layers.Dense(rng.randint(1, 16), activation=rng.choice(DAG_ACTIVATIONS),
                               use_bias=rng.random() < 0.8, **init)(t)
        elif kind == "shared":
            reusable = [(l, w) for l, w in shared if w == width(t)]
            if reusable and rng.random() < 0.7:
                out = rng.choice(reusable)[0](t)
            else:
                layer = layers.Dense(rng.randint(1, 16), activation=rng.choice(DAG_ACTIVATIONS), **init)
                shared.append((layer, width(t)))
                out = layer(t)
        elif kind == "merge":
            merge = rng.choice([layers.Add, layers.Subtract, layers.Multiply, layers.Average,
                                layers.Maximum, layers.Minimum])
            n = 2 if merge is layers.Subtract else rng.randint(2, 3)
            operands = [t] + [project(pick(), width(t)) for _ in range(n - 1)]
            out = merge()(operands)
        elif kind == "concat":
            out = layers.Concatenate()([t] + [pick() for _ in range(rng.randint(1, 2))])
        elif kind == "nested":
            hidden_units, out_units = rng.randint(2, 10), rng.randint(1, 8)
            act = rng.choice(DAG_ACTIVATIONS)
            if rng.random() < 0.5:
                sub_in = keras.Input(shape=(width(t),))
                hidden = layers.Dense(hidden_units, activation=act, **init)(sub_in)
                sub = keras.Model(sub_in, layers.Dense(out_units, **init)(hidden))
            else:
                sub = keras.Sequential([keras.Input(shape=(width(t),)),
                                        layers.Dense(hidden_units, activation=act, **init),
                                        layers.Dense(out_units, **init)])
            out = sub(t)
            if rng.random() < 0.4:  # the same submodel again: shared weights
                pool.append(out)
                out = sub(project(pick(), width(t)))
        elif kind == "dropout":
            out = layers.Dropout(0.3)(t)
        else:
            out = layers.Activation(rng.choice(DAG_ACTIVATIONS))(t)
        pool.append(out)
    last = pool[-1]
    if unused:  # every input must reach an output
        last = layers.Concatenate()([last] + unused)
    outputs = [last]
    for t in rng.sample(pool, min(len(pool), rng.randint(0, 2))):
        names = {o._keras_history.operation.name for o in outputs}
        if t._keras_history.operation.name not in names:
            outputs.append(t)
    return keras.Model(inputs, outputs, name=f"dag_{seed}")


def cases():
    """name -> (builder, kwargs, compile args, samples)."""
    c = {}
    c["mlp_guide"] = ("guide_mlp", {}, [], 3)
    for width in (1, 7, 33, 130):
        for depth in (1, 3):
            c[f"functional_w{width}_d{depth}"] = (
                "functional_mlp", {"width": width, "depth": depth, "use_bias": True}, [], 3)
    c["functional_no_bias"] = ("functional_mlp", {"width": 20, "depth": 2, "use_bias": False}, [], 3)
    c["functional_mixed_bias"] = ("mixed_bias_mlp", {}, [], 3)
    c["sequential_with_input"] = ("sequential_mlp", {"with_input": True}, [], 3)
    c["sequential_built"] = ("sequential_mlp", {"with_input": False}, [], 3)
    c["sequential_no_bias"] = ("sequential_mlp", {"with_input": True, "use_bias": False}, [], 3)
    c["inference_noops"] = ("noop_mlp", {}, [], 3)
    c["dense_rank3"] = ("rank3_mlp", {}, [], 3)
    c["batch4_partial"] = ("functional_mlp", {"width": 9, "depth": 2, "use_bias": True}, ["--batch", "4"], 10)
    c["batch3_exact"] = ("sequential_mlp", {"with_input": True}, ["--batch", "3"], 6)
    # Topology: several inputs and outputs, shared layers, merges.
    c["two_in_two_out_shared"] = ("two_in_two_out", {}, [], 3)
    c["two_in_two_out_batch2"] = ("two_in_two_out", {}, ["--batch", "2"], 5)
    c["merge_all_kinds"] = ("merge_all", {}, [], 3)
    c["merge_rank_broadcast"] = ("merge_rank", {}, [], 3)
    c["concat_axes"] = ("concat_axes", {}, [], 3)
    c["dot_layers"] = ("dot_layers", {}, [], 3)
    # --outputs exposes intermediate layers, as model.get_layer(name).output.
    c["feature_extraction"] = ("two_in_two_out", {}, ["--outputs", "shared,concat"], 3)
    c["flatten_reshape"] = ("flatten_reshape", {}, [], 3)
    c["dict_inputs_outputs"] = ("dict_io", {}, [], 3)
    c["outputs_input_and_twice"] = ("outputs_edge", {}, [], 3)
    c["shared_layer_three_calls"] = ("shared_three", {}, [], 3)
    # The architectures of the functional-API tutorials (samples/functional-api).
    for name in TUTORIALS:
        c[f"tutorial_{name}"] = ("tutorial", {"name": name}, [], 3)
    # Raw operations recorded in functional configs.
    # Keras cannot load raw ops back from a legacy .h5, so these are
    # .keras-only (see KERAS_ONLY).
    c["raw_ops"] = ("raw_ops", {}, [], 3)
    c["raw_ops_batch2"] = ("raw_ops", {}, ["--batch", "2"], 3)
    # Nested models.
    c["nested_autoencoder"] = ("autoencoder", {}, [], 3)
    c["nested_ensemble"] = ("ensemble", {}, [], 3)
    c["nested_shared_submodel"] = ("shared_submodel", {}, [], 3)
    c["nested_three_deep"] = ("three_deep", {}, [], 3)
    for name in ACTIVATIONS:
        c[f"act_{name}"] = ("activation_mlp", {"activation": name}, [], 4)
    # Seeded random layer DAGs: shared layers, nested models, merges,
    # several inputs and outputs.
    for seed in range(RANDOM_DAGS):
        c[f"dag_{seed:03d}"] = ("random_dag", {"seed": seed}, [], 2)
    # Straight on the inputs, where their spread gives sparse but nonzero
    # outputs and softmax axes of odd length.
    for name in ("sparsemax", "softmax", "log_softmax", "glu"):
        c[f"act_{name}_on_input"] = ("activation_only", {"activation": name}, [], 16)
    return c


def build(kind, kw):
    import keras
    from keras import layers

    init = {"kernel_initializer": "glorot_uniform",
            "bias_initializer": keras.initializers.RandomNormal(stddev=0.5)}

    if kind == "guide_mlp":
        inputs = keras.Input(shape=(784,), name="digits")
        x = layers.Dense(64, activation="relu", **init)(inputs)
        x = layers.Dense(64, activation="relu", **init)(x)
        outputs = layers.Dense(10, activation="softmax", name="predictions", **init)(x)
        return keras.Model(inputs, outputs, name="mnist_model")
    if kind == "functional_mlp":
        inputs = keras.Input(shape=(13,), name="x")
        x = inputs
        for i in range(kw["depth"]):
            x = layers.Dense(kw["width"], activation="tanh", use_bias=kw["use_bias"], **init)(x)
        outputs = layers.Dense(5, use_bias=kw["use_bias"], name="y", **init)(x)
        return keras.Model(inputs, outputs)
    if kind == "mixed_bias_mlp":
        inputs = keras.Input(shape=(11,), name="x")
        x = layers.Dense(17, activation="relu", use_bias=False, **init)(inputs)
        x = layers.Dense(9, activation="sigmoid", **init)(x)
        outputs = layers.Dense(4, use_bias=False, name="out", **init)(x)
        return keras.Model(inputs, outputs)
    if kind == "sequential_mlp":
        use_bias = kw.get("use_bias", True)
        stack = [layers.Dense(10, activation="elu", use_bias=use_bias, **init),
                 layers.Dense(6, activation="softmax", use_bias=use_bias, **init)]
        if kw["with_input"]:
            return keras.Sequential([keras.Input(shape=(7,), name="seq_input")] + stack)
        model = keras.Sequential(stack)
        model.build((None, 7))
        return model
    if kind == "noop_mlp":
        inputs = keras.Input(shape=(12,), name="x")
        x = layers.Dense(16, activation="relu", **init)(inputs)
        x = layers.Dropout(0.5)(x)
        x = layers.GaussianNoise(0.3)(x)
        x = layers.Dense(16, **init)(x)
        x = layers.GaussianDropout(0.2)(x)
        x = layers.AlphaDropout(0.1)(x)
        x = layers.Activation("linear")(x)
        x = layers.Identity()(x)
        x = layers.ActivityRegularization(l1=0.01)(x)
        outputs = layers.Dense(3, activation="softmax", name="out", **init)(x)
        return keras.Model(inputs, outputs)
    if kind == "rank3_mlp":
        inputs = keras.Input(shape=(5, 12), name="seq")
        x = layers.Dense(8, activation="gelu", **init)(inputs)
        x = layers.SpatialDropout1D(0.3)(x)
        x = layers.Dense(4, activation="softmax", **init)(x)
        return keras.Model(inputs, x)
    if kind == "activation_mlp":
        act = kw["activation"]
        inputs = keras.Input(shape=(12,), name="x")
        # Keras's own shape inference does not know that glu halves the
        # axis, so a Dense(activation="glu") cannot feed another layer.
        x = layers.Dense(16, activation=act if act != "glu" else "linear", **init)(inputs)
        x = layers.Dense(6, **init)(x)
        outputs = layers.Activation(act, name="out")(x)
        return keras.Model(inputs, outputs)
    if kind == "two_in_two_out":
        # The worked example of docs/keras-format.md: a Dense shared by two
        # inputs, a skip connection, two outputs.
        in_a = keras.Input(shape=(8,), name="in_a")
        in_b = keras.Input(shape=(8,), name="in_b")
        shared = layers.Dense(8, activation="relu", name="shared", **init)
        s_a, s_b = shared(in_a), shared(in_b)
        skip = layers.Add(name="skip_add")([s_a, in_a])
        out1 = layers.Dense(1, name="out1", **init)(skip)
        out2 = layers.Dense(3, activation="softmax", name="out2", **init)(
            layers.Concatenate(name="concat")([skip, s_b]))
        return keras.Model([in_a, in_b], [out1, out2], name="two_in_two_out")
    if kind == "merge_all":
        a = keras.Input(shape=(6,), name="a")
        b = keras.Input(shape=(6,), name="b")
        c = keras.Input(shape=(1,), name="c")
        merged = [
            layers.Add()([a, b, c]),
            layers.Subtract()([a, b]),
            layers.Multiply()([a, c, b]),
            layers.Average()([a, b, c]),
            layers.Maximum()([a, b, c]),
            layers.Minimum()([c, a]),
        ]
        x = layers.Concatenate()(merged)
        return keras.Model([a, b, c], layers.Dense(4, name="out", **init)(x))
    if kind == "merge_rank":
        seq = keras.Input(shape=(4, 6), name="seq")
        vec = keras.Input(shape=(6,), name="vec")
        x = layers.Add()([seq, vec])
        y = layers.Multiply()([layers.Dense(1, **init)(vec), seq])
        return keras.Model([seq, vec], layers.Maximum(name="out")([x, y]))
    if kind == "concat_axes":
        a = keras.Input(shape=(3, 4), name="a")
        b = keras.Input(shape=(3, 2), name="b")
        c = keras.Input(shape=(5, 4), name="c")
        last = layers.Concatenate(axis=-1, name="last")([a, b])
        middle = layers.Concatenate(axis=1, name="middle")([a, c, a])
        return keras.Model([a, b, c], [last, middle])
    if kind == "dict_io":
        a = keras.Input(shape=(3,), name="a_in")
        b = keras.Input(shape=(2,), name="b_in")
        h = layers.Concatenate()([b, a])
        return keras.Model({"b_in": b, "a_in": a},
                           {"zeta": layers.Dense(1, name="z", **init)(h),
                            "alpha": layers.Dense(2, name="al", **init)(h)})
    if kind == "flatten_reshape":
        x = keras.Input(shape=(3, 4, 5), name="x")
        first = layers.Flatten(data_format="channels_first", name="flat_cf")(x)
        last = layers.Flatten(name="flat_cl")(x)
        r = layers.Reshape((-1, 4), name="reshaped")(layers.Dense(8, **init)(last))
        return keras.Model(x, [first, layers.Dense(3, name="out", **init)(r)])
    if kind == "dot_layers":
        a = keras.Input(shape=(5,), name="a")
        b = keras.Input(shape=(5,), name="b")
        s = keras.Input(shape=(3, 4), name="s")
        t = keras.Input(shape=(6, 4), name="t")
        u = keras.Input(shape=(4, 2), name="u")
        v = keras.Input(shape=(3, 2), name="v")
        return keras.Model([a, b, s, t, u, v], [
            layers.Dot(axes=1, name="dot_vec")([a, b]),
            layers.Dot(axes=-1, normalize=True, name="cosine")([a, b]),
            layers.Dot(axes=(2, 2), name="dot_seq")([s, t]),
            layers.Dot(axes=(1, 1), normalize=True, name="dot_seq_norm")([s, v]),
            layers.Dot(axes=(2, 1), name="dot_mat")([s, u]),
            layers.Dot(axes=(1, 1), name="dot_vec_seq")([layers.Dense(3, **init)(a), s]),
        ])
    if kind == "outputs_edge":
        x = keras.Input(shape=(5,), name="x")
        y = layers.Dense(4, activation="tanh", name="y", **init)(x)
        return keras.Model(x, [x, y, y])
    if kind == "shared_three":
        x = keras.Input(shape=(6,), name="x")
        shared = layers.Dense(6, activation="sigmoid", name="shared", **init)
        out = shared(shared(shared(x)))
        return keras.Model(x, layers.Subtract(name="out")([out, x]))
    if kind == "autoencoder":
        # An encoder and a decoder model chained into an autoencoder.
        enc_in = keras.Input(shape=(16,), name="enc_in")
        code = layers.Dense(4, activation="relu", name="code", **init)(
            layers.Dense(8, activation="relu", **init)(enc_in))
        encoder = keras.Model(enc_in, code, name="encoder")
        dec_in = keras.Input(shape=(4,), name="dec_in")
        decoded = layers.Dense(16, activation="sigmoid", name="recon", **init)(
            layers.Dense(8, activation="relu", **init)(dec_in))
        decoder = keras.Model(dec_in, decoded, name="decoder")
        x = keras.Input(shape=(16,), name="image")
        return keras.Model(x, decoder(encoder(x)), name="autoencoder")
    if kind == "ensemble":
        def member(i):
            inp = keras.Input(shape=(10,))
            return keras.Model(inp, layers.Dense(3, activation="softmax", **init)(
                layers.Dense(6, activation="tanh", **init)(inp)), name=f"member_{i}")
        x = keras.Input(shape=(10,), name="x")
        outs = [member(i)(x) for i in range(3)]
        return keras.Model(x, layers.Average(name="ensemble")(outs))
    if kind == "shared_submodel":
        # One Sequential submodel applied to two inputs: one set of weights.
        tower = keras.Sequential([keras.Input(shape=(7,)),
                                  layers.Dense(5, activation="elu", **init),
                                  layers.Dense(3, **init)], name="tower")
        a = keras.Input(shape=(7,), name="a")
        b = keras.Input(shape=(7,), name="b")
        ta, tb = tower(a), tower(b)
        return keras.Model([a, b], [layers.Subtract(name="diff")([ta, tb]), ta])
    if kind == "three_deep":
        inner_in = keras.Input(shape=(6,))
        inner = keras.Model(inner_in, layers.Dense(6, activation="relu", **init)(inner_in),
                            name="inner")
        mid_in = keras.Input(shape=(6,))
        mid = keras.Model(mid_in, layers.Add()([inner(mid_in), mid_in]), name="middle")
        outer_in = keras.Input(shape=(6,))
        outer = keras.Model(outer_in, layers.Dense(2, **init)(mid(outer_in)), name="outer")
        x = keras.Input(shape=(6,), name="x")
        return keras.Model(x, outer(x), name="top")
    if kind == "raw_ops":
        from keras import ops
        x = keras.Input(shape=(4, 6), name="x")
        y = keras.Input(shape=(6,), name="y")
        a = x + y[:, None, :]
        b = ops.multiply(a, 2.0) - ops.divide(x, 3)
        e = ops.sum(x, axis=1)
        f = ops.mean(x, axis=-1, keepdims=True)
        k = ops.sqrt(ops.abs(e)) + ops.exp(-ops.square(e)) - ops.log(ops.abs(e) + 1)
        outputs = {
            "reshape": ops.reshape(b, (-1, 24)),
            "transpose": ops.transpose(x, (0, 2, 1)),
            "mean": f * 1.0,
            "items": ops.concatenate([x[:, 0], x[:, -1, ::2], x[..., 1]], axis=-1),
            "slice": x[:, 1:3, ::2],
            "matmul": ops.matmul(x, ops.transpose(x, (0, 2, 1))),
            "shared_rhs": ops.matmul(x, layers.Dense(6, **init)(y)[:, :, None]),
            "funcs": k,
            "minmax": ops.maximum(ops.max(x, axis=(1, 2), keepdims=True), ops.min(x, axis=1)[:, None, :]),
            "rsub": 1.0 - e,
        }
        named = [layers.Identity(name="out_" + name)(t) for name, t in outputs.items()]
        return keras.Model([x, y], named)
    if kind == "tutorial":
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", "..", "samples", "functional-api"))
        import models
        return models.ARCHITECTURES[kw["name"]]()
    if kind == "random_dag":
        return random_dag(kw["seed"])
    if kind == "activation_only":
        inputs = keras.Input(shape=(10,), name="x")
        return keras.Model(inputs, layers.Activation(kw["activation"], name="out")(inputs))
    raise ValueError(kind)


def generate(out, only=None, shard=(0, 1)):
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import absl.logging
    import keras

    absl.logging.set_verbosity(absl.logging.ERROR)  # the legacy-format warning
    import numpy as np

    for index, (name, (kind, kw, args, samples)) in enumerate(sorted(cases().items())):
        if (only and name != only) or index % shard[1] != shard[0]:
            continue
        keras.utils.set_random_seed(1000 + index)
        model = build(kind, kw)
        case_dir = os.path.join(out, name)
        shutil.rmtree(case_dir, ignore_errors=True)  # no stale references
        os.makedirs(os.path.join(case_dir, "inputs"), exist_ok=True)
        os.makedirs(os.path.join(case_dir, "expected"), exist_ok=True)
        rng = np.random.default_rng(index)
        inputs = [rng.normal(0.0, 1.5, size=(samples,) + tuple(t.shape[1:])).astype("float32")
                  for t in model.inputs]
        # Inputs and outputs go by their dict keys when the model was built
        # with dicts (in sorted key order, as model.inputs lists them), else
        # by the names of their layers.
        in_struct = getattr(model, "_inputs_struct", None)
        if isinstance(in_struct, dict):
            input_names = sorted(in_struct)
            feed = dict(zip(input_names, inputs))
        else:
            input_names = [t._keras_history.operation.name for t in model.inputs]
            feed = inputs if len(inputs) > 1 else inputs[0]
        outputs = model.predict(feed, verbose=0)
        if isinstance(outputs, dict):
            output_names = sorted(outputs)
            outputs = [outputs[k] for k in output_names]
        else:
            outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
            output_names = [t._keras_history.operation.name for t in model.outputs]
        model.save(os.path.join(case_dir, "model.keras"))
        if name not in KERAS_ONLY:
            model.save(os.path.join(case_dir, "model.h5"))  # the legacy format too
        for in_name, x in zip(input_names, inputs):
            np.save(os.path.join(case_dir, "inputs", in_name + ".npy"), x)
        for out_name, y in zip(output_names, outputs):
            np.save(os.path.join(case_dir, "expected", out_name + ".npy"), np.asarray(y))
        if "--outputs" in args:  # Keras's own feature extractor is the reference
            layer_names = args[args.index("--outputs") + 1].split(",")
            extractor = keras.Model(model.inputs,
                                    [model.get_layer(n).output for n in layer_names])
            features = extractor.predict(feed, verbose=0)
            for layer_name, y in zip(layer_names, features):
                np.save(os.path.join(case_dir, "expected", layer_name + ".npy"), np.asarray(y))
        # What model.summary() counts, for comparison with `kiln summary`.
        count = lambda weights: int(sum(np.prod(w.shape) for w in weights))  # noqa: E731
        summary = {
            "total_params": model.count_params(),
            "trainable_params": count(model.trainable_weights),
            "non_trainable_params": count(model.non_trainable_weights),
            "layers": {layer.name: layer.count_params() for layer in model.layers},
        }
        with open(os.path.join(case_dir, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1)
        with open(os.path.join(case_dir, "args.txt"), "w") as f:
            f.write(" ".join(args) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--out")
    parser.add_argument("--shard", default="0/1", help="K/N: every N-th case from the K-th")
    parser.add_argument("case", nargs="?")
    opts = parser.parse_args()
    if opts.list:
        # name@keras marks a case tested from the .keras file only.
        print(";".join(n + ("@keras" if n in KERAS_ONLY else "") for n in sorted(cases())))
        return 0
    if not opts.out:
        parser.error("--out is required")
    k, n = (int(v) for v in opts.shard.split("/"))
    generate(opts.out, opts.case, (k, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
