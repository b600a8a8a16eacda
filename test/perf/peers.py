"""Times one peer on one model, in its own process (each peer wants its own
Keras backend). Prints one JSON line: {"peer", "ms_best", "ms_median"} or
{"peer", "error"}. Single thread: the caller pins the process to one core
and the thread settings below ask every runtime for one thread.

usage: peers.py PEER MODEL.keras BATCH OUT_DIR [--input-shape=NAME=D1x...]
PEER: keras_jax | xla | onnxruntime | litert
"""
import json
import os
import sys
import time

peer, model_path, batch, out_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
# Open axes fixed as kiln compiles them (the e2e case's args.txt).
fixed_shapes = {}
for arg in sys.argv[5:]:
    name, dims = arg.split("=", 1)[1].split("=")
    fixed_shapes[name] = [int(d) for d in dims.split("x")]
os.environ["KERAS_BACKEND"] = "jax" if peer in ("keras_jax", "xla") else "tensorflow"
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def inputs_for(model):
    rng = np.random.default_rng(0)
    arrays = []
    for spec in model.inputs:
        name = spec.name.split(":")[0]
        shape = [batch] + fixed_shapes.get(name, [d if d is not None else 1 for d in spec.shape[1:]])
        if "int" in str(spec.dtype):
            arrays.append(rng.integers(0, 2, size=shape).astype(str(spec.dtype)))
        else:
            arrays.append(rng.standard_normal(shape).astype("float32"))
    return arrays


def timed(fn, runs=30, warmup=3, budget_s=4.0):
    """Best and median of up to `runs` calls, fewer (at least 3) when they
    would take longer than `budget_s` in all."""
    for _ in range(warmup):
        fn()
    times = []
    while len(times) < runs and (len(times) < 3 or sum(times) < budget_s * 1e3):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times[0], times[len(times) // 2]


def run():
    if os.environ["KERAS_BACKEND"] == "tensorflow":
        import tensorflow as tf

        # Before Keras touches TensorFlow: the pools cannot change later.
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    model = keras.saving.load_model(model_path, compile=False)
    xs = inputs_for(model)
    if peer == "keras_jax":
        return timed(lambda: model.predict_on_batch(xs))
    if peer == "xla":
        import jax

        trainable = [v.value for v in model.trainable_variables]
        frozen = [v.value for v in model.non_trainable_variables]

        @jax.jit
        def forward(tv, ntv, x):
            return model.stateless_call(tv, ntv, x, training=False)[0]

        return timed(lambda: jax.block_until_ready(forward(trainable, frozen, xs)))
    import tensorflow as tf

    specs = [tf.TensorSpec([batch] + list(x.shape[1:]), x.dtype) for x in xs]
    function = tf.function(lambda *args: model(list(args), training=False), input_signature=specs)
    if peer == "onnxruntime":
        import onnxruntime as ort
        import tf2onnx

        onnx_path = os.path.join(out_dir, "model.onnx")
        tf2onnx.convert.from_function(function, input_signature=specs, output_path=onnx_path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        feed = {i.name: x for i, x in zip(session.get_inputs(), xs)}
        return timed(lambda: session.run(None, feed))
    if peer == "litert":
        from ai_edge_litert.interpreter import Interpreter

        from tensorflow.python.framework.convert_to_constants import (
            convert_variables_to_constants_v2)

        # Weights frozen to constants: left as variables, the converter keeps
        # them as VAR_HANDLE/READ_VARIABLE and XNNPACK cannot take the convs.
        frozen = convert_variables_to_constants_v2(function.get_concrete_function())
        converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen])
        flatbuffer = converter.convert()
        interpreter = Interpreter(model_content=flatbuffer, num_threads=1)  # XNNPACK by default
        interpreter.allocate_tensors()
        details = interpreter.get_input_details()
        for d, x in zip(details, xs):
            interpreter.set_tensor(d["index"], x.astype(d["dtype"]))
        return timed(interpreter.invoke)
    raise SystemExit(f"unknown peer {peer}")


try:
    best, median = run()
    print(json.dumps({"peer": peer, "ms_best": best, "ms_median": median}))
except Exception as error:  # a peer that cannot take the model is reported, not fatal
    print(json.dumps({"peer": peer, "error": f"{type(error).__name__}: {str(error)[:200]}"}))
