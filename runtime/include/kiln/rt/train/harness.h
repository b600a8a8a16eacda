// main() of a model's training executable NAME_train (kiln compile --train):
// fits the model on .npy files named by its inputs and outputs and writes
// its logs (losses, metrics) and the trained weights.
#ifndef KILN_RT_TRAIN_HARNESS_H
#define KILN_RT_TRAIN_HARNESS_H

#include "kiln/rt/harness.h"

#include <cstdio>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace kiln {
namespace rt {

/// What the training harness needs beyond ModelInfo.
struct TrainInfo {
  const ModelInfo *model;
  const TensorInfo *targets; // one per output: what its loss compares with
  void (*train_step)(const void *const *inputs, const float *const *targets, float *logs,
                     void *arena);
  void (*evaluate)(const void *const *inputs, const float *const *targets, float *logs,
                   void *arena);
  std::size_t num_logs;         // each output's loss, the total, the metrics
  const char *const *log_names; // Keras's names of those
  std::size_t num_weights;
  const char *const *weight_names;
  const std::size_t *weight_ranks;
  const std::int64_t *const *weight_shapes;
  float *(*weight_data)(std::size_t w);
  unsigned char *(*optimizer_state)();
  std::size_t optimizer_state_bytes;
  std::int64_t (*iterations)();
  void (*set_iterations)(std::int64_t steps);
};

namespace detail {
/// Renames `temp` over `path` (one step: readers see the old or the new file).
inline bool commit(const std::string &temp, const std::string &path, std::string &error) {
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}

/// DIR/optimizer.bin: "KILNOPT1", the step count, the slots' byte count, the slots.
inline bool writeOptimizer(const std::string &dir, const TrainInfo &info, std::string &error) {
  std::string path = dir + "/optimizer.bin", temp = path + ".tmp";
  FILE *f = std::fopen(temp.c_str(), "wb");
  std::int64_t steps = info.iterations();
  std::uint64_t bytes = info.optimizer_state_bytes;
  bool ok = f && std::fwrite("KILNOPT1", 1, 8, f) == 8 &&
            std::fwrite(&steps, sizeof steps, 1, f) == 1 &&
            std::fwrite(&bytes, sizeof bytes, 1, f) == 1 &&
            std::fwrite(info.optimizer_state(), 1, bytes, f) == bytes;
  if (f && std::fclose(f) != 0)
    ok = false;
  if (!ok) {
    error = "cannot write '" + temp + "'";
    return false;
  }
  return commit(temp, path, error);
}

inline bool readOptimizer(const std::string &dir, const TrainInfo &info, std::string &error) {
  std::string path = dir + "/optimizer.bin";
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    error = "cannot open '" + path + "'";
    return false;
  }
  char magic[8];
  std::int64_t steps = 0;
  std::uint64_t bytes = 0;
  bool ok = std::fread(magic, 1, 8, f) == 8 && std::string(magic, 8) == "KILNOPT1" &&
            std::fread(&steps, sizeof steps, 1, f) == 1 &&
            std::fread(&bytes, sizeof bytes, 1, f) == 1 && bytes == info.optimizer_state_bytes &&
            std::fread(info.optimizer_state(), 1, bytes, f) == bytes;
  std::fclose(f);
  if (!ok) {
    error = "'" + path + "' is not this model's optimizer state";
    return false;
  }
  info.set_iterations(steps);
  return true;
}

/// " - NAME: VALUE" for each log (`prefix` before the name); a model with
/// one output logs its loss once, as "loss".
inline void printLogs(const ModelInfo &m, const TrainInfo &info, const char *prefix,
                      const std::vector<double> &sums, double count) {
  for (std::size_t k = m.num_outputs > 1 ? 0 : 1; k < info.num_logs; ++k)
    std::printf(" - %s%s: %.4f", prefix, info.log_names[k], sums[k] / count);
}

/// Keras's progress line: "7/10 ━━━━━━━━━━━━━━──────── 0s 3ms/step - loss: 0.4
/// ...", the losses and metrics averaged over the epoch so far. On a
/// terminal it is redrawn after every step.
inline void printProgress(const ModelInfo &m, const TrainInfo &info, std::size_t done,
                          std::size_t total, std::chrono::steady_clock::time_point start,
                          const std::vector<double> &sums, bool redraw) {
  const int width = 20;
  int filled = int(width * done / total);
  std::string bar;
  for (int i = 0; i < width; ++i)
    bar += i < filled ? "\u2501" : "\u2500";
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s%zu/%zu %s %.0fs %.0fms/step", redraw ? "\r" : "", done, total, bar.c_str(),
              seconds, 1000.0 * seconds / double(done));
  printLogs(m, info, "", sums, double(done));
  std::fflush(stdout);
}

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

/// usage: NAME_train --data DIR --out DIR [--epochs E] [--steps S] [--load DIR]
///                   [--validation-split F] [--shuffle-seed S]
///                   [--first-epoch N --total-epochs T] [--bench-steps N]
/// Batches follow the files' order (no shuffling); a last partial batch is
/// skipped, since the batch size is fixed at compile time. As Keras's fit,
/// --validation-split holds out the last fraction F of the samples (before
/// any shuffling) and evaluates them after every epoch. --load starts from
/// the weights and optimizer state an earlier run wrote to its --out;
/// --first-epoch and --total-epochs only number the progress lines. Writes
/// DIR/logs.npy (a row of logs per step), DIR/val_logs.npy (a row per
/// epoch), DIR/log_names.txt, DIR/weights/ and DIR/optimizer.bin.
inline int trainMain(int argc, char **argv, const TrainInfo &info) {
  const ModelInfo &m = *info.model;
  std::string dataDir, outDir, loadDir;
  long epochs = 1, maxSteps = -1, firstEpoch = 1, totalEpochs = 0;
  bool shuffle = false;
  unsigned long long seed = 0;
  long benchSteps = 0; // --bench-steps N: time train_step instead of training
  double validationSplit = 0.0;
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
      std::printf("usage: %s --data DIR --out DIR [--epochs E] [--steps S] "
                  "[--validation-split F]\n",
                  argv[0]);
      return 0;
    } else if (const char *v = value("--data")) {
      dataDir = v;
    } else if (const char *v = value("--out")) {
      outDir = v;
    } else if (const char *v = value("--epochs")) {
      epochs = std::strtol(v, nullptr, 10);
    } else if (const char *v = value("--steps")) {
      maxSteps = std::strtol(v, nullptr, 10);
    } else if (const char *v = value("--bench-steps")) {
      benchSteps = std::strtol(v, nullptr, 10);
    } else if (const char *v = value("--validation-split")) {
      char *end = nullptr;
      validationSplit = std::strtod(v, &end);
      if (*end || !(validationSplit >= 0.0 && validationSplit < 1.0))
        return detail::fail(m, std::string("--validation-split must be in [0, 1), got '") + v +
                                   "'");
    } else if (const char *v = value("--shuffle-seed")) {
      shuffle = true;
      seed = std::strtoull(v, nullptr, 10);
    } else if (const char *v = value("--load")) {
      loadDir = v;
    } else if (const char *v = value("--first-epoch")) {
      firstEpoch = std::strtol(v, nullptr, 10);
    } else if (const char *v = value("--total-epochs")) {
      totalEpochs = std::strtol(v, nullptr, 10);
    } else {
      return detail::fail(m, "unknown argument '" + arg + "'");
    }
  }
  if (dataDir.empty() || (outDir.empty() && benchSteps == 0))
    return detail::fail(m, "--data and --out are required");
  if (epochs < 1)
    return detail::fail(m, "--epochs must be at least 1");
  if (totalEpochs < 1)
    totalEpochs = firstEpoch - 1 + epochs;
  if (!loadDir.empty()) {
    for (std::size_t w = 0; w < info.num_weights; ++w) {
      NpyArray array;
      std::string path = loadDir + "/weights/" + info.weight_names[w] + ".npy", error;
      if (!readNpy(path, array, error))
        return detail::fail(m, error);
      bool ok = array.shape.size() == info.weight_ranks[w];
      for (std::size_t d = 0; ok && d < info.weight_ranks[w]; ++d)
        ok = array.shape[d] == info.weight_shapes[w][d];
      if (!ok)
        return detail::fail(m, "'" + path + "' does not have the weight's shape");
      std::copy(array.data.begin(), array.data.end(), info.weight_data(w));
    }
    std::string error;
    if (!detail::readOptimizer(loadDir, info, error))
      return detail::fail(m, error);
  }

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
  // Keras's split: the first floor(N * (1 - F)) samples train.
  const std::size_t trainSamples =
      validationSplit > 0.0 ? std::size_t(std::floor(double(samples) * (1.0 - validationSplit)))
                            : samples;
  const std::size_t valSamples = samples - trainSamples;
  const std::size_t batches = trainSamples / m.batch, valBatches = valSamples / m.batch;
  if (batches == 0)
    return detail::fail(m, "the data has " + std::to_string(trainSamples) +
                               " training samples, fewer than one batch of " +
                               std::to_string(m.batch));
  if (validationSplit > 0.0 && valBatches == 0)
    return detail::fail(m, "--validation-split holds out " + std::to_string(valSamples) +
                               " samples, fewer than one batch of " + std::to_string(m.batch));
  if (trainSamples % m.batch)
    std::fprintf(stderr, "%s: note: the last %zu training samples (a partial batch) are skipped\n",
                 m.model_name, trainSamples % m.batch);
  if (valSamples % m.batch)
    std::fprintf(stderr,
                 "%s: note: the last %zu validation samples (a partial batch) are skipped\n",
                 m.model_name, valSamples % m.batch);

  std::vector<unsigned char> arena(m.static_arena ? 0 : m.arena_bytes + 64);
  void *aligned = arena.empty() ? nullptr
                                : arena.data() + (64 - reinterpret_cast<std::uintptr_t>(
                                                           arena.data()) % 64) % 64;
  const std::size_t numLogs = info.num_logs;
  std::vector<float> history, valHistory;
  std::vector<float> logs(numLogs);
  std::vector<const void *> inPtrs(m.num_inputs);
  std::vector<const float *> targetPtrs(m.num_outputs);
  // With --shuffle-seed, each epoch visits the samples in its own seeded
  // order (like Keras's shuffle=True), gathered into batch buffers.
  std::vector<std::size_t> order(trainSamples);
  for (std::size_t i = 0; i < trainSamples; ++i)
    order[i] = i;
  std::vector<std::vector<unsigned char>> inBatch(m.num_inputs);
  std::vector<std::vector<float>> targetBatch(m.num_outputs);
  for (std::size_t k = 0; k < m.num_inputs; ++k)
    inBatch[k].resize(m.batch * inBytes[k]);
  for (std::size_t k = 0; k < m.num_outputs; ++k)
    targetBatch[k].resize(m.batch * info.targets[k].size);
  if (benchSteps > 0) {
    // The first batch, over and over: five timed runs of N steps after one
    // warm-up step; the median per step. The weights change as in training.
    for (std::size_t k = 0; k < m.num_inputs; ++k)
      inPtrs[k] = inBase[k];
    for (std::size_t k = 0; k < m.num_outputs; ++k)
      targetPtrs[k] = targets[k].data.data();
    info.train_step(inPtrs.data(), targetPtrs.data(), logs.data(), aligned);
    std::vector<double> perStep;
    for (int rep = 0; rep < 5; ++rep) {
      auto t0 = std::chrono::steady_clock::now();
      for (long s = 0; s < benchSteps; ++s)
        info.train_step(inPtrs.data(), targetPtrs.data(), logs.data(), aligned);
      perStep.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                        double(benchSteps));
    }
    std::sort(perStep.begin(), perStep.end());
    std::printf("train_step: %.6f ms (median of 5 runs of %ld steps, batch %zu)\n",
                perStep[2] * 1e3, benchSteps, m.batch);
    return 0;
  }
  const bool interactive = ::isatty(::fileno(stdout));
  long step = 0;
  for (long e = 0; e < epochs && step != maxSteps; ++e) {
    std::printf("Epoch %ld/%ld\n", firstEpoch + e, totalEpochs);
    if (shuffle) {
      std::mt19937_64 rng(seed + std::uint64_t(firstEpoch + e));
      std::shuffle(order.begin(), order.end(), rng);
    }
    std::vector<double> sums(numLogs, 0.0);
    const auto start = std::chrono::steady_clock::now();
    std::size_t b = 0;
    for (; b < batches && step != maxSteps; ++b, ++step) {
      for (std::size_t k = 0; k < m.num_inputs; ++k) {
        inPtrs[k] = inBase[k] + b * m.batch * inBytes[k];
        if (!shuffle)
          continue;
        for (std::size_t i = 0; i < m.batch; ++i)
          std::memcpy(inBatch[k].data() + i * inBytes[k],
                      inBase[k] + order[b * m.batch + i] * inBytes[k], inBytes[k]);
        inPtrs[k] = inBatch[k].data();
      }
      for (std::size_t k = 0; k < m.num_outputs; ++k) {
        const std::size_t size = info.targets[k].size;
        targetPtrs[k] = targets[k].data.data() + b * m.batch * size;
        if (!shuffle)
          continue;
        for (std::size_t i = 0; i < m.batch; ++i)
          std::memcpy(targetBatch[k].data() + i * size,
                      targets[k].data.data() + order[b * m.batch + i] * size,
                      size * sizeof(float));
        targetPtrs[k] = targetBatch[k].data();
      }
      info.train_step(inPtrs.data(), targetPtrs.data(), logs.data(), aligned);
      history.insert(history.end(), logs.begin(), logs.end());
      for (std::size_t k = 0; k < numLogs; ++k)
        sums[k] += logs[k];
      if (interactive || b + 1 == batches || step + 1 == maxSteps)
        detail::printProgress(m, info, b + 1, batches, start, sums, interactive);
    }
    if (valBatches > 0) {
      // The held-out samples in file order, in inference mode; every batch
      // has kBatch samples, so the mean of the batches' logs is Keras's.
      std::vector<double> valSums(numLogs, 0.0);
      for (std::size_t vb = 0; vb < valBatches; ++vb) {
        const std::size_t first = trainSamples + vb * m.batch;
        for (std::size_t k = 0; k < m.num_inputs; ++k)
          inPtrs[k] = inBase[k] + first * inBytes[k];
        for (std::size_t k = 0; k < m.num_outputs; ++k)
          targetPtrs[k] = targets[k].data.data() + first * info.targets[k].size;
        info.evaluate(inPtrs.data(), targetPtrs.data(), logs.data(), aligned);
        for (std::size_t k = 0; k < numLogs; ++k)
          valSums[k] += logs[k];
      }
      for (std::size_t k = 0; k < numLogs; ++k)
        valHistory.push_back(float(valSums[k] / double(valBatches)));
      detail::printLogs(m, info, "val_", valSums, double(valBatches));
    }
    std::printf("\n");
  }

  ::mkdir(outDir.c_str(), 0777);
  ::mkdir((outDir + "/weights").c_str(), 0777);
  // Each file through a temporary and a rename: an interrupted run leaves
  // whole files only.
  std::string error;
  auto write = [&](const std::string &path, const std::vector<std::int64_t> &shape,
                   const float *data) {
    return writeNpy(path + ".tmp", shape, data, error) &&
           detail::commit(path + ".tmp", path, error);
  };
  if (!write(outDir + "/logs.npy", {std::int64_t(step), std::int64_t(numLogs)}, history.data()))
    return detail::fail(m, error);
  if (valBatches > 0 &&
      !write(outDir + "/val_logs.npy",
             {std::int64_t(valHistory.size() / numLogs), std::int64_t(numLogs)},
             valHistory.data()))
    return detail::fail(m, error);
  {
    std::string names;
    for (std::size_t k = 0; k < numLogs; ++k)
      names += std::string(info.log_names[k]) + "\n";
    FILE *f = std::fopen((outDir + "/log_names.txt.tmp").c_str(), "wb");
    bool ok = f && std::fwrite(names.data(), 1, names.size(), f) == names.size();
    if (f && std::fclose(f) != 0)
      ok = false;
    if (!ok || !detail::commit(outDir + "/log_names.txt.tmp", outDir + "/log_names.txt", error))
      return detail::fail(m, error.empty() ? "cannot write '" + outDir + "/log_names.txt'" : error);
  }
  for (std::size_t w = 0; w < info.num_weights; ++w) {
    std::vector<std::int64_t> shape(info.weight_shapes[w],
                                    info.weight_shapes[w] + info.weight_ranks[w]);
    if (!write(outDir + "/weights/" + info.weight_names[w] + ".npy", shape, info.weight_data(w)))
      return detail::fail(m, error);
  }
  if (!detail::writeOptimizer(outDir, info, error))
    return detail::fail(m, error);
  return 0;
}

} // namespace rt
} // namespace kiln

#endif
