#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_PREPACKWEIGHTS
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Whether `use` reads the weight through a kernel variant taking panels.
bool readsAsPanels(OpOperand &use) {
  auto op = dyn_cast<kiln::PanelKernelOpInterface>(use.getOwner());
  return op && op.canReadPanels(use.getOperandNumber());
}

struct PrepackWeightsPass : kiln::impl::PrepackWeightsBase<PrepackWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder b(module.getContext());
    for (auto global : module.getOps<ml_program::GlobalOp>()) {
      // Trained weights change every step; Winograd kernels have their own layout.
      if (global.getIsMutable() || global->hasAttr(kiln::attr::kWinograd))
        continue;
      auto uses = SymbolTable::getSymbolUses(global, module);
      if (!uses)
        continue;
      // Every reader must take the packed layout: a weight also read as
      // plain data (a shared kernel some other op reads) stays plain.
      SmallVector<OpOperand *> readers;
      bool packable = true;
      for (const SymbolTable::SymbolUse &use : *uses) {
        auto load = dyn_cast<ml_program::GlobalLoadConstOp>(use.getUser());
        if (!load) {
          packable = false;
          break;
        }
        for (OpOperand &read : load->getUses()) {
          packable = packable && readsAsPanels(read);
          readers.push_back(&read);
        }
      }
      if (!packable || readers.empty() ||
          !kiln::worthPacking(cast<RankedTensorType>(global.getType())))
        continue;
      global->setAttr(kiln::attr::kPanelWidth, b.getI64IntegerAttr(kiln::kPanelWidth));
      for (OpOperand *read : readers) {
        Operation *reader = read->getOwner();
        SmallVector<int64_t> operands;
        if (auto marked = reader->getAttrOfType<DenseI64ArrayAttr>(kiln::attr::kPanelOperands))
          operands.assign(marked.asArrayRef().begin(), marked.asArrayRef().end());
        operands.push_back(read->getOperandNumber());
        llvm::sort(operands);
        reader->setAttr(kiln::attr::kPanelOperands, b.getDenseI64ArrayAttr(operands));
      }
    }
  }
};
} // namespace
