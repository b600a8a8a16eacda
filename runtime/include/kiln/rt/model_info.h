// What a generated executable's main() tells the command-line harness about
// its model, and the harness's entry point. The harness itself (harness.h) is
// the same for every model, so kiln builds it in a file of its own,
// kiln_harness.cpp, whose object its build cache shares between models;
// NAME_main.cpp includes only this.
#ifndef KILN_RT_MODEL_INFO_H
#define KILN_RT_MODEL_INFO_H

#include <cstddef>
#include <cstdint>

namespace kiln {
namespace rt {

/// Element types of model inputs: float32, or integer ids.
enum class DType { f32, i32, i64 };

/// A model input or output: Keras name, per-sample shape (no batch axis) and
/// element type.
struct TensorInfo {
  const char *name;
  std::size_t rank;
  const std::int64_t *shape;
  std::size_t size; // elements per sample
  DType dtype;
};

struct ModelInfo {
  const char *model_name;
  std::size_t batch;
  const TensorInfo *inputs;
  std::size_t num_inputs;
  const TensorInfo *outputs;
  std::size_t num_outputs;
  void (*predict)(const void *const *inputs, float *const *outputs,
                  std::size_t num_samples, void *arena);
  std::size_t arena_bytes;
  /// Whether predict() has a static arena of its own (kiln compile
  /// --arena=static, the default) and accepts nullptr.
  bool static_arena;
};

/// NAME --input INPUT_NAME=FILE.npy ... --output-dir OUT (harness.h's
/// runMain), defined in kiln_harness.cpp.
int runHarness(int argc, char **argv, const ModelInfo &model);

} // namespace rt
} // namespace kiln

#endif
