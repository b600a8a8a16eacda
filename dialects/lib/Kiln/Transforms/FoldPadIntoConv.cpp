#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_FOLDPADINTOCONV
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct FoldPad : OpRewritePattern<kiln::Conv2DOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::Conv2DOp conv, PatternRewriter &rewriter) const override {
    auto pad = conv.getInput().getDefiningOp<kiln::PadOp>();
    if (!pad)
      return rewriter.notifyMatchFailure(conv, "input is not padded");
    ArrayRef<int64_t> low = pad.getLow(), high = pad.getHigh();
    // The convolution pads rows and columns only (NHWC axes 1 and 2).
    if (low.size() != 4 || low[0] || high[0] || low[3] || high[3])
      return rewriter.notifyMatchFailure(conv, "padding on the batch or channel axis");
    ArrayRef<int64_t> own = conv.getPadding();
    SmallVector<int64_t> padding{own[0] + low[1], own[1] + high[1], own[2] + low[2],
                                 own[3] + high[2]};
    rewriter.modifyOpInPlace(conv, [&] {
      conv.getInputMutable().assign(pad.getInput());
      conv.setPadding(padding);
      conv->setLoc(rewriter.getFusedLoc({conv->getLoc(), pad.getLoc()}));
    });
    // The pad disappears once no other op reads it.
    if (pad->use_empty())
      rewriter.eraseOp(pad);
    return success();
  }
};

struct FoldPadIntoConvPass : kiln::impl::FoldPadIntoConvBase<FoldPadIntoConvPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldPad>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
