#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_SELECTWINOGRAD
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
constexpr int64_t kMiB = 1 << 20;

/// Tiles the Winograd kernel should run at a time for `conv` reading
/// `kernel` as its kernel, or 0 where F(4x4, 3x3) does not pay. The
/// thresholds come from runtime/bench's BM_Winograd against BM_Conv.
int64_t tileBlockFor(kiln::Conv2DOp conv, OpOperand &kernel) {
  if (&kernel != &conv.getKernelMutable() || conv.getGroups() != 1)
    return 0;
  auto k = conv.getKernel().getType().getShape();
  auto strides = conv.getStrides(), dilations = conv.getDilations();
  if (k[0] != 3 || k[1] != 3 || strides[0] != 1 || strides[1] != 1 || dilations[0] != 1 ||
      dilations[1] != 1)
    return 0;
  const int64_t c = k[2], f = k[3];
  auto out = conv.getType().getShape();
  const int64_t tilesH = (out[1] + 3) / 4, tilesW = (out[2] + 3) / 4;
  const int64_t tiles = out[0] * tilesH * tilesW;
  // The transforms cost per channel what a few products save.
  if (c < 16 || f < 16 || tiles < 4)
    return 0;
  // At most 30 % of the tiles' pixels outside the image.
  if (10 * out[1] * out[2] < 7 * 16 * tilesH * tilesW)
    return 0;
  // The transformed kernel is 4x the plain one, and is streamed once per
  // block: too few tiles leave that memory-bound.
  const int64_t kernelBytes = 4 * kiln::winogradKernelFloats(c, f);
  if (kernelBytes > 4 * kMiB && tiles < 12)
    return 0;
  // Blocks whose scratch is about the kernel's size (within [0.5, 8] MiB):
  // small kernels are cheap to stream again, large ones are not.
  const int64_t budget = std::clamp<int64_t>(kernelBytes, kMiB / 2, 8 * kMiB);
  const int64_t perTile = 4 * kiln::winogradScratchFloats(1, c, f);
  int64_t block = budget / perTile / 12 * 12; // whole register tiles of rows
  block = std::max<int64_t>(block, 12);
  return std::min(block, tiles);
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
