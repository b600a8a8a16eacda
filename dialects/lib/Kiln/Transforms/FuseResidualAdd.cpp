#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_FUSERESIDUALADD
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// The producer of `v` if it can take a residual epilogue: used only here,
/// no residual yet, and no activation (which would come before the add).
kiln::ResidualFusionOpInterface fusibleProducer(Value v) {
  auto producer = v.getDefiningOp<kiln::ResidualFusionOpInterface>();
  if (!producer || !v.hasOneUse() || producer.getResidual())
    return nullptr;
  auto epilogue = dyn_cast<kiln::ActivationFusionOpInterface>(producer.getOperation());
  if (epilogue && epilogue.getFusedActivation() != kiln::ActivationKind::linear)
    return nullptr;
  return producer;
}

struct FoldAddIntoProducer : OpRewritePattern<kiln::BinaryOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(kiln::BinaryOp add, PatternRewriter &rewriter) const override {
    if (add.getKind() != kiln::BinaryKind::add)
      return rewriter.notifyMatchFailure(add, "not an add");
    // A broadcast operand would need a strided epilogue.
    if (add.getLhs().getType() != add.getType() || add.getRhs().getType() != add.getType())
      return rewriter.notifyMatchFailure(add, "broadcasting add");
    DominanceInfo dominance;
    kiln::ResidualFusionOpInterface chosen;
    Value residual;
    // Prefer a producer that the other operand already dominates, so no op
    // has to move (moving lengthens its inputs' lives).
    for (unsigned i : {1u, 0u}) {
      auto producer = fusibleProducer(add->getOperand(i));
      Value other = add->getOperand(1 - i);
      if (!producer || other == add->getOperand(i))
        continue;
      if (!chosen || dominance.properlyDominates(other, producer)) {
        chosen = producer;
        residual = other;
      }
    }
    if (!chosen)
      return rewriter.notifyMatchFailure(add, "no exclusive producer without an activation");
    Operation *producer = chosen.getOperation();
    rewriter.modifyOpInPlace(producer, [&] {
      if (!dominance.properlyDominates(residual, producer))
        producer->moveBefore(add);
      chosen.setResidual(residual);
      producer->setLoc(rewriter.getFusedLoc({producer->getLoc(), add.getLoc()}));
    });
    rewriter.replaceOp(add, producer->getResult(0));
    return success();
  }
};

struct FuseResidualAddPass : kiln::impl::FuseResidualAddBase<FuseResidualAddPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldAddIntoProducer>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
