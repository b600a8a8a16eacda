#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_PLANWEIGHTS
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct PlanWeightsPass : kiln::impl::PlanWeightsBase<PlanWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder b(module.getContext());
    int64_t offset = 0;
    for (auto global :
         llvm::make_early_inc_range(module.getOps<ml_program::GlobalOp>())) {
      if (SymbolTable::symbolKnownUseEmpty(global, module)) {
        global.erase();
        continue;
      }
      auto type = dyn_cast<RankedTensorType>(global.getType());
      if (!type || !type.hasStaticShape() ||
          type.getElementType().getIntOrFloatBitWidth() % 8 != 0) {
        global.emitError("weight must be a statically shaped tensor of whole bytes");
        return signalPassFailure();
      }
      global->setAttr(kiln::attr::kWeightOffset, b.getI64IntegerAttr(offset));
      offset += kiln::alignBuffer(kiln::storedGlobalBytes(global));
    }
    module->setAttr(kiln::attr::kWeightBytes, b.getI64IntegerAttr(offset));
  }
};
} // namespace
