"""Builds the end-to-end test models with real Keras and records Keras's
own predictions as the reference.

usage:
  python generate.py --list [--extended]  print the case names (no Keras import)
  python generate.py --out DIR [--shard K/N] [--extended] [CASE]  write DIR/<case>/{model.keras, model.h5, args.txt,
                                       inputs/<input>.npy, expected/<output>.npy, stamp}
                                       skipping the cases whose stamp is current (reference_stamp.py)

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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_stamp  # noqa: E402
import sequence_cases  # noqa: E402

# The files a case's references depend on (besides the pinned oracle).
SOURCES = [os.path.join(os.path.dirname(os.path.abspath(__file__)), script)
           for script in ("generate.py", "sequence_cases.py")]

# Every Keras 3 activation that can be named by a string.
ACTIVATIONS = [
    "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish",
    "hard_sigmoid", "hard_silu", "hard_swish", "sigmoid", "tanh", "softplus",
    "softsign", "exponential", "linear", "celu", "glu", "mish", "softmax",
    "log_softmax", "log_sigmoid", "sparsemax", "squareplus", "soft_shrink",
    "hard_shrink", "hard_tanh", "tanh_shrink", "sparse_plus", "sparse_sigmoid",
]


RANDOM_DAGS = 200
# The default run takes the first DEFAULT_DAGS of them, which keeps it inside
# its time budget; --extended (CMake: -DKILN_E2E_EXTENDED=ON) all of them.
# Every case keeps its seed either way: seeds come from the full case list.
DEFAULT_DAGS = 80


def extended_only(name):
    return name.startswith("dag_") and int(name[len("dag_"):]) >= DEFAULT_DAGS

# Conv2D configs: odd sizes, every padding, strides, dilations, groups,
# kernels 1-7, channel counts that are not multiples of the SIMD width.
CONV2D_SWEEP = [
    dict(filters=6, kernel_size=3, padding="valid"),
    dict(filters=6, kernel_size=3, padding="same"),
    dict(filters=7, kernel_size=(3, 5), strides=2, padding="same"),
    dict(filters=7, kernel_size=3, strides=(2, 3), padding="valid", activation="relu"),
    dict(filters=5, kernel_size=3, dilation_rate=2, padding="same"),
    dict(filters=5, kernel_size=(2, 3), dilation_rate=(2, 1), padding="valid"),
    dict(filters=6, kernel_size=1, use_bias=False),
    dict(filters=4, kernel_size=5, padding="same", activation="gelu"),
    dict(filters=3, kernel_size=7, strides=2, padding="same", activation="sigmoid"),
    dict(filters=6, kernel_size=3, groups=2, padding="same"),
    dict(filters=9, kernel_size=3, groups=3, strides=2, padding="valid", use_bias=False),
    dict(filters=4, kernel_size=4, strides=3, padding="same", activation="softmax"),
]
CONV1D_SWEEP = [
    dict(filters=5, kernel_size=3, padding="valid"),
    dict(filters=5, kernel_size=3, padding="same", strides=2),
    dict(filters=4, kernel_size=3, padding="causal", dilation_rate=2, activation="relu"),
    dict(filters=6, kernel_size=2, padding="causal"),
    dict(filters=6, kernel_size=5, groups=3, padding="same", use_bias=False),
]
TRANSPOSE_SWEEP = [
    dict(filters=4, kernel_size=3, strides=1, padding="valid"),
    dict(filters=4, kernel_size=3, strides=2, padding="same"),
    dict(filters=5, kernel_size=3, strides=2, padding="valid"),
    dict(filters=3, kernel_size=(2, 3), strides=(2, 3), padding="same", activation="relu"),
    dict(filters=4, kernel_size=3, strides=2, padding="same", output_padding=1),
    dict(filters=4, kernel_size=4, strides=3, padding="valid", output_padding=(1, 2)),
    dict(filters=3, kernel_size=3, dilation_rate=2, padding="same", use_bias=False),
    dict(filters=5, kernel_size=1, strides=2, padding="valid"),
]
POOL_SWEEP = [
    dict(kind="max", dims=2, pool_size=2),
    dict(kind="max", dims=2, pool_size=3, strides=2, padding="same"),
    dict(kind="avg", dims=2, pool_size=2, padding="valid"),
    dict(kind="avg", dims=2, pool_size=3, strides=2, padding="same"),
    dict(kind="avg", dims=2, pool_size=(2, 3), strides=(1, 2), padding="same"),
    dict(kind="max", dims=1, pool_size=3, strides=2, padding="same"),
    dict(kind="avg", dims=1, pool_size=2, padding="same"),
    dict(kind="avg", dims=1, pool_size=3, strides=1, padding="valid"),
]

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


def write_summary(model, case_dir):
    """What model.summary() counts, for comparison with `kiln summary`."""
    import numpy as np
    count = lambda weights: int(sum(np.prod(w.shape) for w in weights))  # noqa: E731
    summary = {
        "total_params": model.count_params(),
        "trainable_params": count(model.trainable_weights),
        "non_trainable_params": count(model.non_trainable_weights),
        "layers": {layer.name: layer.count_params() for layer in model.layers},
    }
    with open(os.path.join(case_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)


def load_sample(folder):
    """samples/<folder>/models.py as a module."""
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples",
                        folder, "models.py")
    spec = importlib.util.spec_from_file_location("kiln_sample_" + folder.replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def randomize_statistics(model, rng):
    """Gives every BatchNormalization (nested ones too) non-trivial moving
    statistics and scale, so inference actually uses them. The scale stays
    at most 1 so that deep random networks (EfficientNet) do not amplify
    activations by orders of magnitude, which would test float32 rounding
    rather than kiln."""
    ranges = {"gamma": (0.5, 1.0), "moving_variance": (0.5, 2.0)}
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if layer.__class__.__name__ == "BatchNormalization":
            layer.set_weights([
                rng.uniform(*ranges[w.name], size=w.shape) if w.name in ranges
                else rng.normal(0.0, 0.5, size=w.shape)
                for w in layer.weights])


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
    # Equal weights in different layers (kiln stores one copy, CSE merges
    # the equal branches) and skip connections fused into Dense.
    c["identical_weights"] = ("identical_weights", {}, [], 3)
    # The architectures of the functional-API tutorials (samples/functional-api).
    for name in TUTORIALS:
        c[f"tutorial_{name}"] = ("tutorial", {"name": name}, [], 3)
    # Raw operations recorded in functional configs.
    # Keras cannot load raw ops back from a legacy .h5, so these are
    # .keras-only (see KERAS_ONLY).
    c["raw_ops"] = ("raw_ops", {}, [], 3)
    c["raw_ops_batch2"] = ("raw_ops", {}, ["--batch", "2"], 3)
    # Vision layers: per-layer sweeps over their config space.
    for i, cfg in enumerate(CONV2D_SWEEP):
        c[f"conv2d_{i:02d}"] = ("conv2d", cfg, [], 2)
    for i, cfg in enumerate(CONV1D_SWEEP):
        c[f"conv1d_{i:02d}"] = ("conv1d", cfg, [], 2)
    for i, cfg in enumerate(TRANSPOSE_SWEEP):
        c[f"conv2d_transpose_{i:02d}"] = ("conv2d_transpose", cfg, [], 2)
    for i, cfg in enumerate(POOL_SWEEP):
        c[f"pool_{i:02d}"] = ("pool", cfg, [], 2)
    for name in ["depthwise_separable", "global_pools", "padding_cropping", "upsampling",
                 "batch_norm", "layer_norm", "rescaling_normalization", "activation_layers",
                 "permute_repeat", "input_affine_folds"]:
        c[f"layers_{name}"] = (name, {}, [], 3)
    c["vision_batch2"] = ("conv2d", CONV2D_SWEEP[3], ["--batch", "2"], 3)
    for name in ["toy_resnet", "conv_autoencoder", "conv1d_sequence", "small_unet"]:
        c[f"vision_{name}"] = ("vision_sample", {"name": name}, [], 2)
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
    c.update(sequence_cases.cases())
    # Straight on the inputs, where their spread gives sparse but nonzero
    # outputs and softmax axes of odd length.
    for name in ("sparsemax", "softmax", "log_softmax", "glu"):
        c[f"act_{name}_on_input"] = ("activation_only", {"activation": name}, [], 16)
    return c


def build(kind, kw):
    """The Keras model of a case and the per-sample shapes that fix its
    inputs' open (None) axes."""
    if kind.startswith("seq_"):
        return sequence_cases.build(kind, kw, load_sample)
    return build_fixed(kind, kw), {}


def build_fixed(kind, kw):
    import keras
    import numpy as np
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
    if kind == "identical_weights":
        x = keras.Input(shape=(6,), name="x")
        twins = [layers.Dense(6, name=f"twin{i}", **init) for i in range(3)]
        other = layers.Dense(6, name="other", **init)
        branches = [twin(x) for twin in twins] + [other(x)]
        for twin in twins[1:]:
            twin.set_weights(twins[0].get_weights())
        # Dense + skip, then relu: a residual epilogue with an activation.
        added = layers.Add(name="sum")(branches + [x])
        return keras.Model(x, layers.Activation("relu", name="relu")(
            layers.Add(name="skip")([layers.Dense(6, name="last", **init)(added), added])))
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
    if kind == "vision_sample":
        return load_sample("vision").ARCHITECTURES[kw["name"]]()
    if kind == "tutorial":
        return load_sample("functional-api").ARCHITECTURES[kw["name"]]()
    if kind == "conv2d":
        x = keras.Input(shape=(11, 9, 5 if kw.get("groups", 1) == 1 else 6), name="x")
        return keras.Model(x, layers.Conv2D(name="out", **init, **kw)(x))
    if kind == "conv1d":
        x = keras.Input(shape=(13, 6), name="x")
        return keras.Model(x, layers.Conv1D(name="out", **init, **kw)(x))
    if kind == "conv2d_transpose":
        x = keras.Input(shape=(5, 7, 3), name="x")
        return keras.Model(x, layers.Conv2DTranspose(name="out", **init, **kw)(x))
    if kind == "pool":
        kw = dict(kw)
        pool = {("max", 2): layers.MaxPooling2D, ("avg", 2): layers.AveragePooling2D,
                ("max", 1): layers.MaxPooling1D, ("avg", 1): layers.AveragePooling1D}[
                    (kw.pop("kind"), kw.pop("dims"))]
        shape = (9, 11, 5) if pool in (layers.MaxPooling2D, layers.AveragePooling2D) else (13, 5)
        x = keras.Input(shape=shape, name="x")
        return keras.Model(x, pool(name="out", **kw)(x))
    if kind == "depthwise_separable":
        binit = {"bias_initializer": init["bias_initializer"]}
        x = keras.Input(shape=(10, 9, 4), name="x")
        s1 = keras.Input(shape=(12, 5), name="s")
        return keras.Model([x, s1], [
            layers.DepthwiseConv2D(3, padding="same", name="dw", **binit)(x),
            layers.DepthwiseConv2D((3, 2), strides=2, depth_multiplier=2, activation="relu",
                                   name="dw2", **binit)(x),
            layers.SeparableConv2D(6, 3, padding="same", depth_multiplier=2, name="sep", **binit)(x),
            layers.SeparableConv2D(5, 3, strides=2, dilation_rate=1, use_bias=False, name="sep2")(x),
            layers.SeparableConv1D(4, 3, padding="same", name="sep1d", **binit)(s1),
            layers.DepthwiseConv1D(3, depth_multiplier=2, name="dw1d", **binit)(s1),
        ])
    if kind == "global_pools":
        x = keras.Input(shape=(7, 5, 6), name="x")
        s1 = keras.Input(shape=(9, 4), name="s")
        return keras.Model([x, s1], [
            layers.GlobalAveragePooling2D(name="gap2")(x),
            layers.GlobalMaxPooling2D(keepdims=True, name="gmp2")(x),
            layers.GlobalAveragePooling1D(keepdims=True, name="gap1")(s1),
            layers.GlobalMaxPooling1D(name="gmp1")(s1),
        ])
    if kind == "padding_cropping":
        x = keras.Input(shape=(7, 6, 3), name="x")
        s1 = keras.Input(shape=(9, 4), name="s")
        return keras.Model([x, s1], [
            layers.ZeroPadding2D(1, name="zp")(x),
            layers.ZeroPadding2D(((1, 2), (0, 3)), name="zp2")(x),
            layers.Cropping2D(((1, 2), (2, 1)), name="crop")(x),
            layers.Cropping2D(1, name="crop2")(x),
            layers.ZeroPadding1D((2, 1), name="zp1")(s1),
            layers.Cropping1D((1, 3), name="crop1")(s1),
        ])
    if kind == "upsampling":
        x = keras.Input(shape=(4, 5, 3), name="x")
        s1 = keras.Input(shape=(6, 2), name="s")
        return keras.Model([x, s1], [
            layers.UpSampling2D(2, name="nearest")(x),
            layers.UpSampling2D((3, 2), name="nearest32")(x),
            layers.UpSampling2D(2, interpolation="bilinear", name="bilinear")(x),
            layers.UpSampling2D((2, 3), interpolation="bilinear", name="bilinear23")(x),
            layers.UpSampling1D(3, name="up1")(s1),
        ])
    if kind == "batch_norm":
        x = keras.Input(shape=(6, 5, 4), name="x")
        s1 = keras.Input(shape=(3, 7), name="s")
        return keras.Model([x, s1], [
            layers.BatchNormalization(name="bn")(x),
            layers.BatchNormalization(axis=1, epsilon=0.01, name="bn_axis1")(s1),
            layers.BatchNormalization(center=False, scale=False, name="bn_plain")(x),
            layers.BatchNormalization(center=False, name="bn_noc")(s1),
        ])
    if kind == "layer_norm":
        x = keras.Input(shape=(5, 6), name="x")
        return keras.Model(x, [
            layers.LayerNormalization(name="ln")(x),
            layers.LayerNormalization(axis=[-2, -1], epsilon=1e-5, name="ln2")(x),
            layers.LayerNormalization(center=False, name="ln_noc")(x),
            layers.LayerNormalization(rms_scaling=True, name="ln_rms")(x),
        ])
    if kind == "rescaling_normalization":
        x = keras.Input(shape=(5, 3), name="x")
        adapted = layers.Normalization(name="norm_adapted")
        adapted.adapt(np.random.default_rng(5).normal(2.0, 3.0, size=(64, 5, 3)))
        return keras.Model(x, [
            layers.Rescaling(1.0 / 255, name="rescale")(x),
            layers.Rescaling([0.5, 2.0, -1.0], offset=[1.0, 0.0, 3.0], name="rescale_ch")(x),
            layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.25, 1e-16], name="norm")(x),
            layers.Normalization(mean=2.0, variance=9.0, invert=True, name="norm_inv")(x),
            adapted(x),
        ])
    if kind == "input_affine_folds":
        # Rescaling and Normalization before Dense and Conv layers, which
        # -kiln-fold-input-affine folds into their weights where exact.
        t = keras.Input(shape=(6,), name="t")
        x = keras.Input(shape=(7, 7, 3), name="x")
        rng = np.random.default_rng(9)
        tab_norm = layers.Normalization(name="tab_norm")
        tab_norm.adapt(rng.normal(1.5, 2.0, size=(64, 6)))
        img_norm = layers.Normalization(mean=[0.5, -1.0, 2.0], variance=[0.25, 4.0, 2.0],
                                        name="img_norm")
        return keras.Model([t, x], [
            layers.Dense(4, activation="relu", name="tab_dense")(tab_norm(t)),
            layers.Conv2D(5, 3, name="scaled_valid")(layers.Rescaling(1.0 / 255, name="r255")(x)),
            layers.Conv2D(4, 3, padding="same", name="offset_same")(
                layers.Rescaling(1.0 / 127.5, offset=-1.0, name="r127")(x)),
            layers.Conv2D(4, 3, strides=2, padding="same", name="norm_same")(img_norm(x)),
            layers.DepthwiseConv2D(3, depth_multiplier=2, name="norm_depthwise")(
                layers.Normalization(mean=[1.0, 0.0, -1.0], variance=[1.0, 9.0, 0.5],
                                     name="dw_norm")(x)),
            layers.Conv2D(6, 1, groups=3, name="norm_grouped")(
                layers.Rescaling([2.0, -0.5, 1.0], offset=[0.5, 1.0, -2.0], name="r_ch")(x)),
        ])
    if kind == "activation_layers":
        x = keras.Input(shape=(4, 6), name="x")
        return keras.Model(x, [
            layers.ReLU(name="relu")(x),
            layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.5, name="relu_p")(x),
            layers.ReLU(max_value=6.0, name="relu6")(x),
            layers.LeakyReLU(name="leaky")(x),
            layers.LeakyReLU(negative_slope=0.05, name="leaky_p")(x),
            layers.ELU(alpha=0.7, name="elu")(x),
            layers.PReLU(alpha_initializer=keras.initializers.RandomNormal(), name="prelu")(x),
            layers.PReLU(shared_axes=[1], alpha_initializer="random_normal", name="prelu_s")(x),
            layers.Softmax(axis=1, name="softmax1")(x),
            layers.Softmax(name="softmax")(x),
        ])
    if kind == "permute_repeat":
        x = keras.Input(shape=(3, 4, 5), name="x")
        v = keras.Input(shape=(6,), name="v")
        return keras.Model([x, v], [
            layers.Permute((3, 1, 2), name="perm")(x),
            layers.Permute((2, 1, 3), name="perm2")(x),
            layers.RepeatVector(4, name="repeat")(v),
        ])
    if kind == "random_dag":
        return random_dag(kw["seed"])
    if kind == "activation_only":
        inputs = keras.Input(shape=(10,), name="x")
        return keras.Model(inputs, layers.Activation(kw["activation"], name="out")(inputs))
    raise ValueError(kind)


def generate(out, only=None, shard=(0, 1), extended=False):
    # Seeds come from a case's index, so the stamp holds it: a new case
    # before this one reseeds it.
    todo = []
    for index, (name, spec) in enumerate(sorted(cases().items())):
        if (only and name != only) or index % shard[1] != shard[0]:
            continue
        if extended_only(name) and not (extended or only):
            continue
        stamp = reference_stamp.make(name, 1000 + index, SOURCES)
        if not reference_stamp.is_current(os.path.join(out, name), stamp):
            todo.append((index, name, spec, stamp))
    if not todo:
        return 0
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import absl.logging
    import keras  # noqa: F401

    absl.logging.set_verbosity(absl.logging.ERROR)  # the legacy-format warning

    failures = []
    for index, name, (kind, kw, args, samples), stamp in todo:
        try:
            generate_case(out, index, name, kind, kw, args, samples)
            reference_stamp.write(os.path.join(out, name), stamp)
        except Exception as error:  # report every broken case, keep the others
            failures.append(f"{name}: {type(error).__name__}: {error}")
    # A case that fails here fails its own test (its files are missing);
    # the other cases still run.
    for failure in failures:
        print("generate.py: failed to build", failure, file=sys.stderr)
    return 0


def make_input(rng, tensor, samples, shapes):
    """Random inputs: normal floats; token ids with zero padding at the end
    (at least one real token) for integer and ID_INPUTS inputs; 0/1 with a
    kept first column for attention masks."""
    import numpy as np
    name = tensor._keras_history.operation.name
    shape = (samples,) + tuple(shapes.get(name, tensor.shape[1:]))
    if name == "positions":
        return np.tile(np.arange(shape[1]), (samples, 1)).astype(str(tensor.dtype))
    if name == "attention_mask":
        m = rng.integers(0, 2, size=shape).astype("float32")
        m[..., 0] = 1.0
        return m
    if "int" in str(tensor.dtype) or name in sequence_cases.ID_INPUTS:
        ids = rng.integers(1, sequence_cases.VOCAB, size=shape)
        if len(shape) == 2 and shape[1] > 1:
            for row in ids:  # padding after a random number of tokens
                row[rng.integers(1, shape[1] + 1):] = 0
        dtype = "float32" if name in sequence_cases.ID_INPUTS else str(tensor.dtype)
        return ids.astype(dtype)
    return rng.normal(0.0, 1.5, size=shape).astype("float32")


def generate_case(out, index, name, kind, kw, args, samples):
    import keras
    import numpy as np

    keras.utils.set_random_seed(1000 + index)
    model, shapes = build(kind, kw)
    randomize_statistics(model, np.random.default_rng(index))
    case_dir = os.path.join(out, name)
    shutil.rmtree(case_dir, ignore_errors=True)  # no stale references
    os.makedirs(os.path.join(case_dir, "inputs"), exist_ok=True)
    os.makedirs(os.path.join(case_dir, "expected"), exist_ok=True)
    rng = np.random.default_rng(index)
    inputs = [make_input(rng, t, samples, shapes) for t in model.inputs]
    args = args + [f"--input-shape={n}={'x'.join(map(str, s))}" for n, s in shapes.items()]
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
    write_summary(model, case_dir)
    with open(os.path.join(case_dir, "args.txt"), "w") as f:
        f.write(" ".join(args) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--out")
    parser.add_argument("--shard", default="0/1", help="K/N: every N-th case from the K-th")
    parser.add_argument("--extended", action="store_true",
                        help=f"every random DAG, not the first {DEFAULT_DAGS}")
    parser.add_argument("case", nargs="?")
    opts = parser.parse_args()
    if opts.list:
        # name@keras marks a case tested from the .keras file only.
        print(";".join(n + ("@keras" if n in KERAS_ONLY else "") for n in sorted(cases())
                       if opts.extended or not extended_only(n)))
        return 0
    if not opts.out:
        parser.error("--out is required")
    k, n = (int(v) for v in opts.shard.split("/"))
    return generate(opts.out, opts.case, (k, n), opts.extended)


if __name__ == "__main__":
    sys.exit(main())
