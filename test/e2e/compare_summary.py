"""usage: compare_summary.py KERAS.json KILN.json
Checks that `kiln summary --json` reports the parameter counts Keras's
model.summary() shows: totals, and each top-level layer's count."""
import json
import sys

keras, kiln = (json.load(open(p)) for p in sys.argv[1:3])
errors = []
for key in ("total_params", "trainable_params", "non_trainable_params"):
    if keras[key] != kiln[key]:
        errors.append(f"{key}: Keras {keras[key]}, kiln {kiln[key]}")
kiln_layers = {layer["name"]: layer["params"] for layer in kiln["layers"]}
for name, params in keras["layers"].items():
    if kiln_layers.get(name) != params:
        errors.append(f"layer {name}: Keras {params} params, kiln {kiln_layers.get(name)}")
if errors:
    print("summary mismatch:\n  " + "\n  ".join(errors), file=sys.stderr)
    sys.exit(1)
print(f"summary: {kiln['total_params']} params, {len(keras['layers'])} layers match Keras")
