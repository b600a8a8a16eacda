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
struct FoldActivationIntoProducer : OpRewritePattern<kiln::ActivationOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::ActivationOp op,
                                PatternRewriter &rewriter) const override {
    auto producer =
        op.getInput().getDefiningOp<kiln::ActivationFusionOpInterface>();
    if (!producer || !op.getInput().hasOneUse())
      return rewriter.notifyMatchFailure(op, "no exclusive fusible producer");
    // Epilogues apply an activation with Keras's default parameters only.
    if (!op.hasDefaultParameters())
      return rewriter.notifyMatchFailure(op, "parameterized activation");
    if (producer.getFusedActivation() != kiln::ActivationKind::linear)
      return rewriter.notifyMatchFailure(op, "producer already has an epilogue");
    rewriter.modifyOpInPlace(producer, [&] {
      producer.setFusedActivation(op.getKind());
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
