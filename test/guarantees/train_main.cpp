// Checks what a training build (kiln compile --train, namespace `model`)
// promises: train_step allocates nothing on the heap, and it is
// deterministic: from the same weights and optimizer state, the same
// batches give the same losses and weights, bit for bit.
// Prints one line per property; exits 1 if any fails.
#include "model.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "count_allocations.h"

namespace {
/// A weight's floats: its shape's product.
std::size_t weightSize(std::size_t w) {
  std::size_t n = 1;
  for (std::size_t d = 0; d < model::kWeightRanks[w]; ++d)
    n *= std::size_t(model::kWeightShapes[w][d]);
  return n;
}

std::vector<std::vector<float>> snapshot() {
  std::vector<std::vector<float>> weights;
  for (std::size_t w = 0; w < model::kNumWeights; ++w)
    weights.emplace_back(model::weight_data(w), model::weight_data(w) + weightSize(w));
  return weights;
}
} // namespace

int main() {
  // Inputs and targets: small whole numbers (valid ids and class ids too).
  std::vector<std::vector<unsigned char>> inputs(model::kNumInputs);
  std::vector<const void *> inPtrs;
  for (std::size_t i = 0; i < model::kNumInputs; ++i) {
    std::size_t n = model::kBatch * model::kInputSizes[i];
    inputs[i].resize(n * model::kInputElementBytes[i]);
    for (std::size_t e = 0; e < n; ++e) {
      if (model::kInputIsInteger[i] && model::kInputElementBytes[i] == 4) {
        std::int32_t v = std::int32_t(e % 5);
        std::memcpy(inputs[i].data() + 4 * e, &v, 4);
      } else if (model::kInputIsInteger[i]) {
        std::int64_t v = std::int64_t(e % 5);
        std::memcpy(inputs[i].data() + 8 * e, &v, 8);
      } else {
        float v = float(e % 7) * 0.25f - 0.75f;
        std::memcpy(inputs[i].data() + 4 * e, &v, 4);
      }
    }
    inPtrs.push_back(inputs[i].data());
  }
  std::vector<std::vector<float>> targets(model::kNumOutputs);
  std::vector<const float *> targetPtrs;
  for (std::size_t k = 0; k < model::kNumOutputs; ++k) {
    targets[k].resize(model::kBatch * model::kTargetSizes[k]);
    for (std::size_t e = 0; e < targets[k].size(); ++e)
      targets[k][e] = float(e % 2);
    targetPtrs.push_back(targets[k].data());
  }

  const auto initial = snapshot();
  float logs[model::kNumLogs];
  std::vector<float> first;
  first.reserve(3 * model::kNumLogs); // nothing of the checker's own allocates while counting
  g_counting = true;
  for (int step = 0; step < 3; ++step) {
    model::train_step(inPtrs.data(), targetPtrs.data(), logs);
    first.insert(first.end(), logs, logs + model::kNumLogs);
  }
  // evaluate allocates nothing and changes nothing either.
  model::evaluate(inPtrs.data(), targetPtrs.data(), logs);
  g_counting = false;
  const auto trained = snapshot();
  int status = 0;
  long allocations = g_allocations.load();
  std::printf("train_step heap allocations over 3 steps and an evaluate: %ld\n", allocations);
  if (allocations != 0)
    status = 1;

  // Again from the same start: the same losses and weights.
  for (std::size_t w = 0; w < model::kNumWeights; ++w)
    std::memcpy(model::mutable_weight_data(w), initial[w].data(),
                initial[w].size() * sizeof(float));
  model::reset_optimizer();
  std::vector<float> second;
  for (int step = 0; step < 3; ++step) {
    model::train_step(inPtrs.data(), targetPtrs.data(), logs);
    second.insert(second.end(), logs, logs + model::kNumLogs);
  }
  model::evaluate(inPtrs.data(), targetPtrs.data(), logs);
  bool same = first == second && snapshot() == trained && model::iterations() == 3;
  bool changed = trained != initial;
  std::printf("train_step deterministic: %s; weights changed: %s; losses %g -> %g\n",
              same ? "yes" : "NO", changed ? "yes" : "NO", first[model::kNumOutputs],
              first[2 * model::kNumLogs + model::kNumOutputs]);
  if (!same || !changed)
    status = 1;
  return status;
}
