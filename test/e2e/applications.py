"""Builds keras.applications models with weights=None and a fixed seed, and
records Keras's predictions on two random images as the reference.

usage: python applications.py --list
       python applications.py --out DIR NAME
writes DIR/NAME/{model.keras, inputs/<input>.npy, expected/<output>.npy,
args.txt}; skips the work when DIR/NAME/stamp matches (model, seed, the pinned
Keras, these scripts: reference_stamp.py), so the cache survives test runs.
"""
import argparse
import os
import shutil
import sys

APPLICATIONS = ["MobileNetV2", "ResNet50", "EfficientNetB0", "DenseNet121", "Xception",
                "VGG16", "InceptionV3", "MobileNetV3Small"]
SEED = 1234
# Models whose default input has no fixed size.
INPUT_SHAPES = {"MobileNetV3Small": (224, 224, 3)}
# The module whose preprocess_input prepares each model's images.
MODULES = {"MobileNetV2": "mobilenet_v2", "ResNet50": "resnet50",
           "EfficientNetB0": "efficientnet", "DenseNet121": "densenet", "Xception": "xception",
           "VGG16": "vgg16", "InceptionV3": "inception_v3", "MobileNetV3Small": "mobilenet_v3"}


def preprocess(keras, name, images):
    module = getattr(keras.applications, MODULES[name])
    return module.preprocess_input(images.copy())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--out")
    parser.add_argument("name", nargs="?")
    opts = parser.parse_args()
    if opts.list:
        print(";".join(APPLICATIONS))
        return 0
    case = os.path.join(opts.out, opts.name)
    # The cache key: model, seed, and the scripts that make the reference
    # (this one and generate.py's weight randomization).
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import reference_stamp
    stamp = reference_stamp.make(opts.name, SEED, [os.path.join(here, script)
                                                   for script in ("applications.py", "generate.py")])
    if reference_stamp.is_current(case, stamp):
        return 0
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras
    import numpy as np

    shutil.rmtree(case, ignore_errors=True)
    os.makedirs(os.path.join(case, "inputs"))
    os.makedirs(os.path.join(case, "expected"))
    keras.utils.set_random_seed(SEED)
    # Logits, not probabilities: random weights saturate a softmax, and the
    # logits are the stronger check.
    model = getattr(keras.applications, opts.name)(
        weights=None, classifier_activation=None, input_shape=INPUT_SHAPES.get(opts.name))
    # Non-trivial BatchNormalization statistics, so inference uses them.
    from generate import randomize_statistics, write_summary
    randomize_statistics(model, np.random.default_rng(SEED))
    rng = np.random.default_rng(SEED)
    images = rng.uniform(0.0, 255.0, size=(2,) + tuple(model.inputs[0].shape[1:]))
    x = np.asarray(preprocess(keras, opts.name, images)).astype("float32")
    y = model.predict(x, verbose=0)
    model.save(os.path.join(case, "model.keras"))
    np.save(os.path.join(case, "inputs", model.inputs[0]._keras_history.operation.name + ".npy"), x)
    np.save(os.path.join(case, "expected",
                         model.outputs[0]._keras_history.operation.name + ".npy"), y)
    write_summary(model, case)
    with open(os.path.join(case, "args.txt"), "w") as f:
        f.write("\n")
    reference_stamp.write(case, stamp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
