// Token ids, masks and recurrent layers → kiln::rt calls.
#include "KernelCallPattern.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"

using namespace mlir;
using namespace kiln;

namespace {
struct CastLowering : KernelCallPattern<kiln::CastOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(kiln::CastOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    kiln::emitKernelCall(rewriter, op.getLoc(), "kiln::rt::cast_f32", {adaptor.getInput(), out},
                         {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
                          rewriter.getI64IntegerAttr(op.getType().getNumElements())});
    return success();
  }
};

struct EmbeddingLowering : KernelCallPattern<kiln::EmbeddingOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(kiln::EmbeddingOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto table = op.getTable().getType();
    kiln::emitKernelCall(
        rewriter, op.getLoc(), "kiln::rt::embedding_f32",
        {adaptor.getIds(), adaptor.getTable(), out},
        {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1), rewriter.getIndexAttr(2),
         rewriter.getI64IntegerAttr(op.getIds().getType().getNumElements()),
         rewriter.getI64IntegerAttr(table.getDimSize(0)),
         rewriter.getI64IntegerAttr(table.getDimSize(1))});
    return success();
  }
};

struct CompareLowering : KernelCallPattern<kiln::CompareOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(kiln::CompareOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    kiln::emitKernelCall(
        rewriter, op.getLoc(), "kiln::rt::compare_f32", {adaptor.getInput(), out},
        {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
         rewriter.getI64IntegerAttr(op.getType().getNumElements()),
         rewriter.getF64FloatAttr(op.getValue().convertToDouble()),
         opaque(op.getContext(), op.getKind() == CompareKind::ne ? "true" : "false")});
    return success();
  }
};

/// kiln.rnn has several results (output, final states), so it does not fit
/// KernelCallPattern's single result. So has kiln.rnn_train, whose first
/// result (`saved`) is rnn_f32's last argument.
template <class RnnLikeOp> struct RnnLowering : OpConversionPattern<RnnLikeOp> {
  using OpConversionPattern<RnnLikeOp>::OpConversionPattern;
  using OpAdaptor = typename RnnLikeOp::Adaptor;
  static constexpr bool kSaves = std::is_same_v<RnnLikeOp, kiln::RnnTrainOp>;
  LogicalResult matchAndRewrite(RnnLikeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    SmallVector<Value> results;
    for (unsigned i = 0; i < op->getNumResults(); ++i) {
      FailureOr<Value> buffer = getResultBuffer(op, i, rewriter);
      if (failed(buffer))
        return failure();
      results.push_back(*buffer);
    }
    FailureOr<Value> scratch = getScratchBuffer(op, rewriter);
    if (failed(scratch))
      return failure();

    SmallVector<Value> operands;
    SmallVector<Attribute> args;
    auto pass = [&](Value v) {
      if (!v) {
        args.push_back(opaque(ctx, "nullptr"));
        return;
      }
      args.push_back(rewriter.getIndexAttr(operands.size()));
      operands.push_back(v);
    };
    ValueRange states = adaptor.getInitialStates();
    pass(adaptor.getInput());
    pass(adaptor.getKernel());
    pass(adaptor.getRecurrentKernel());
    pass(adaptor.getBias());
    pass(adaptor.getMask());
    pass(states.empty() ? Value() : states[0]);
    pass(states.size() > 1 ? states[1] : Value());
    ArrayRef<Value> outs = ArrayRef<Value>(results).drop_front(kSaves ? 1 : 0);
    pass(outs[0]);
    pass(outs.size() > 1 ? outs[1] : Value());
    pass(outs.size() > 2 ? outs[2] : Value());
    pass(*scratch);
    auto input = op.getInput().getType();
    auto flag = [](bool b) { return b ? "true" : "false"; };
    args.push_back(opaque(
        ctx, "kiln::rt::RnnShape{" + std::to_string(input.getDimSize(0)) + ", " +
                 std::to_string(input.getDimSize(1)) + ", " +
                 std::to_string(input.getDimSize(2)) + ", " + std::to_string(op.getUnits()) +
                 ", " + flag(op.getGoBackwards()) + ", " + flag(op.getReturnSequences()) +
                 ", " + flag(op.getResetAfter()) + ", " + flag(op.getZeroOutputForMask()) +
                 ", " + flag(readsPanels(op, op.getKernelMutable().getOperandNumber())) + ", " +
                 flag(readsPanels(op, op.getRecurrentKernelMutable().getOperandNumber())) +
                 "}"));
    if (kSaves)
      pass(results[0]);
    kiln::emitKernelCall(
        rewriter, op.getLoc(), "kiln::rt::rnn_f32", operands, args,
        {opaque(ctx, "kiln::rt::Cell::" + stringifyRnnCellKind(op.getCell())),
         actTemplate(ctx, op.getActivation()), actTemplate(ctx, op.getRecurrentActivation())});
    rewriter.replaceOp(op, results);
    return success();
  }
};
} // namespace

void kiln::populateSequencePatterns(RewritePatternSet &patterns) {
  patterns.add<CastLowering, EmbeddingLowering, CompareLowering, RnnLowering<kiln::RnnOp>,
               RnnLowering<kiln::RnnTrainOp>>(
      patterns.getContext());
}
