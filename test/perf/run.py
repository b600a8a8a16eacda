"""Model-level benchmark: kiln against its peers, in one run, on the same
inputs, single thread (every process pinned to one core), batch 1 and 32.

    test/perf/.venv/bin/python test/perf/run.py [--models M,...] [--batches 1,32]

Models are the e2e cases and keras.applications models that the default
test run writes under build/test/e2e (run it first). Writes
test/perf/RESULTS.md and test/perf/results.png; see README.md.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
KILN = os.path.join(BUILD, "compiler/tools/kiln/kiln")
MODELS = {
    "mlp": "test/e2e/cases/mlp_guide/model.keras",
    "toy_resnet": "test/e2e/cases/vision_toy_resnet/model.keras",
    "mobilenet_v2": "test/e2e/apps/MobileNetV2/model.keras",
    "resnet50": "test/e2e/apps/ResNet50/model.keras",
    "efficientnet_b0": "test/e2e/apps/EfficientNetB0/model.keras",
    "ticket_router": "test/e2e/cases/sequence_ticket_router/model.keras",
    "transformer_classifier": "test/e2e/cases/sequence_transformer_classifier/model.keras",
}
PEERS = ["keras_jax", "xla", "onnxruntime", "litert"]
CORE = "1"  # every timed process runs on this core alone


def kiln_timer_source(header):
    """A main() that times predict() on one batch, typed from NAME.h."""
    ins = re.findall(r"kInput(\d+)Size = (\d+);\nusing Input\1Type = ([\w:]+);", header)
    outs = re.findall(r"kOutput(\d+)Size = (\d+);", header)
    body = []
    for i, size, ctype in ins:
        fill = "v = normal(rng);" if ctype == "float" else "v = 1;"
        body.append(f"  std::vector<{ctype}> in{i}(model::kBatch * {size});\n"
                    f"  for (auto &v : in{i}) {fill}\n  inputs[{i}] = in{i}.data();")
    for k, size in outs:
        body.append(f"  std::vector<float> out{k}(model::kBatch * {size});\n"
                    f"  outputs[{k}] = out{k}.data();")
    return """#include "model.h"
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>
int main() {
  std::mt19937 rng(0);
  std::normal_distribution<float> normal;
  const void *inputs[model::kNumInputs];
  float *outputs[model::kNumOutputs];
%s
  std::vector<double> ms;
  for (int run = 0; run < 33; ++run) {
    const auto start = std::chrono::steady_clock::now();
    model::predict(inputs, outputs, model::kBatch);
    const std::chrono::duration<double, std::milli> t = std::chrono::steady_clock::now() - start;
    if (run >= 3) ms.push_back(t.count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("{\\"peer\\": \\"kiln\\", \\"ms_best\\": %%.5f, \\"ms_median\\": %%.5f}\\n",
              ms.front(), ms[ms.size() / 2]);
}
""" % "\n".join(body)


def time_kiln(model, batch, work):
    build = os.path.join(work, "kiln")
    if not os.path.exists(os.path.join(build, "timer")):
        build_kiln_timer(model, batch, build)
    out = subprocess.run(["taskset", "-c", CORE, os.path.join(build, "timer")],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def shape_args(model):
    """The e2e case's kiln flags (args.txt: --input-shape for open axes)."""
    path = os.path.join(os.path.dirname(model), "args.txt")
    return open(path).read().split() if os.path.exists(path) else []


def build_kiln_timer(model, batch, build):
    subprocess.run([KILN, "compile", model, "-o", build, "--emit=lib", "--name", "model",
                    "--batch", str(batch)] + shape_args(model), check=True, capture_output=True)
    with open(os.path.join(build, "model.h")) as f:
        source = kiln_timer_source(f.read())
    with open(os.path.join(build, "timer.cpp"), "w") as f:
        f.write(source)
    subprocess.run(["c++", "-O2", "-std=c++17", "-pthread", "-I", build,
                    os.path.join(build, "timer.cpp"), os.path.join(build, "libmodel.a"),
                    "-o", os.path.join(build, "timer")], check=True)


def time_peer(peer, model, batch, work):
    out = subprocess.run(
        ["taskset", "-c", CORE, sys.executable, os.path.join(os.path.dirname(__file__), "peers.py"),
         peer, model, str(batch), work] + shape_args(model), capture_output=True, text=True)
    lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
    if not lines:
        return {"peer": peer, "error": (out.stderr.strip().splitlines() or ["no output"])[-1][:200]}
    return json.loads(lines[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--batches", default="1,32")
    parser.add_argument("--peers", default=",".join(PEERS))
    args = parser.parse_args()
    # Results of models not run now are kept from the last run.
    saved = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.json")
    run_models = args.models.split(",")
    rows = []
    if os.path.exists(saved):
        rows = [r for r in json.load(open(saved)) if r["model"] not in run_models]
    for name in run_models:
        model = os.path.join(BUILD, MODELS[name])
        if not os.path.exists(model):
            print(f"{name}: {model} missing; run the default tests first", file=sys.stderr)
            continue
        for batch in [int(b) for b in args.batches.split(",")]:
            work = tempfile.mkdtemp(prefix=f"kiln-perf-{name}-")
            # kiln is timed before and after the peers and keeps its better
            # median: the machines are shared, and a slow spell should not
            # decide a ratio by landing on one side only.
            first = time_kiln(model, batch, work)
            results = [time_peer(p, model, batch, work) for p in args.peers.split(",")]
            again = time_kiln(model, batch, work)
            results.insert(0, min(first, again, key=lambda r: r["ms_median"]))
            shutil.rmtree(work, ignore_errors=True)
            for r in results:
                r.update(model=name, batch=batch)
                print(json.dumps(r), flush=True)
            rows += results
    with open(saved, "w") as f:
        json.dump(rows, f, indent=1)
    write_results(rows, args.peers.split(","))


def write_results(rows, peers):
    here = os.path.dirname(os.path.abspath(__file__))
    order = {name: i for i, name in enumerate(MODELS)}
    kiln = {(r["model"], r["batch"]): r["ms_median"]
            for r in sorted(rows, key=lambda r: (order.get(r["model"], 99), r["batch"]))
            if r["peer"] == "kiln"}
    lines = ["# kiln vs peers: median latency of one batch, single thread", "",
             "Produced by `test/perf/.venv/bin/python test/perf/run.py` (a model's rows "
             "come from one run, the last that timed it, `--models` keeping the other "
             f"rows; every process pinned to core {CORE}). Cells: peer ms, then kiln ÷ peer "
             "(below 1: kiln is faster).", "",
             "| model | batch | kiln ms | " + " | ".join(peers) + " |",
             "|---|---|---|" + "---|" * len(peers)]
    for (model, batch), ms in kiln.items():
        cells = []
        for p in peers:
            r = next((r for r in rows if r["peer"] == p and r["model"] == model
                      and r["batch"] == batch), None)
            if r is None or "error" in r:
                cells.append("n/a" + (f" ({r['error'][:60]})" if r else ""))
            else:
                cells.append(f"{r['ms_median']:.3f} ({ms / r['ms_median']:.2f}×)")
        lines.append(f"| {model} | {batch} | {ms:.3f} | " + " | ".join(cells) + " |")
    with open(os.path.join(here, "RESULTS.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    keys = list(kiln)
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(keys)), 4.5))
    width = 0.8 / (len(peers) + 1)
    for j, p in enumerate(["kiln"] + peers):
        values = []
        for key in keys:
            r = next((r for r in rows if r["peer"] == p and (r["model"], r["batch"]) == key), None)
            values.append(r["ms_median"] if r and "error" not in r else 0)
        ax.bar([i + j * width for i in range(len(keys))], values, width, label=p)
    ax.set_xticks([i + 0.4 for i in range(len(keys))])
    ax.set_xticklabels([f"{m}\nb{b}" for m, b in keys], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("median ms per batch (log)")
    ax.set_title("kiln vs peers, single thread")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(here, "results.png"), dpi=110)


if __name__ == "__main__":
    main()
