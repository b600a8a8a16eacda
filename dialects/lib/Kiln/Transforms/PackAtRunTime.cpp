// -kiln-pack-at-run-time: trained Dense and Conv kernels change every step,
// so they are packed into panels on every call instead of at compile time.
#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_PACKATRUNTIME
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct PackAtRunTimePass : kiln::impl::PackAtRunTimeBase<PackAtRunTimePass> {
  void runOnOperation() override {
    Builder b(&getContext());
    auto mark = [&](Operation *op, Value kernel) {
      if (!op->hasAttr(kiln::attr::kPackedKernel) &&
          kiln::worthPacking(cast<RankedTensorType>(kernel.getType())))
        op->setAttr(kiln::attr::kPackAtRunTime, b.getUnitAttr());
    };
    getOperation().walk([&](Operation *op) {
      if (auto dense = dyn_cast<kiln::DenseOp>(op))
        mark(op, dense.getKernel());
      else if (auto conv = dyn_cast<kiln::Conv2DOp>(op); conv && conv.getGroups() == 1)
        mark(op, conv.getKernel());
    });
  }
};
} // namespace
