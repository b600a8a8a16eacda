"""kiln's activation memory against TFLite's, per keras.applications model at
batch 1. Writes ARENA.md here. Runs in the perf venv (test/perf/README.md).

kiln: `kiln compile --batch 1 --emit=kiln-opt --stats` gives the arena that
holds every intermediate tensor and kernel scratch, and the liveness lower
bound. The caller passes inputs and outputs in its own buffers, so the
comparable total is arena + input bytes + output bytes.

TFLite: the converter's flatbuffer on the builtin kernels (no XNNPACK, whose
delegated subgraph keeps its tensors outside TFLite's planner). After
allocate_tensors, every tensor that is not a constant of the flatbuffer lives
in the read-write arena, inputs and outputs included; the arena is the span
of their addresses. Kernel temporaries (the im2col buffers) sit in the same
arena and are counted. The persistent arena (op state) is not.

usage: arena.py [--models MobileNetV2,...] [--kiln PATH]
"""
import argparse
import ctypes
import math
import os
import re
import subprocess
import sys
import tempfile

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = ["MobileNetV2", "ResNet50", "EfficientNetB0", "DenseNet121", "Xception", "VGG16",
          "InceptionV3", "MobileNetV3Small"]


def kiln_stats(kiln, path):
    out = subprocess.run([kiln, "compile", path, "--batch", "1", "--emit=kiln-opt", "--stats"],
                         check=True, capture_output=True, text=True).stdout
    field = lambda name: int(re.search(rf"^{name}: (\d+)$", out, re.M).group(1))
    return field("arena bytes"), field("liveness lower bound bytes")


def tflite_arena(model, shapes):
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2)

    specs = [tf.TensorSpec([1] + s, tf.float32) for s in shapes]
    function = tf.function(lambda *xs: model(xs[0] if len(xs) == 1 else list(xs), training=False),
                           input_signature=specs)
    frozen = convert_variables_to_constants_v2(function.get_concrete_function())
    flatbuffer = tf.lite.TFLiteConverter.from_concrete_functions([frozen]).convert()
    interpreter = Interpreter(
        model_content=flatbuffer, num_threads=1,
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interpreter.allocate_tensors()
    # The interpreter reads constants in place from the buffer it was given.
    begin = ctypes.cast(ctypes.c_char_p(flatbuffer), ctypes.c_void_p).value
    end = begin + len(flatbuffer)
    spans = []
    for detail in interpreter.get_tensor_details():
        data = interpreter.tensor(detail["index"])()
        if not hasattr(data, "ctypes"):  # a 0-d tensor comes back as a copied scalar
            continue
        address = data.ctypes.data
        if data.nbytes and not begin <= address < end:
            spans.append((address, address + data.nbytes))
    return max(e for _, e in spans) - min(b for b, _ in spans)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--kiln", default=os.path.join(ROOT, "build/compiler/tools/kiln/kiln"))
    args = parser.parse_args()
    import keras

    rows = []
    with tempfile.TemporaryDirectory() as work:
        for name in args.models.split(","):
            size = 299 if name in ("Xception", "InceptionV3") else 224
            model = getattr(keras.applications, name)(weights=None, input_shape=(size, size, 3))
            path = os.path.join(work, name + ".keras")
            model.save(path)
            shapes = [list(t.shape[1:]) for t in model.inputs]
            io_bytes = 4 * sum(math.prod(t.shape[1:])
                               for t in list(model.inputs) + list(model.outputs))
            arena, bound = kiln_stats(args.kiln, path)
            tflite = tflite_arena(model, shapes)
            rows.append((name, arena, bound, io_bytes, tflite))
            print(f"{name}: kiln arena {arena} (bound {bound}) + io {io_bytes}; tflite {tflite}",
                  flush=True)
    write(rows)


def write(rows):
    mb = lambda b: f"{b / 2**20:.2f}"
    lines = [
        "# Activation memory: kiln against TFLite (batch 1)",
        "",
        "Written by `test/perf/.venv/bin/python test/perf/arena.py` (see the script's",
        "docstring for what each number counts). MiB; ratio = (kiln arena + inputs +",
        "outputs) / TFLite's read-write arena, which also holds inputs and outputs.",
        "",
        "| model | kiln arena | liveness bound | arena / bound | inputs + outputs "
        "| kiln total | TFLite arena | kiln / TFLite |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, arena, bound, io_bytes, tflite in rows:
        total = arena + io_bytes
        lines.append(f"| {name} | {mb(arena)} | {mb(bound)} | {arena / bound:.3f} | {mb(io_bytes)} "
                     f"| {mb(total)} | {mb(tflite)} | {total / tflite:.3f} |")
    with open(os.path.join(HERE, "ARENA.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
