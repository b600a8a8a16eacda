// -kiln-winograd-at-run-time: a trained 3x3 kernel changes every step, so
// it cannot be stored transformed (-kiln-select-winograd); where Winograd
// F(4x4, 3x3) pays, the convolution and its input gradient transform it on
// every call instead, into their scratch (9 C F floats in, 36 out: small
// beside the products the tiles save).
#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_WINOGRADATRUNTIME
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct WinogradAtRunTimePass : kiln::impl::WinogradAtRunTimeBase<WinogradAtRunTimePass> {
  void runOnOperation() override {
    Builder b(&getContext());
    auto mark = [&](Operation *op, int64_t block) {
      if (block > 0)
        op->setAttr(kiln::attr::kWinogradAtRunTime, b.getI64IntegerAttr(block));
    };
    getOperation().walk([&](Operation *op) {
      if (auto conv = dyn_cast<kiln::Conv2DOp>(op)) {
        if (conv.getGroups() != 1 || conv->hasAttr(kiln::attr::kWinograd))
          return;
        auto k = conv.getKernel().getType().getShape();
        auto out = conv.getType().getShape();
        mark(op, kiln::winogradTileBlock(k, conv.getStrides(), conv.getDilations(), out[0],
                                         out[1], out[2], k[2], k[3]));
      } else if (auto grad = dyn_cast<kiln::Conv2DGradInputOp>(op)) {
        // dx is a stride-1 convolution of dy by the flipped kernel, padded
        // 2 - pad: with pad at most 2 on top and on the left.
        auto padding = grad.getPadding();
        if (grad.getGroups() != 1 || padding[0] > 2 || padding[2] > 2)
          return;
        auto k = cast<ShapedType>(grad.getKernel().getType()).getShape();
        auto dx = grad.getType().getShape();
        mark(op, kiln::winogradTileBlock(k, grad.getStrides(), grad.getDilations(), dx[0], dx[1],
                                         dx[2], k[3], k[2]));
      }
    });
  }
};
} // namespace
