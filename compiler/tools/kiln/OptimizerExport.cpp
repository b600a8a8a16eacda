#include "OptimizerExport.h"

#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cstring>

namespace kiln::cli {

bool addKerasOptimizerState(const std::string &dir, const ModelInterface &model,
                            WeightsUpdate &update, std::string &error) {
  if (!model.training) {
    error = "the model was not compiled for training";
    return false;
  }
  const TrainingInterface &training = *model.training;
  std::string path = dir + "/optimizer.bin";
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  // "KILNOPT1", the step count (int64), the state's byte count (uint64), the state.
  const size_t header = 8 + 8 + 8;
  llvm::StringRef bytes = buffer ? (*buffer)->getBuffer() : llvm::StringRef();
  uint64_t stateBytes = 0;
  int64_t steps = 0;
  if (bytes.size() >= header) {
    std::memcpy(&steps, bytes.data() + 8, 8);
    std::memcpy(&stateBytes, bytes.data() + 16, 8);
  }
  if (bytes.size() < header || !bytes.starts_with("KILNOPT1") ||
      stateBytes != uint64_t(training.stateBytes) || bytes.size() != header + stateBytes) {
    error = "'" + path + "' is not this model's optimizer state";
    return false;
  }
  const char *state = bytes.data() + header;

  std::vector<const WeightInterface *> trained;
  int64_t slots = 0;
  for (const WeightInterface &w : model.weights) {
    if (!w.trainable)
      continue;
    if (w.kerasOrder.empty()) {
      error = "weight '" + w.name + "' has no place among Keras's variables";
      return false;
    }
    trained.push_back(&w);
    slots = std::max(slots, w.numSlots);
  }
  std::stable_sort(trained.begin(), trained.end(),
                   [](const WeightInterface *a, const WeightInterface *b) {
                     return a->kerasOrder < b->kerasOrder;
                   });
  // Each add_optimizer_variables call of the optimizer's build(): the slots
  // it makes per variable, one variable after another.
  const bool adam = training.optimizer == "adam" || training.optimizer == "adamw";
  std::vector<int64_t> groups;
  for (int64_t s = 0; s < slots; s += groups.back())
    groups.push_back(adam && s == 0 ? std::min<int64_t>(2, slots) : 1);

  update.datasets["optimizer/vars/0"] = {{float(steps)}, {}};
  size_t next = 2, slot = 0;
  for (int64_t size : groups) {
    for (const WeightInterface *w : trained) {
      int64_t elements = 1;
      for (int64_t d : w->shape)
        elements *= d;
      for (int64_t s = 0; s < size; ++s) {
        std::vector<float> values(elements, 0.0f);
        if (w->stateOffset >= 0) {
          int64_t offset = w->stateOffset + int64_t(slot + s) * alignBuffer(4 * elements);
          if (offset + 4 * elements > int64_t(stateBytes)) {
            error = "'" + path + "' is too short for the slots of '" + w->name + "'";
            return false;
          }
          std::memcpy(values.data(), state + offset, 4 * elements);
        }
        update.datasets["optimizer/vars/" + std::to_string(next++)] = {std::move(values),
                                                                       w->shape};
      }
    }
    slot += size;
  }
  update.numberedGroup = "optimizer/vars";
  update.keepNumbered = next;
  return true;
}

} // namespace kiln::cli
