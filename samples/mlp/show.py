"""Prints the compiled model's prediction for the sample inputs next to
Keras's own. usage: python show.py WORK_DIR"""
import os
import sys

import numpy as np

work = sys.argv[1]
kiln = np.load(os.path.join(work, "result", "predictions.npy"))
keras = np.load(os.path.join(work, "keras_prediction.npy"))
labels = np.load(os.path.join(work, "sample_labels.npy"))
for i, (p, q) in enumerate(zip(kiln, keras)):
    print(f"sample {i}: kiln predicts class {p.argmax()} (p={p.max():.4f}), "
          f"Keras predicts class {q.argmax()} (p={q.max():.4f}), true class {labels[i]}")
print(f"max |kiln - keras| = {np.abs(kiln - keras).max():.3g}")
