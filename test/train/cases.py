"""Training cases: Keras builds and compiles each model, saves it untrained,
and records what `train_on_batch` does on fixed batches (no shuffling): the
losses and metrics after every step and the weights after the last. Cases in
VALIDATION also hold out samples at the end of the data, which Keras
`evaluate`s after the last step; NAME_train --validation-split must report
the same. Cases in VALIDATION_DATA get a validation folder of their own
(NAME_train --validation-data). kiln's NAME_train must retrace all of it (run_case.sh, compare.py).

usage: cases.py --list | --out DIR [CASE...]
(a case whose DIR/CASE/stamp is current is skipped: reference_stamp.py)
"""
import argparse
import json
import math
import os
import shutil
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "e2e"))
import reference_stamp  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

BATCH = 8
STEPS = 10
# Samples held out for validation after the training batches
# (--validation-split). Most end in a partial batch, which counts too.
VALIDATION = {"two_outputs_loss_weights": 2 * BATCH + 3, "cnn_batchnorm": 2 * BATCH,
              "regularized_mlp": 2 * BATCH + 1, "regularized_sequence": 5}
# Samples of a validation folder of their own (--validation-data).
VALIDATION_DATA = {"lstm_sequence": BATCH + 3}
# A last partial training batch after the STEPS whole ones (Keras's fit
# trains on it; kiln, whose batch is fixed, on copies of its samples).
PARTIAL = {"cnn_batchnorm": BATCH // 2}


def mlp_sgd_momentum():
    x = keras.Input((12,), name="x")
    h = layers.Dense(16, activation="relu", name="hidden")(x)
    y = layers.Dense(4, activation="softmax", name="probs")(h)
    m = keras.Model(x, y)
    # A repeated metric and weighted_metrics exercise Keras's log names:
    # accuracy, mse, mse_1, weighted_accuracy, mae.
    m.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="categorical_crossentropy",
              metrics=["accuracy", "mse", "mse"], weighted_metrics=["accuracy", "mae"])
    return m


def mlp_adam():
    x = keras.Input((10,), name="x")
    h = layers.Dense(32, activation="tanh", name="h1")(x)
    h = layers.Dense(16, activation="gelu", name="h2")(h)
    y = layers.Dense(2, name="value")(h)
    m = keras.Model(x, y)
    m.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    return m


def two_outputs_loss_weights():
    x = keras.Input((9,), name="features")
    h = layers.Dense(24, activation="silu", name="trunk")(x)
    a = layers.Dense(5, activation="softmax", name="kind")(h)
    b = layers.Dense(1, activation="sigmoid", name="flag")(h)
    m = keras.Model(x, [a, b])
    m.compile(optimizer=keras.optimizers.RMSprop(5e-3, momentum=0.5),
              loss=["sparse_categorical_crossentropy", "binary_crossentropy"],
              loss_weights=[1.0, 0.4],
              metrics={"kind": "accuracy",
                       "flag": ["acc", keras.metrics.BinaryAccuracy(threshold=0.3), "mae"]})
    return m


def shared_layer():
    a = keras.Input((6,), name="left")
    b = keras.Input((6,), name="right")
    shared = layers.Dense(8, activation="elu", name="shared")
    s = layers.Add(name="sum")([shared(a), shared(b)])
    y = layers.Dense(3, name="logits")(s)
    m = keras.Model([a, b], y)
    m.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.8, nesterov=True),
              loss=keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1))
    return m


def frozen_base():
    x = keras.Input((8,), name="x")
    h = layers.Dense(16, activation="relu", name="base1", trainable=False)(x)
    h = layers.Dense(16, activation="sigmoid", name="base2", trainable=False)(h)
    y = layers.Dense(1, name="head")(layers.Dense(8, activation="relu", name="neck")(h))
    m = keras.Model(x, y)
    m.compile(optimizer=keras.optimizers.AdamW(3e-3, weight_decay=0.01, clipnorm=0.5),
              loss=keras.losses.Huber(delta=0.5))
    return m


def cnn_batchnorm():
    x = keras.Input((10, 10, 3), name="image")
    h = layers.Conv2D(8, 3, padding="same", name="conv1")(x)
    h = layers.BatchNormalization(name="bn1")(h)
    h = layers.Activation("relu", name="relu1")(h)
    h = layers.MaxPooling2D(2, name="pool")(h)
    h = layers.Conv2D(12, 3, strides=2, use_bias=False, name="conv2")(h)
    h = layers.BatchNormalization(center=False, momentum=0.9, name="bn2")(h)
    h = layers.DepthwiseConv2D(2, activation="tanh", name="depthwise")(h)
    h = layers.GlobalAveragePooling2D(name="gap")(h)
    y = layers.Dense(3, activation="softmax", name="probs")(h)
    m = keras.Model(x, y)
    m.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
              loss="categorical_crossentropy", metrics=["categorical_accuracy", "mse"])
    return m


def cnn_winograd():
    """3x3 stride-1 convolutions wide enough for Winograd F(4x4, 3x3): the
    forward convs and the input gradients of a "same" and a "valid" one
    (kiln-winograd-at-run-time), with a bias, an activation and a
    BatchNormalization between them."""
    x = keras.Input((12, 12, 4), name="image")
    h = layers.Conv2D(16, 3, padding="same", activation="relu", name="stem")(x)
    h = layers.Conv2D(24, 3, padding="same", activation="relu", name="wide")(h)
    h = layers.BatchNormalization(name="bn")(h)
    h = layers.Conv2D(16, 3, use_bias=False, name="valid")(h)
    h = layers.GlobalAveragePooling2D(name="gap")(h)
    y = layers.Dense(4, activation="softmax", name="probs")(h)
    m = keras.Model(x, y)
    m.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
              loss="categorical_crossentropy", metrics=["categorical_accuracy"])
    return m


def finetune_frozen_cnn():
    base_in = keras.Input((8, 8, 2))
    b = layers.Conv2D(6, 3, padding="same", activation="relu", name="base_conv")(base_in)
    b = layers.BatchNormalization(name="base_bn")(b)
    b = layers.AveragePooling2D(2, name="base_pool")(b)
    base = keras.Model(base_in, b, name="base")
    base.trainable = False
    x = keras.Input((8, 8, 2), name="image")
    h = layers.Flatten(name="flatten")(base(x))
    y = layers.Dense(1, name="score")(layers.Dense(12, activation="relu", name="head")(h))
    m = keras.Model(x, y)
    m.compile(optimizer=keras.optimizers.Adam(5e-3), loss="mae")
    return m


def text_attention():
    """Embedding, self-attention, LayerNormalization, a concatenated side
    input and ZeroPadding: transposes, slices and matmuls on the way back."""
    ids = keras.Input((6,), dtype="int32", name="tokens")
    side = keras.Input((3,), name="side")
    e = layers.Embedding(20, 8, name="embed")(ids)
    a = layers.MultiHeadAttention(num_heads=2, key_dim=4, name="attn")(e, e)
    h = layers.LayerNormalization(name="norm")(layers.Add(name="residual")([e, a]))
    h = layers.ZeroPadding1D((1, 0), name="pad")(h)
    h = layers.GlobalAveragePooling1D(name="pool")(h)
    h = layers.Concatenate(name="join")([h, layers.Dense(4, name="side_dense")(side)])
    y = layers.Dense(2, activation="softmax", name="label")(h)
    m = keras.Model([ids, side], y)
    m.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    return m


def lstm_sequence():
    """Embedding, a sequence-returning LSTM, a SimpleRNN read backwards."""
    ids = keras.Input((7,), dtype="int32", name="tokens")
    e = layers.Embedding(20, 6, name="embed")(ids)
    h = layers.LSTM(8, return_sequences=True, name="lstm")(e)
    h = layers.SimpleRNN(5, go_backwards=True, name="rnn")(h)
    y = layers.Dense(3, activation="softmax", name="label")(h)
    m = keras.Model(ids, y)
    m.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    return m


def gru_sequence():
    """Two GRUs: Keras 3's reset_after form returning the sequence, then the
    original form (reset_after=False, one bias) read backwards."""
    ids = keras.Input((7,), dtype="int32", name="tokens")
    e = layers.Embedding(20, 6, name="embed")(ids)
    h = layers.GRU(8, return_sequences=True, name="gru")(e)
    h = layers.GRU(5, reset_after=False, go_backwards=True, name="gru_v1")(h)
    y = layers.Dense(3, activation="softmax", name="label")(h)
    m = keras.Model(ids, y)
    m.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    return m


def rare_activations():
    """A Dense chain through the activations whose derivatives are
    piecewise or rarely used."""
    x = keras.Input((10,), name="x")
    h = x
    for act in ["celu", "squareplus", "soft_shrink", "tanh_shrink", "sparse_plus", "hard_shrink",
                "sparse_sigmoid"]:
        h = layers.Dense(12, activation=act, name=f"dense_{act}")(h)
    y = layers.Dense(2, name="out")(h)
    m = keras.Model(x, y)
    m.compile(optimizer=keras.optimizers.RMSprop(1e-2), loss="mse", metrics=["mae"])
    return m


def merge_extrema():
    """Maximum, Minimum and a division (a raw op) between trained branches."""
    x = keras.Input((6,), name="x")
    a = layers.Dense(8, name="a")(x)
    b = layers.Dense(8, name="b")(x)
    d = layers.Dense(8, activation="sigmoid", name="d")(x)
    q = layers.Maximum(name="max")([a, b]) / (d + 0.5)
    h = layers.Concatenate(name="join")([q, layers.Minimum(name="min")([a, b])])
    y = layers.Dense(2, name="out")(h)
    m = keras.Model(x, y)
    m.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="mse")
    return m


def upsampling_decoder():
    """Conv2DTranspose (same, valid with output_padding, dilated),
    UpSampling2D (nearest and bilinear) and a Conv1DTranspose."""
    x = keras.Input((6, 6, 3), name="image")
    # A trained layer in front, so the gradients of the inputs are used.
    p = layers.Conv2D(3, 1, activation="tanh", name="pre")(x)
    a = layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu", name="up_same")(p)
    b = layers.Conv2D(4, 3, strides=2, padding="same", name="down")(a)
    c = layers.Conv2DTranspose(2, 3, strides=2, output_padding=1, name="up_valid")(p)
    d = layers.UpSampling2D(2, interpolation="bilinear", name="up_bilinear")(p)
    e = layers.UpSampling2D(2, name="up_nearest")(b)
    f = layers.Conv2DTranspose(3, 3, dilation_rate=2, padding="same", name="dilated")(p)
    g = layers.Conv2D(2, 3, name="mix")(layers.Concatenate(name="join")([a, d, e]))
    r = layers.Conv1DTranspose(2, 3, strides=2, name="up_1d")(layers.Reshape((36, 3), name="seq")(p))
    pools = [layers.GlobalAveragePooling2D(name=f"pool_{i}")(t) for i, t in enumerate([g, c, f])]
    pools.append(layers.GlobalAveragePooling1D(name="pool_1d")(r))
    y = layers.Dense(1, name="out")(layers.Concatenate(name="pooled")(pools))
    m = keras.Model(x, y)
    m.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    return m


def bidirectional_sequence():
    """Bidirectional LSTM (concatenated) feeding a Bidirectional GRU (summed)."""
    ids = keras.Input((7,), dtype="int32", name="tokens")
    e = layers.Embedding(20, 6, name="embed")(ids)
    h = layers.Bidirectional(layers.LSTM(4, return_sequences=True), name="bi_lstm")(e)
    h = layers.Bidirectional(layers.GRU(3), merge_mode="sum", name="bi_gru")(h)
    y = layers.Dense(3, activation="softmax", name="label")(h)
    m = keras.Model(ids, y)
    m.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    return m


def seq2seq_masked():
    """The seq2seq tutorial's shape: a masked LSTM encoder hands its states
    to the decoder LSTM; a GRU with an initial state, read backwards."""
    src = keras.Input((6,), dtype="int32", name="source")
    tgt = keras.Input((5,), dtype="int32", name="target")
    e = layers.Embedding(20, 6, mask_zero=True, name="src_embed")(src)
    _, h, c = layers.LSTM(8, return_state=True, name="encoder")(e)
    d = layers.Embedding(20, 6, name="tgt_embed")(tgt)
    d = layers.LSTM(8, return_sequences=True, name="decoder")(d, initial_state=[h, c])
    g = layers.GRU(8, go_backwards=True, return_sequences=True, name="gru")(d, initial_state=h)
    y = layers.Dense(4, activation="softmax", name="next")(g)
    m = keras.Model([src, tgt], y)
    m.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    return m


def regularized_mlp():
    """Weight regularizers (L2 kernel, L1 bias, L1L2 by its snake-case name),
    an activity regularizer, an ActivityRegularization layer, and a frozen
    layer whose regularizer Keras leaves out of the loss."""
    x = keras.Input((10,), name="x")
    h = layers.Dense(16, activation="relu", name="h1",
                     kernel_regularizer=keras.regularizers.L2(1e-2),
                     bias_regularizer=keras.regularizers.L1(1e-3),
                     activity_regularizer=keras.regularizers.L1L2(l1=1e-3, l2=2e-3))(x)
    h = layers.ActivityRegularization(l1=1e-2, l2=0.0, name="sparse")(h)
    h = layers.Dense(8, activation="tanh", name="frozen", kernel_regularizer="l2",
                     trainable=False)(h)
    y = layers.Dense(3, name="out", kernel_regularizer=keras.regularizers.L1L2(1e-3, 1e-2))(h)
    m = keras.Model(x, y)
    m.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.5), loss="mse")
    return m


def regularized_sequence():
    """Regularizers on the variables of an Embedding, a Conv1D and an LSTM's
    cell (kernel, recurrent_kernel, bias), and on a two-output model's
    loss: the total includes the penalties, each output's loss does not."""
    ids = keras.Input((6,), dtype="int32", name="ids")
    e = layers.Embedding(20, 8, name="embed",
                         embeddings_regularizer=keras.regularizers.L2(1e-3))(ids)
    c = layers.Conv1D(8, 3, padding="same", activation="relu", name="conv",
                      kernel_regularizer=keras.regularizers.L1(1e-3))(e)
    h = layers.LSTM(12, name="lstm", kernel_regularizer=keras.regularizers.L2(1e-2),
                    recurrent_regularizer=keras.regularizers.L1L2(1e-3, 1e-3),
                    bias_regularizer=keras.regularizers.L2(1e-2),
                    activity_regularizer=keras.regularizers.L2(1e-3))(c)
    a = layers.Dense(4, activation="softmax", name="topic")(h)
    b = layers.Dense(1, name="score", kernel_regularizer=keras.regularizers.L2(5e-2))(h)
    m = keras.Model(ids, [a, b])
    m.compile(optimizer=keras.optimizers.Adam(1e-2),
              loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5])
    return m


def regularized(model):
    """Whether Keras adds regularization losses to the model's total loss."""
    return (any(getattr(layer, "activity_regularizer", None) is not None
                for layer in model._flatten_layers())
            or any(getattr(v, "regularizer", None) is not None for v in model.trainable_weights))


CASES = {f.__name__: f for f in [lstm_sequence, gru_sequence, bidirectional_sequence, seq2seq_masked, text_attention, mlp_sgd_momentum,
                                   mlp_adam, rare_activations, merge_extrema, upsampling_decoder,
                                   two_outputs_loss_weights,
                                   shared_layer, frozen_base, cnn_batchnorm, cnn_winograd,
                                   finetune_frozen_cnn, regularized_mlp, regularized_sequence]}


def target_for(model, k, rng, n):
    """Targets matching output k's loss."""
    loss = model.loss[k] if isinstance(model.loss, (list, tuple)) else model.loss
    name = loss if isinstance(loss, str) else type(loss).__name__
    shape = (n,) + tuple(model.outputs[k].shape[1:])
    classes = shape[-1]
    if name in ("sparse_categorical_crossentropy",):
        return rng.integers(0, classes, size=shape[:-1]).astype("int32")
    if name in ("categorical_crossentropy", "CategoricalCrossentropy"):
        return np.eye(classes, dtype="float32")[rng.integers(0, classes, size=shape[:-1])]
    if name in ("binary_crossentropy",):
        return rng.integers(0, 2, size=shape).astype("float32")
    return rng.standard_normal(shape).astype("float32")


def generate(name, out):
    case = os.path.join(out, name)
    stamp = reference_stamp.make(name, 7, [os.path.abspath(__file__)])
    if reference_stamp.is_current(case, stamp):
        return
    shutil.rmtree(case, ignore_errors=True)  # no stale references
    keras.utils.set_random_seed(7)
    model = CASES[name]()
    os.makedirs(os.path.join(case, "data"), exist_ok=True)
    os.makedirs(os.path.join(case, "keras", "weights"), exist_ok=True)
    model.save(os.path.join(case, "model.keras"))
    rng = np.random.default_rng(3)
    held_out = VALIDATION.get(name, 0)
    trained = BATCH * STEPS + PARTIAL.get(name, 0)
    n = trained + held_out + VALIDATION_DATA.get(name, 0)
    inputs = [rng.integers(0, 20, size=(n,) + tuple(t.shape[1:])).astype("int32")
              if "int" in str(t.dtype) else
              rng.standard_normal((n,) + tuple(t.shape[1:])).astype("float32")
              for t in model.inputs]
    targets = [target_for(model, k, rng, n) for k in range(len(model.outputs))]
    input_names = [t._keras_history[0].name for t in model.inputs]
    # The samples past the training ones and the held-out ones go to the
    # validation folder.
    split_at = trained + held_out
    if VALIDATION_DATA.get(name):
        os.makedirs(os.path.join(case, "val_data"), exist_ok=True)
    for nm, v in zip(input_names + list(model.output_names), inputs + targets):
        np.save(os.path.join(case, "data", nm + ".npy"), v[:split_at])
        if VALIDATION_DATA.get(name):
            np.save(os.path.join(case, "val_data", nm + ".npy"), v[split_at:])
    # Keras from the saved file, as kiln sees it: compile_config restored.
    model = keras.saving.load_model(os.path.join(case, "model.keras"))
    initial = {var.path: np.array(var.numpy()) for var in model.weights}
    history, metrics = [], []
    for s in range(STEPS + (1 if PARTIAL.get(name) else 0)):
        batch = slice(s * BATCH, min((s + 1) * BATCH, trained))
        xs = [v[batch] for v in inputs]
        ys = [t[batch] for t in targets]
        logs = model.train_on_batch(xs if len(xs) > 1 else xs[0], ys if len(ys) > 1 else ys[0],
                                    return_dict=True)
        per_output = [logs.get(o + "_loss", np.nan) for o in model.output_names]
        if len(per_output) == 1:
            # Keras logs only the total, which includes the regularizers.
            per_output = [np.nan if regularized(model) else logs["loss"]]
        history.append(per_output + [logs["loss"]])
        metrics.append({k: float(v) for k, v in logs.items() if not k.endswith("loss")})
    np.save(os.path.join(case, "keras", "losses.npy"), np.array(history, dtype="float32"))
    with open(os.path.join(case, "keras", "metrics.json"), "w") as f:
        json.dump(metrics, f)
    train_args = ""
    val = None
    if held_out:
        # Keras's fit(validation_split=F) trains on the first
        # floor(n * (1 - F)) samples: F is chosen so that is the training ones.
        split = held_out / split_at
        assert math.floor(split_at * (1.0 - split)) == trained
        train_args = f"--validation-split {split!r}"
        val = slice(trained, split_at)
    elif VALIDATION_DATA.get(name):
        train_args = "--validation-data @CASE@/val_data"
        val = slice(split_at, n)
    if val is not None:
        xs = [v[val] for v in inputs]
        ys = [t[val] for t in targets]
        logs = model.evaluate(xs if len(xs) > 1 else xs[0], ys if len(ys) > 1 else ys[0],
                              batch_size=BATCH, return_dict=True, verbose=0)
        with open(os.path.join(case, "keras", "val_logs.json"), "w") as f:
            json.dump({k: float(v) for k, v in logs.items()}, f)
    with open(os.path.join(case, "train_args.txt"), "w") as f:
        f.write(train_args + "\n")
    for var in model.weights:
        np.save(os.path.join(case, "keras", "weights", var.path.replace("/", ".") + ".npy"),
                np.asarray(var.numpy(), dtype="float32"))
    # The optimizer's variables as Keras saves them (optimizer/vars/N): the
    # step count, the learning rate, the slots.
    os.makedirs(os.path.join(case, "keras", "optimizer"), exist_ok=True)
    for i, var in enumerate(model.optimizer.variables):
        np.save(os.path.join(case, "keras", "optimizer", f"{i}.npy"), np.asarray(var.numpy()))
    # Weights fit leaves alone (frozen layers) must come back bit for bit;
    # moving statistics are non-trainable too, but move.
    with open(os.path.join(case, "keras", "frozen.txt"), "w") as f:
        for var in model.non_trainable_weights:
            if np.array_equal(initial[var.path], var.numpy()):
                f.write(var.path.replace("/", ".") + "\n")
    with open(os.path.join(case, "args.txt"), "w") as f:
        f.write(f"--batch {BATCH}\n")
    reference_stamp.write(case, stamp)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--out")
    parser.add_argument("cases", nargs="*")
    args = parser.parse_args()
    if args.list:
        print(";".join(CASES))
        return
    for name in args.cases or CASES:
        generate(name, args.out)


if __name__ == "__main__":
    main()
