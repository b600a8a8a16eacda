// main() of a model's training executable NAME_train (kiln compile --train):
// fits the model on .npy files named by its inputs and outputs and writes
// its logs (losses, metrics) and the trained weights.
#ifndef KILN_RT_TRAIN_HARNESS_H
#define KILN_RT_TRAIN_HARNESS_H

#include "kiln/rt/harness.h"
#include "kiln/rt/train/train_info.h"
#include "kiln/rt/train/dataset.h"

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
/// ...", the losses and metrics averaged over the epoch's samples so far
/// (`sums` holds each step's logs times its samples). On a terminal it is
/// redrawn after every step.
inline void printProgress(const ModelInfo &m, const TrainInfo &info, std::size_t done,
                          std::size_t total, std::chrono::steady_clock::time_point start,
                          const std::vector<double> &sums, double samples, bool redraw) {
  const int width = 20;
  int filled = int(width * done / total);
  std::string bar;
  for (int i = 0; i < width; ++i)
    bar += i < filled ? "\u2501" : "\u2500";
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s%zu/%zu %s %.0fs %.0fms/step", redraw ? "\r" : "", done, total, bar.c_str(),
              seconds, 1000.0 * seconds / double(done));
  printLogs(m, info, "", sums, samples);
  std::fflush(stdout);
}

} // namespace detail

/// usage: NAME_train --data DIR --out DIR [--epochs E] [--steps S] [--load DIR]
///                   [--validation-split F | --validation-data DIR] [--shuffle-seed S]
///                   [--first-epoch N --total-epochs T] [--bench-steps N]
/// Batches follow the files' order (no shuffling). The batch size is fixed
/// at compile time: a last partial training batch whose size divides it
/// trains as a batch of copies of its samples, others are skipped. As
/// Keras's fit, --validation-split holds out the last fraction F of the
/// samples (before any shuffling), --validation-data names a folder of its
/// own (it overrides --validation-split, as in Keras); either is evaluated
/// after every epoch, every sample counted. --load starts from the weights
/// and optimizer state an earlier run wrote to its --out; --first-epoch and
/// --total-epochs only number the progress lines. Writes DIR/logs.npy (a
/// row of logs per step), DIR/val_logs.npy (a row per epoch),
/// DIR/log_names.txt, DIR/weights/ and DIR/optimizer.bin.
inline int trainMain(int argc, char **argv, const TrainInfo &info) {
  const ModelInfo &m = *info.model;
  std::string dataDir, outDir, loadDir, validationDir;
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
                  "[--validation-split F | --validation-data DIR]\n",
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
    } else if (const char *v = value("--validation-data")) {
      validationDir = v;
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

  Dataset data, validationData;
  std::string loadError;
  if (!loadDataset(dataDir, m, info.targets, data, loadError) ||
      (!validationDir.empty() &&
       !loadDataset(validationDir, m, info.targets, validationData, loadError)))
    return detail::fail(m, loadError);
  if (!validationDir.empty() && validationSplit > 0.0) {
    std::fprintf(stderr, "%s: note: --validation-data overrides --validation-split\n",
                 m.model_name);
    validationSplit = 0.0;
  }
  // Keras's split: the first floor(N * (1 - F)) samples train.
  const std::size_t samples = data.samples;
  const std::size_t trainSamples =
      validationSplit > 0.0 ? std::size_t(std::floor(double(samples) * (1.0 - validationSplit)))
                            : samples;
  const Dataset &valSet = validationDir.empty() ? data : validationData;
  const std::size_t valFirst = validationDir.empty() ? trainSamples : 0;
  const std::size_t valSamples = validationDir.empty() ? samples - trainSamples : valSet.samples;
  const std::size_t batches = trainSamples / m.batch;
  if (batches == 0)
    return detail::fail(m, "the data has " + std::to_string(trainSamples) +
                               " training samples, fewer than one batch of " +
                               std::to_string(m.batch));
  if ((validationSplit > 0.0 || !validationDir.empty()) && valSamples == 0)
    return detail::fail(m, validationDir.empty()
                               ? "--validation-split holds out no samples"
                               : "'" + validationDir + "' holds no samples");
  // A last partial batch of r samples trains as a whole batch of copies
  // (each sample kBatch / r times) when r divides the batch: the mean loss,
  // its gradients and BatchNormalization's batch statistics are then those
  // of the r samples, as in Keras's last step. Other sizes cannot be built
  // from copies, and the step is skipped.
  const std::size_t tail = trainSamples % m.batch;
  const bool tailStep = tail > 0 && m.batch % tail == 0;
  const std::size_t steps = batches + (tailStep ? 1 : 0);
  if (tail && !tailStep)
    std::fprintf(stderr,
                 "%s: note: the last %zu training samples are skipped: a partial batch trains "
                 "only when its size divides the batch size %zu\n",
                 m.model_name, tail, m.batch);

  std::vector<unsigned char> arena(m.static_arena ? 0 : m.arena_bytes + 64);
  void *aligned = arena.empty() ? nullptr
                                : arena.data() + (64 - reinterpret_cast<std::uintptr_t>(
                                                           arena.data()) % 64) % 64;
  const std::size_t numLogs = info.num_logs;
  std::vector<float> history, valHistory;
  std::vector<float> logs(numLogs);
  Batch batch;
  // With --shuffle-seed, each epoch visits the samples in its own seeded
  // order (like Keras's shuffle=True), gathered into batch buffers.
  std::vector<std::size_t> order(trainSamples);
  for (std::size_t i = 0; i < trainSamples; ++i)
    order[i] = i;
  auto trainStep = [&] {
    info.train_step(batch.inputs.data(), batch.targets.data(), logs.data(), aligned);
  };
  if (benchSteps > 0) {
    // The first batch, over and over: five timed runs of N steps after one
    // warm-up step; the median per step. The weights change as in training.
    batch.point(data, 0);
    trainStep();
    std::vector<double> perStep;
    for (int rep = 0; rep < 5; ++rep) {
      auto t0 = std::chrono::steady_clock::now();
      for (long s = 0; s < benchSteps; ++s)
        trainStep();
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
    double samplesDone = 0.0;
    std::vector<std::size_t> copies(m.batch);
    for (std::size_t b = 0; b < steps && step != maxSteps; ++b, ++step) {
      const std::size_t first = b * m.batch;
      std::size_t stepSamples = m.batch;
      if (b == batches) {
        stepSamples = tail;
        for (std::size_t i = 0; i < m.batch; ++i)
          copies[i] = order[first + i % tail];
        batch.gather(data, copies.data(), m.batch);
      } else if (shuffle) {
        batch.gather(data, order.data() + first, m.batch);
      } else {
        batch.point(data, first);
      }
      trainStep();
      history.insert(history.end(), logs.begin(), logs.end());
      // Keras averages the epoch's logs over samples.
      for (std::size_t k = 0; k < numLogs; ++k)
        sums[k] += double(stepSamples) * logs[k];
      samplesDone += double(stepSamples);
      if (interactive || b + 1 == steps || step + 1 == maxSteps)
        detail::printProgress(m, info, b + 1, steps, start, sums, samplesDone, interactive);
    }
    if (valSamples > 0) {
      std::vector<double> valSums(numLogs, 0.0);
      evaluateRows(valSet, valFirst, valSamples, m.batch, numLogs,
                   [&](const Batch &b, float *out) {
                     info.evaluate(b.inputs.data(), b.targets.data(), out, aligned);
                   },
                   valSums);
      for (std::size_t k = 0; k < numLogs; ++k)
        valHistory.push_back(float(valSums[k] / double(valSamples)));
      detail::printLogs(m, info, "val_", valSums, double(valSamples));
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
  if (valSamples > 0 &&
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
