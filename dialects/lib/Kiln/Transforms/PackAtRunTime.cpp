// -kiln-pack-at-run-time: trained Dense and Conv kernels change every step,
// so they cannot be prepacked. A kernel whose width is a multiple of the
// panel width is read as panels where it lies; any other is packed into
// panels on every call. Unlike prepacking, that costs no stored bytes, only
// arena scratch, so narrow kernels pack too: their zero-padded columns
// still run in vector registers, where the plain kernel would take them one
// at a time.
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
    getOperation().walk([&](kiln::PanelKernelOpInterface op) {
      if (!op.canPackAtRunTime() || op->hasAttr(kiln::attr::kPanelOperands) ||
          op->hasAttr(kiln::attr::kWinogradAtRunTime))
        return;
      bool inPlace = false;
      for (OpOperand &operand : op->getOpOperands())
        if (op.canReadPanels(operand.getOperandNumber()))
          inPlace = cast<ShapedType>(operand.get().getType()).getShape().back() %
                        kiln::kPanelWidth ==
                    0;
      op->setAttr(inPlace ? kiln::attr::kPanelsInPlace : kiln::attr::kPackAtRunTime,
                  b.getUnitAttr());
    });
  }
};
} // namespace
