#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_DROPINFERENCENOOPS
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct DropInferenceNoOpsPass
    : kiln::impl::DropInferenceNoOpsBase<DropInferenceNoOpsPass> {
  void runOnOperation() override {
    SmallVector<kiln::InferenceNoOpInterface> noOps;
    getOperation()->walk(
        [&](kiln::InferenceNoOpInterface op) { noOps.push_back(op); });
    for (kiln::InferenceNoOpInterface op : noOps) {
      op->getResult(0).replaceAllUsesWith(op.getForwardedValue());
      op->erase();
    }
  }
};
} // namespace
