#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_FUSEACTIVATION
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// The kind an activation computes with Keras's default parameters, if its
/// parameters are those of one: ReLU(max_value=6) is relu6, ReLU() is relu.
std::optional<kiln::ActivationKind> plainKind(kiln::ActivationOp op) {
  if (op.hasDefaultParameters())
    return op.getKind();
  auto isZero = [](std::optional<APFloat> v) { return !v || v->isZero(); };
  if (op.getKind() != kiln::ActivationKind::relu || !isZero(op.getAlpha()) ||
      !isZero(op.getThreshold()))
    return std::nullopt;
  if (!op.getMaxValue() || op.getMaxValue()->isPosInfinity())
    return kiln::ActivationKind::relu;
  if (op.getMaxValue()->convertToFloat() == 6.0f)
    return kiln::ActivationKind::relu6;
  return std::nullopt;
}

struct FoldActivationIntoProducer : OpRewritePattern<kiln::ActivationOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::ActivationOp op,
                                PatternRewriter &rewriter) const override {
    auto producer =
        op.getInput().getDefiningOp<kiln::ActivationFusionOpInterface>();
    if (!producer || !op.getInput().hasOneUse())
      return rewriter.notifyMatchFailure(op, "no exclusive fusible producer");
    // Epilogues apply an activation with Keras's default parameters only.
    std::optional<kiln::ActivationKind> kind = plainKind(op);
    if (!kind)
      return rewriter.notifyMatchFailure(op, "parameterized activation");
    if (producer.getFusedActivation() != kiln::ActivationKind::linear)
      return rewriter.notifyMatchFailure(op, "producer already has an epilogue");
    rewriter.modifyOpInPlace(producer, [&] {
      producer.setFusedActivation(*kind);
      // The fused op now computes what the activation did: keep the
      // activation's location so diagnostics name the right layer too.
      producer->setLoc(rewriter.getFusedLoc({producer->getLoc(), op.getLoc()}));
    });
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
};

struct FuseActivationPass : kiln::impl::FuseActivationBase<FuseActivationPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldActivationIntoProducer>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
