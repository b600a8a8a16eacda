"""Sequence cases of the end-to-end suite: per-layer sweeps (Embedding,
SimpleRNN/LSTM/GRU, Bidirectional, TimeDistributed, Attention,
MultiHeadAttention, masks) and the sequence samples (samples/sequence).

Each build returns (model, shapes): `shapes` fixes the inputs' open (None)
axes; generate.py passes them to kiln as --input-shape. Inputs named in
ID_INPUTS, and integer inputs, get token ids with zero padding at the end.
"""

VOCAB = 20

# Recurrent layers: every cell, return modes, direction, activations,
# biases, masks, initial states; lengths 1..64; units not multiples of 8.
RNN_SWEEP = [
    dict(cell="SimpleRNN", units=5, steps=7),
    dict(cell="SimpleRNN", units=13, steps=1, return_sequences=True, activation="relu"),
    dict(cell="SimpleRNN", units=7, steps=9, go_backwards=True, use_bias=False, masked=True),
    dict(cell="SimpleRNN", units=6, steps=5, return_state=True, initial_state=True),
    dict(cell="LSTM", units=7, steps=8),
    dict(cell="LSTM", units=5, steps=1, return_sequences=True),
    dict(cell="LSTM", units=9, steps=64, return_sequences=True, return_state=True),
    dict(cell="LSTM", units=6, steps=11, go_backwards=True, return_sequences=True, masked=True),
    dict(cell="LSTM", units=33, steps=6, masked=True, return_state=True),
    dict(cell="LSTM", units=5, steps=7, activation="relu", recurrent_activation="hard_sigmoid",
         use_bias=False),
    dict(cell="LSTM", units=4, steps=6, initial_state=True, return_sequences=True, masked=True),
    dict(cell="GRU", units=7, steps=8),
    dict(cell="GRU", units=5, steps=12, reset_after=False, return_sequences=True),
    dict(cell="GRU", units=6, steps=1, return_state=True, go_backwards=True),
    dict(cell="GRU", units=11, steps=40, masked=True, return_sequences=True),
    dict(cell="GRU", units=5, steps=9, reset_after=False, masked=True, go_backwards=True,
         use_bias=False),
    dict(cell="GRU", units=6, steps=7, initial_state=True, activation="softsign",
         recurrent_activation="tanh"),
]
BIDIRECTIONAL_SWEEP = [
    dict(cell="LSTM", merge_mode="concat", return_sequences=True),
    dict(cell="GRU", merge_mode="sum"),
    dict(cell="LSTM", merge_mode="mul", masked=True),
    dict(cell="SimpleRNN", merge_mode="ave", return_sequences=True, masked=True),
    dict(cell="GRU", merge_mode=None, return_sequences=True),
    dict(cell="LSTM", merge_mode="concat", return_state=True),
    dict(cell="GRU", merge_mode="concat", backward_layer=True, return_sequences=True),
]
ATTENTION_SWEEP = [
    dict(score_mode="dot"),
    dict(score_mode="dot", use_scale=True, masked=True),
    dict(score_mode="concat", masked=True),
    dict(score_mode="concat", use_scale=True, causal=True),
    dict(score_mode="dot", key=True, causal=True, scores=True),
]
MHA_SWEEP = [
    dict(num_heads=2, key_dim=4),
    dict(num_heads=3, key_dim=5, value_dim=7, use_bias=False, dropout=0.2),
    dict(num_heads=2, key_dim=3, output_shape=9, key=True),
    dict(num_heads=1, key_dim=6, causal=True),
    dict(num_heads=2, key_dim=4, masked=True),
    dict(num_heads=4, key_dim=2, scores=True, causal=True),
    dict(num_heads=2, key_dim=3, tq=5, tv=8),
    dict(num_heads=2, key_dim=4, attention_mask=True, dropout=0.1),
]

SAMPLES = ["ticket_router", "transformer_classifier", "seq2seq_lstm", "gru_forecaster",
           "shared_embedding"]

# Float inputs holding token ids.
ID_INPUTS = {"title", "body", "ids_as_floats"}


def cases():
    c = {}
    for i, cfg in enumerate(RNN_SWEEP):
        c[f"rnn_{i:02d}"] = ("seq_rnn", cfg, [], 3)
    for i, cfg in enumerate(BIDIRECTIONAL_SWEEP):
        c[f"bidirectional_{i:02d}"] = ("seq_bidirectional", cfg, [], 3)
    for i, cfg in enumerate(ATTENTION_SWEEP):
        c[f"attention_{i:02d}"] = ("seq_attention", cfg, [], 3)
    for i, cfg in enumerate(MHA_SWEEP):
        c[f"mha_{i:02d}"] = ("seq_mha", cfg, [], 3)
    for name in ["embedding", "time_distributed", "masking", "masked_softmax_pooling"]:
        c[f"seq_{name}"] = (f"seq_{name}", {}, [], 3)
    c["rnn_batch2"] = ("seq_rnn", RNN_SWEEP[7], ["--batch", "2"], 3)
    for name in SAMPLES:
        c[f"sequence_{name}"] = ("seq_sample", {"name": name}, [], 3)
    return c


def as_list(y):
    """A layer call's outputs as a list."""
    return list(y) if isinstance(y, (list, tuple)) else [y]


def sequence_input(keras, layers, steps, features, masked, name="x"):
    """A (steps, features) sequence: floats, or ids through a masking Embedding."""
    if not masked:
        x = keras.Input(shape=(steps, features), name=name)
        return x, x
    ids = keras.Input(shape=(steps,), dtype="int32", name=name)
    return ids, layers.Embedding(VOCAB, features, mask_zero=True)(ids)


def build(kind, kw, load_sample):
    import keras
    from keras import layers

    if kind == "seq_rnn":
        cls = getattr(layers, kw["cell"])
        options = {k: kw[k] for k in ("return_sequences", "return_state", "go_backwards",
                                      "activation", "recurrent_activation", "use_bias",
                                      "reset_after") if k in kw}
        options.setdefault("bias_initializer", keras.initializers.RandomNormal(stddev=0.5))
        inputs, x = sequence_input(keras, layers, kw["steps"], 4, kw.get("masked"))
        model_inputs = [inputs]
        call = {}
        if kw.get("initial_state"):
            states = [keras.Input(shape=(kw["units"],), name=f"state{i}")
                      for i in range(2 if kw["cell"] == "LSTM" else 1)]
            model_inputs += states
            call["initial_state"] = states
        y = cls(kw["units"], name="rnn", **options)(x, **call)
        outputs = as_list(y)
        return keras.Model(model_inputs, outputs), {}
    if kind == "seq_bidirectional":
        cls = getattr(layers, kw["cell"])
        options = {k: kw[k] for k in ("return_sequences", "return_state") if k in kw}
        inputs, x = sequence_input(keras, layers, 6, 4, kw.get("masked"))
        backward = None
        if kw.get("backward_layer"):
            backward = cls(4, go_backwards=True, activation="relu", **options)
        y = layers.Bidirectional(cls(5, **options), merge_mode=kw["merge_mode"],
                                 backward_layer=backward)(x)
        outputs = as_list(y)
        return keras.Model(inputs, outputs), {}
    if kind == "seq_attention":
        q_in, q = sequence_input(keras, layers, 5, 6, kw.get("masked"), "query")
        v_in, v = sequence_input(keras, layers, 7 if not kw.get("causal") else 5, 6,
                                 kw.get("masked"), "value")
        inputs = [q, v]
        model_inputs = [q_in, v_in]
        if kw.get("key"):
            k_in = keras.Input(shape=(v.shape[1], 6), name="key")
            inputs.append(k_in)
            model_inputs.append(k_in)
        layer = layers.Attention(use_scale=kw.get("use_scale", False),
                                 score_mode=kw["score_mode"])
        y = layer(inputs, use_causal_mask=kw.get("causal", False),
                  return_attention_scores=kw.get("scores", False))
        outputs = as_list(y)
        model = keras.Model(model_inputs, outputs)
        for w in layer.weights:  # scale weights other than their initial 1
            w.assign(w.numpy() * 0.7)
        return model, {}
    if kind == "seq_mha":
        tq, tv = kw.get("tq", 6), kw.get("tv", 6)
        q_in, q = sequence_input(keras, layers, tq, 8, kw.get("masked"), "query")
        v_in, v = sequence_input(keras, layers, tv, 8, kw.get("masked"), "value")
        model_inputs = [q_in, v_in]
        options = {k: kw[k] for k in ("value_dim", "use_bias", "output_shape", "dropout")
                   if k in kw}
        layer = layers.MultiHeadAttention(kw["num_heads"], kw["key_dim"], **options)
        call = dict(use_causal_mask=kw.get("causal", False),
                    return_attention_scores=kw.get("scores", False))
        if kw.get("key"):
            k_in = keras.Input(shape=(tv, 5), name="key")
            model_inputs.append(k_in)
            call["key"] = k_in
        if kw.get("attention_mask"):
            m_in = keras.Input(shape=(tq, tv), name="attention_mask")
            model_inputs.append(m_in)
            call["attention_mask"] = m_in
        y = layer(q, v, **call)
        outputs = as_list(y)
        return keras.Model(model_inputs, outputs), {}
    if kind == "seq_embedding":
        ids = keras.Input(shape=(9,), dtype="int32", name="ids")
        floats = keras.Input(shape=(4,), name="ids_as_floats")
        wide = keras.Input(shape=(3, 2), dtype="int64", name="ids64")
        e = layers.Embedding(VOCAB, 7)
        a = layers.Flatten()(e(ids))
        b = layers.Flatten()(e(floats))
        c = layers.Flatten()(layers.Embedding(VOCAB, 3)(wide))
        d = layers.Dense(3)(ids)  # ids used as numbers are promoted to float
        return keras.Model([ids, floats, wide], [a, b, c, d]), {}
    if kind == "seq_time_distributed":
        seq = keras.Input(shape=(5, 6), name="seq")
        frames = keras.Input(shape=(3, 8, 8, 2), name="frames")
        a = layers.TimeDistributed(layers.Dense(4, activation="tanh"))(seq)
        f = layers.TimeDistributed(layers.Conv2D(3, 3, padding="same", activation="relu"))(frames)
        f = layers.TimeDistributed(layers.GlobalAveragePooling2D())(f)
        b = layers.LSTM(4)(f)
        return keras.Model([seq, frames], [a, b]), {}
    if kind == "seq_masking":
        x = keras.Input(shape=(6, 3), name="x")
        m = layers.Masking(mask_value=0.0)(x)
        y = layers.LSTM(5, return_sequences=True)(m)
        z = layers.GRU(4)(y)
        return keras.Model(x, [m, z]), {}
    if kind == "seq_masked_softmax_pooling":
        ids = keras.Input(shape=(8,), dtype="int32", name="ids")
        e = layers.Embedding(VOCAB, 6, mask_zero=True)(ids)
        pooled = layers.GlobalAveragePooling1D()(e)
        scores = layers.Dense(1)(e)
        flat = layers.Reshape((8,))(scores)
        soft = layers.Softmax()(layers.Dense(8)(layers.Flatten()(e)))
        seq = layers.Dense(5, activation="relu")(e)
        both = layers.Add()([seq, layers.Dense(5)(e)])
        gathered = layers.GlobalAveragePooling1D(keepdims=True)(both)
        return keras.Model(ids, [pooled, flat, soft, gathered]), {}
    if kind == "seq_sample":
        module = load_sample("sequence")
        return module.ARCHITECTURES[kw["name"]]()
    raise ValueError(kind)
