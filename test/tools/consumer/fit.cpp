// Trains a model compiled with kiln_add_model(... TRAIN) on .npy batches in
// file order and writes each step's total loss.
// usage: fit INPUT.npy TARGET.npy LOSSES.npy
#include "trained.h"

#include "kiln/rt/npy.h"

#include <cstdio>
#include <vector>

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: fit INPUT.npy TARGET.npy LOSSES.npy\n");
    return 2;
  }
  kiln::rt::NpyArray x, y;
  std::string error;
  if (!kiln::rt::readNpy(argv[1], x, error) || !kiln::rt::readNpy(argv[2], y, error)) {
    std::fprintf(stderr, "fit: %s\n", error.c_str());
    return 1;
  }
  const std::size_t steps = std::size_t(x.shape[0]) / trained::kBatch;
  std::vector<float> history;
  float logs[trained::kNumLogs]; // the losses, then the metrics
  for (std::size_t s = 0; s < steps; ++s) {
    const void *inputs[] = {x.data.data() + s * trained::kBatch * trained::kInputSizes[0]};
    const float *targets[] = {y.data.data() + s * trained::kBatch * trained::kTargetSizes[0]};
    trained::train_step(inputs, targets, logs);
    history.push_back(logs[trained::kNumOutputs]);
  }
  if (!kiln::rt::writeNpy(argv[3], {std::int64_t(steps)}, history.data(), error)) {
    std::fprintf(stderr, "fit: %s\n", error.c_str());
    return 1;
  }
  std::printf("%zu steps, %lld iterations\n", steps, (long long)trained::iterations());
  return 0;
}
