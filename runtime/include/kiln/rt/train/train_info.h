// What a training executable's main() (NAME_train.cpp) tells the training
// harness (train/harness.h) about its model, and the harness's entry point,
// defined in kiln_train_harness.cpp: as model_info.h for predict.
#ifndef KILN_RT_TRAIN_TRAIN_INFO_H
#define KILN_RT_TRAIN_TRAIN_INFO_H

#include "kiln/rt/model_info.h"

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

/// NAME_train --data DIR --out DIR ... (train/harness.h's trainMain),
/// defined in kiln_train_harness.cpp.
int runTrainHarness(int argc, char **argv, const TrainInfo &info);

} // namespace rt
} // namespace kiln

#endif
