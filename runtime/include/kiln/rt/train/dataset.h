// The samples a training executable reads (DIR/NAME.npy, inputs by input
// name, targets by output name) and the batches it builds from them.
#ifndef KILN_RT_TRAIN_DATASET_H
#define KILN_RT_TRAIN_DATASET_H

#include "kiln/rt/harness.h"

#include <cstring>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

/// One data folder: every input and target, `samples` rows each.
struct Dataset {
  std::size_t samples = 0;
  std::vector<NpyArray> inputs, targets;
  std::vector<std::vector<std::int32_t>> ids32;
  std::vector<std::vector<std::int64_t>> ids64;
  std::vector<const unsigned char *> inputBase; // rows in the input's element type
  std::vector<std::size_t> inputRowBytes;
  std::vector<std::size_t> targetRowFloats;

  const unsigned char *input(std::size_t k, std::size_t row) const {
    return inputBase[k] + row * inputRowBytes[k];
  }
  const float *target(std::size_t k, std::size_t row) const {
    return targets[k].data.data() + row * targetRowFloats[k];
  }
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

/// Reads the model's inputs and the targets (`targets`, one per output)
/// from `dir`; every file must hold the same number of samples.
inline bool loadDataset(const std::string &dir, const ModelInfo &m, const TensorInfo *targets,
                        Dataset &data, std::string &error) {
  data.inputs.resize(m.num_inputs);
  data.targets.resize(m.num_outputs);
  data.ids32.resize(m.num_inputs);
  data.ids64.resize(m.num_inputs);
  data.inputBase.resize(m.num_inputs);
  data.inputRowBytes.resize(m.num_inputs);
  data.targetRowFloats.resize(m.num_outputs);
  for (std::size_t k = 0; k < m.num_inputs + m.num_outputs; ++k) {
    const bool isInput = k < m.num_inputs;
    const TensorInfo &t = isInput ? m.inputs[k] : targets[k - m.num_inputs];
    NpyArray &array = isInput ? data.inputs[k] : data.targets[k - m.num_inputs];
    std::size_t n = 0;
    if (!detail::readSamples(dir, t, array, n, error))
      return false;
    if (k > 0 && n != data.samples) {
      error = "'" + dir + "/" + t.name + ".npy' has " + std::to_string(n) + " samples, the others " +
              std::to_string(data.samples);
      return false;
    }
    data.samples = n;
    if (!isInput) {
      data.targetRowFloats[k - m.num_inputs] = t.size;
      continue;
    }
    bool ok = true;
    if (t.dtype == DType::i32) {
      ok = npyIntegers(array, data.ids32[k], error);
      data.inputBase[k] = reinterpret_cast<const unsigned char *>(data.ids32[k].data());
      data.inputRowBytes[k] = t.size * 4;
    } else if (t.dtype == DType::i64) {
      ok = npyIntegers(array, data.ids64[k], error);
      data.inputBase[k] = reinterpret_cast<const unsigned char *>(data.ids64[k].data());
      data.inputRowBytes[k] = t.size * 8;
    } else {
      data.inputBase[k] = reinterpret_cast<const unsigned char *>(array.data.data());
      data.inputRowBytes[k] = t.size * 4;
    }
    if (!ok) {
      error = "'" + dir + "/" + t.name + ".npy': " + error;
      return false;
    }
  }
  return true;
}

/// A batch for train_step or evaluate: pointers into a Dataset when its rows
/// are consecutive there, else rows gathered into buffers of its own.
struct Batch {
  std::vector<const void *> inputs;
  std::vector<const float *> targets;
  std::vector<std::vector<unsigned char>> inputRows;
  std::vector<std::vector<float>> targetRows;

  /// Rows first .. first + batch - 1 of `data`, in place.
  void point(const Dataset &data, std::size_t first) {
    inputs.resize(data.inputs.size());
    targets.resize(data.targets.size());
    for (std::size_t k = 0; k < inputs.size(); ++k)
      inputs[k] = data.input(k, first);
    for (std::size_t k = 0; k < targets.size(); ++k)
      targets[k] = data.target(k, first);
  }
  /// Row rows[i] of `data` as sample i, for i < batch.
  void gather(const Dataset &data, const std::size_t *rows, std::size_t batch) {
    inputs.resize(data.inputs.size());
    targets.resize(data.targets.size());
    inputRows.resize(inputs.size());
    targetRows.resize(targets.size());
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      const std::size_t bytes = data.inputRowBytes[k];
      inputRows[k].resize(batch * bytes);
      for (std::size_t i = 0; i < batch; ++i)
        std::memcpy(inputRows[k].data() + i * bytes, data.input(k, rows[i]), bytes);
      inputs[k] = inputRows[k].data();
    }
    for (std::size_t k = 0; k < targets.size(); ++k) {
      const std::size_t floats = data.targetRowFloats[k];
      targetRows[k].resize(batch * floats);
      for (std::size_t i = 0; i < batch; ++i)
        std::memcpy(targetRows[k].data() + i * floats, data.target(k, rows[i]),
                    floats * sizeof(float));
      targets[k] = targetRows[k].data();
    }
  }
};

/// Keras's evaluate over rows first .. first + count - 1 of `data`: adds
/// each log times the samples it covers to `sums` (so sums / count is the
/// mean over samples, as Keras's metrics weight batches by their size).
/// Whole batches run as they are. The batch size is fixed at compile time,
/// so each sample of a last partial batch runs as a batch of copies of
/// itself: inference treats samples independently, so that batch's logs
/// are the sample's own.
template <typename Evaluate>
void evaluateRows(const Dataset &data, std::size_t first, std::size_t count, std::size_t batch,
                  std::size_t numLogs, Evaluate evaluate, std::vector<double> &sums) {
  Batch b;
  std::vector<float> logs(numLogs);
  std::size_t done = 0;
  for (; done + batch <= count; done += batch) {
    b.point(data, first + done);
    evaluate(b, logs.data());
    for (std::size_t k = 0; k < numLogs; ++k)
      sums[k] += double(batch) * logs[k];
  }
  std::vector<std::size_t> copies(batch);
  for (; done < count; ++done) {
    copies.assign(batch, first + done);
    b.gather(data, copies.data(), batch);
    evaluate(b, logs.data());
    for (std::size_t k = 0; k < numLogs; ++k)
      sums[k] += logs[k];
  }
}

} // namespace rt
} // namespace kiln

#endif // KILN_RT_TRAIN_DATASET_H
