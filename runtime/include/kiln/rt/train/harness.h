// main() of a model's training executable NAME_train (kiln compile --train):
// fits the model on .npy files named by its inputs and outputs and writes
// the losses and the trained weights.
#ifndef KILN_RT_TRAIN_HARNESS_H
#define KILN_RT_TRAIN_HARNESS_H

#include "kiln/rt/harness.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// What the training harness needs beyond ModelInfo.
struct TrainInfo {
  const ModelInfo *model;
  const TensorInfo *targets; // one per output: what its loss compares with
  void (*train_step)(const void *const *inputs, const float *const *targets, float *losses,
                     void *arena);
  std::size_t num_weights;
  const char *const *weight_names;
  const std::size_t *weight_ranks;
  const std::int64_t *const *weight_shapes;
  float *(*weight_data)(std::size_t w);
};

namespace detail {
/// Reads DIR/NAME.npy as (N, *shape) with the tensor's element type.
inline bool readSamples(const std::string &dir, const TensorInfo &t, NpyArray &array,
                        std::size_t &samples, std::string &error) {
  std::string path = dir + "/" + t.name + ".npy";
  if (!readNpy(path, array, error))
    return false;
  bool ok = array.shape.size() == t.rank + 1;
  for (std::size_t d = 0; ok && d < t.rank; ++d)
    ok = array.shape[d + 1] == t.shape[d];
  if (!ok) {
    std::string want = "(N";
    for (std::size_t d = 0; d < t.rank; ++d)
      want += ", " + std::to_string(t.shape[d]);
    error = "'" + path + "' has shape " + shapeString(array.shape.data(), array.shape.size()) +
            "; expected " + want + ")";
    return false;
  }
  samples = std::size_t(array.shape[0]);
  return true;
}
} // namespace detail

/// usage: NAME_train --data DIR --out DIR [--epochs E] [--steps S]
/// Batches follow the files' order (no shuffling); a last partial batch is
/// skipped, since the batch size is fixed at compile time.
inline int trainMain(int argc, char **argv, const TrainInfo &info) {
  const ModelInfo &m = *info.model;
  std::string dataDir, outDir;
  long epochs = 1, maxSteps = -1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char *flag) -> const char * {
      std::string f = flag;
      if (arg.compare(0, f.size() + 1, f + "=") == 0)
        return argv[i] + f.size() + 1;
      if (arg == f && i + 1 < argc)
        return argv[++i];
      return nullptr;
    };
    if (arg == "--help" || arg == "-h") {
      std::printf("usage: %s --data DIR --out DIR [--epochs E] [--steps S]\n", argv[0]);
      return 0;
    } else if (const char *v = value("--data")) {
      dataDir = v;
    } else if (const char *v = value("--out")) {
      outDir = v;
    } else if (const char *v = value("--epochs")) {
      epochs = std::strtol(v, nullptr, 10);
    } else if (const char *v = value("--steps")) {
      maxSteps = std::strtol(v, nullptr, 10);
    } else {
      return detail::fail(m, "unknown argument '" + arg + "'");
    }
  }
  if (dataDir.empty() || outDir.empty())
    return detail::fail(m, "--data and --out are required");
  if (epochs < 1)
    return detail::fail(m, "--epochs must be at least 1");

  // Inputs by input name, targets by output name.
  std::size_t samples = 0;
  std::vector<NpyArray> inputs(m.num_inputs), targets(m.num_outputs);
  std::vector<std::vector<std::int32_t>> ids32(m.num_inputs);
  std::vector<std::vector<std::int64_t>> ids64(m.num_inputs);
  std::vector<const unsigned char *> inBase(m.num_inputs);
  std::vector<std::size_t> inBytes(m.num_inputs);
  for (std::size_t k = 0; k < m.num_inputs + m.num_outputs; ++k) {
    bool isInput = k < m.num_inputs;
    const TensorInfo &t = isInput ? m.inputs[k] : info.targets[k - m.num_inputs];
    NpyArray &array = isInput ? inputs[k] : targets[k - m.num_inputs];
    std::size_t n = 0;
    std::string error;
    if (!detail::readSamples(dataDir, t, array, n, error))
      return detail::fail(m, error);
    if (k > 0 && n != samples)
      return detail::fail(m, std::string("'") + t.name + ".npy' has " + std::to_string(n) +
                                 " samples, the others " + std::to_string(samples));
    samples = n;
    if (!isInput)
      continue;
    bool ok = true;
    if (t.dtype == DType::i32) {
      ok = npyIntegers(array, ids32[k], error);
      inBase[k] = reinterpret_cast<const unsigned char *>(ids32[k].data());
      inBytes[k] = t.size * 4;
    } else if (t.dtype == DType::i64) {
      ok = npyIntegers(array, ids64[k], error);
      inBase[k] = reinterpret_cast<const unsigned char *>(ids64[k].data());
      inBytes[k] = t.size * 8;
    } else {
      inBase[k] = reinterpret_cast<const unsigned char *>(array.data.data());
      inBytes[k] = t.size * 4;
    }
    if (!ok)
      return detail::fail(m, std::string("input '") + t.name + "': " + error);
  }
  const std::size_t batches = samples / m.batch;
  if (batches == 0)
    return detail::fail(m, "the data has " + std::to_string(samples) +
                               " samples, fewer than one batch of " + std::to_string(m.batch));
  if (samples % m.batch)
    std::fprintf(stderr, "%s: note: the last %zu samples (a partial batch) are skipped\n",
                 m.model_name, samples % m.batch);

  std::vector<unsigned char> arena(m.static_arena ? 0 : m.arena_bytes + 64);
  void *aligned = arena.empty() ? nullptr
                                : arena.data() + (64 - reinterpret_cast<std::uintptr_t>(
                                                           arena.data()) % 64) % 64;
  const std::size_t numLosses = m.num_outputs + 1;
  std::vector<float> history;
  std::vector<float> losses(numLosses);
  std::vector<const void *> inPtrs(m.num_inputs);
  std::vector<const float *> targetPtrs(m.num_outputs);
  long step = 0;
  for (long e = 0; e < epochs && step != maxSteps; ++e) {
    std::printf("Epoch %ld/%ld\n", e + 1, epochs);
    double sum = 0.0;
    std::size_t b = 0;
    for (; b < batches && step != maxSteps; ++b, ++step) {
      for (std::size_t k = 0; k < m.num_inputs; ++k)
        inPtrs[k] = inBase[k] + b * m.batch * inBytes[k];
      for (std::size_t k = 0; k < m.num_outputs; ++k)
        targetPtrs[k] = targets[k].data.data() + b * m.batch * info.targets[k].size;
      info.train_step(inPtrs.data(), targetPtrs.data(), losses.data(), aligned);
      history.insert(history.end(), losses.begin(), losses.end());
      sum += losses[m.num_outputs];
      std::printf("\r%zu/%zu - loss: %.4f", b + 1, batches, sum / double(b + 1));
      std::fflush(stdout);
    }
    std::printf("\n");
  }

  ::mkdir(outDir.c_str(), 0777);
  ::mkdir((outDir + "/weights").c_str(), 0777);
  std::string error;
  if (!writeNpy(outDir + "/losses.npy", {std::int64_t(step), std::int64_t(numLosses)},
                history.data(), error))
    return detail::fail(m, error);
  for (std::size_t w = 0; w < info.num_weights; ++w) {
    std::vector<std::int64_t> shape(info.weight_shapes[w],
                                    info.weight_shapes[w] + info.weight_ranks[w]);
    if (!writeNpy(outDir + "/weights/" + info.weight_names[w] + ".npy", shape,
                  info.weight_data(w), error))
      return detail::fail(m, error);
  }
  return 0;
}

} // namespace rt
} // namespace kiln

#endif
