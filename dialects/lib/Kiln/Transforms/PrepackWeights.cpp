#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_PREPACKWEIGHTS
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Whether `user` reads `kernel` as a kernel its packed variant takes.
bool takesPackedKernel(Operation *user, Value kernel) {
  if (auto dense = dyn_cast<kiln::DenseOp>(user))
    return dense.getKernel() == kernel && dense.getInput() != kernel &&
           dense.getResidual() != kernel && dense.getBias() != kernel;
  if (auto conv = dyn_cast<kiln::Conv2DOp>(user))
    return conv.getKernel() == kernel && conv.getGroups() == 1 && conv.getInput() != kernel &&
           conv.getResidual() != kernel && conv.getBias() != kernel;
  return false;
}

struct PrepackWeightsPass : kiln::impl::PrepackWeightsBase<PrepackWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder b(module.getContext());
    for (auto global : module.getOps<ml_program::GlobalOp>()) {
      if (global.getIsMutable())
        continue;
      auto uses = SymbolTable::getSymbolUses(global, module);
      if (!uses)
        continue;
      // Every reader must take the packed layout: a weight also read as
      // plain data (a shared kernel some other op reads) stays plain.
      SmallVector<Operation *> readers;
      bool packable = true;
      for (const SymbolTable::SymbolUse &use : *uses) {
        auto load = dyn_cast<ml_program::GlobalLoadConstOp>(use.getUser());
        if (!load) {
          packable = false;
          break;
        }
        for (Operation *user : load->getUsers()) {
          packable = packable && takesPackedKernel(user, load.getResult());
          readers.push_back(user);
        }
      }
      if (!packable || readers.empty() ||
          !kiln::worthPacking(cast<RankedTensorType>(global.getType())))
        continue;
      global->setAttr(kiln::attr::kPanelWidth, b.getI64IntegerAttr(kiln::kPanelWidth));
      for (Operation *reader : readers)
        reader->setAttr(kiln::attr::kPackedKernel, b.getUnitAttr());
    }
  }
};
} // namespace
