#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_SELECTWINOGRAD
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// Tiles the Winograd kernel should run at a time for `conv` reading
/// `kernel` as its kernel, or 0 where F(4x4, 3x3) does not pay.
int64_t tileBlockFor(kiln::Conv2DOp conv, OpOperand &kernel) {
  if (&kernel != &conv.getKernelMutable() || conv.getGroups() != 1)
    return 0;
  auto k = conv.getKernel().getType().getShape();
  auto out = conv.getType().getShape();
  return kiln::winogradTileBlock(k, conv.getStrides(), conv.getDilations(), out[0], out[1],
                                 out[2], k[2], k[3]);
}

struct SelectWinogradPass : kiln::impl::SelectWinogradBase<SelectWinogradPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder b(module.getContext());
    for (auto global : module.getOps<ml_program::GlobalOp>()) {
      auto type = dyn_cast<RankedTensorType>(global.getType());
      if (global.getIsMutable() || !type || type.getRank() != 4 ||
          !type.getElementType().isF32())
        continue;
      auto uses = SymbolTable::getSymbolUses(global, module);
      if (!uses)
        continue;
      // Every reader must run Winograd: the blob holds one layout.
      SmallVector<std::pair<Operation *, int64_t>> readers;
      bool selected = true;
      for (const SymbolTable::SymbolUse &use : *uses) {
        auto load = dyn_cast<ml_program::GlobalLoadConstOp>(use.getUser());
        selected = selected && load;
        if (!selected)
          break;
        for (OpOperand &read : load->getUses()) {
          auto conv = dyn_cast<kiln::Conv2DOp>(read.getOwner());
          const int64_t block = conv ? tileBlockFor(conv, read) : 0;
          selected = selected && block > 0;
          readers.push_back({read.getOwner(), block});
        }
      }
      if (!selected || readers.empty())
        continue;
      global->setAttr(kiln::attr::kWinograd, b.getUnitAttr());
      for (auto [reader, block] : readers)
        reader->setAttr(kiln::attr::kWinograd, b.getI64IntegerAttr(block));
    }
  }
};
} // namespace
