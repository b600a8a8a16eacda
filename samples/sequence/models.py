"""The sequence architectures of the Keras guides kiln targets, each a function
returning a Keras model and the per-sample shapes its inputs with open
(None) axes are compiled with (kiln's --input-shape):

- ticket_router: the functional-API guide's ticket-routing model: title and
  body text through a shared Embedding and LSTMs, a tags input, a priority
  (sigmoid) and a department (softmax) output
- transformer_classifier: a transformer-encoder text classifier (token and
  position Embeddings added, MultiHeadAttention, feed-forward, LayerNorm,
  residuals, masked pooling)
- seq2seq_lstm: an encoder LSTM whose final states initialize a decoder LSTM
- gru_forecaster: a GRU over a series plus a second, static input
- shared_embedding: two text inputs through one Embedding (mask_zero) and
  one Bidirectional LSTM, compared by a Dot layer

usage: python models.py OUT_DIR   writes OUT_DIR/<name>.keras for each model
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
from keras import layers  # noqa: E402

VOCAB = 500


def ticket_router():
    num_tags, num_departments = 12, 4
    title = keras.Input(shape=(None,), name="title")  # word ids
    body = keras.Input(shape=(None,), name="body")
    tags = keras.Input(shape=(num_tags,), name="tags")
    embed = layers.Embedding(VOCAB, 64, name="words")
    title_features = layers.LSTM(128)(embed(title))
    body_features = layers.LSTM(32)(embed(body))
    x = layers.concatenate([title_features, body_features, tags])
    priority = layers.Dense(1, activation="sigmoid", name="priority")(x)
    department = layers.Dense(num_departments, activation="softmax", name="department")(x)
    model = keras.Model([title, body, tags], [priority, department], name="ticket_router")
    return model, {"title": (10,), "body": (24,)}


def transformer_classifier(maxlen=16, embed_dim=32, heads=2, ff_dim=32):
    tokens = keras.Input(shape=(maxlen,), dtype="int32", name="tokens")
    positions = keras.Input(shape=(maxlen,), dtype="int32", name="positions")
    x = layers.Add()([layers.Embedding(VOCAB, embed_dim, mask_zero=True)(tokens),
                      layers.Embedding(maxlen, embed_dim)(positions)])
    attn = layers.MultiHeadAttention(num_heads=heads, key_dim=embed_dim)(x, x)
    x = layers.LayerNormalization(epsilon=1e-6)(x + layers.Dropout(0.1)(attn))
    ffn = layers.Dense(ff_dim, activation="relu")(x)
    ffn = layers.Dense(embed_dim)(ffn)
    x = layers.LayerNormalization(epsilon=1e-6)(x + layers.Dropout(0.1)(ffn))
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    outputs = layers.Dense(2, activation="softmax", name="label")(x)
    return keras.Model([tokens, positions], outputs, name="transformer_classifier"), {}


def seq2seq_lstm(encoder_tokens=11, decoder_tokens=13, latent=24):
    encoder_inputs = keras.Input(shape=(None, encoder_tokens), name="encoder_inputs")
    _, state_h, state_c = layers.LSTM(latent, return_state=True, name="encoder")(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, decoder_tokens), name="decoder_inputs")
    decoded = layers.LSTM(latent, return_sequences=True, name="decoder")(
        decoder_inputs, initial_state=[state_h, state_c])
    outputs = layers.Dense(decoder_tokens, activation="softmax", name="next_token")(decoded)
    model = keras.Model([encoder_inputs, decoder_inputs], outputs, name="seq2seq_lstm")
    return model, {"encoder_inputs": (9, encoder_tokens), "decoder_inputs": (7, decoder_tokens)}


def gru_forecaster(steps=30, features=3):
    series = keras.Input(shape=(steps, features), name="series")
    calendar = keras.Input(shape=(5,), name="calendar")
    x = layers.GRU(16, return_sequences=True)(series)
    x = layers.GRU(12)(x)
    c = layers.Dense(8, activation="relu")(calendar)
    x = layers.concatenate([x, c])
    outputs = layers.Dense(1, name="forecast")(x)
    return keras.Model([series, calendar], outputs, name="gru_forecaster"), {}


def shared_embedding(length=12):
    a = keras.Input(shape=(length,), dtype="int32", name="question")
    b = keras.Input(shape=(length,), dtype="int32", name="answer")
    embed = layers.Embedding(VOCAB, 16, mask_zero=True, name="shared_words")
    encode = layers.Bidirectional(layers.LSTM(8), name="shared_encoder")
    score = layers.Dot(axes=1, normalize=True)([encode(embed(a)), encode(embed(b))])
    outputs = layers.Dense(1, activation="sigmoid", name="match")(score)
    return keras.Model([a, b], outputs, name="shared_embedding"), {}


ARCHITECTURES = {f.__name__: f for f in [ticket_router, transformer_classifier, seq2seq_lstm,
                                         gru_forecaster, shared_embedding]}


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(0)
    for name, build in ARCHITECTURES.items():
        model, lengths = build()
        model.save(os.path.join(out, name + ".keras"))
        flags = " ".join(f"--input-shape {k}={'x'.join(map(str, v))}"
                         for k, v in lengths.items())
        print(os.path.join(out, name + ".keras"), flags)
