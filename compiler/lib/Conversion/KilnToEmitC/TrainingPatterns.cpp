// Training ops (KilnTrainingOps.td) → kiln::rt kernels in kiln/rt/train/.
#include "KernelCallPattern.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/SymbolTable.h"

#include <cstdio>

using namespace mlir;
using namespace kiln;

namespace {
Attribute lossTemplate(MLIRContext *ctx, LossKind kind) {
  return opaque(ctx, "kiln::rt::Loss::" + stringifyLossKind(kind));
}

/// A C++ float literal that reads back as exactly `v`.
std::string floatLiteral(float v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", v);
  std::string s = text;
  if (s.find_first_of(".e") == std::string::npos)
    s += ".0";
  return s + "f";
}

Attribute boolArg(MLIRContext *ctx, bool value) { return opaque(ctx, value ? "true" : "false"); }

/// (rows, n): positions and values per position of a loss's prediction.
std::pair<int64_t, int64_t> lossRows(RankedTensorType prediction) {
  int64_t n = prediction.getShape().back();
  return {prediction.getNumElements() / std::max<int64_t>(1, n), n};
}

struct LossLowering : KernelCallPattern<LossOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(LossOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto [rows, n] = lossRows(op.getPrediction().getType());
    MLIRContext *ctx = op.getContext();
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::loss_f32",
                   {adaptor.getPrediction(), adaptor.getTarget(), out},
                   {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1), rewriter.getIndexAttr(2),
                    rewriter.getI64IntegerAttr(rows), rewriter.getI64IntegerAttr(n),
                    boolArg(ctx, op.getFromLogits()), op.getLabelSmoothingAttr(),
                    op.getDeltaAttr()},
                   {lossTemplate(ctx, op.getKind())});
    return success();
  }
};

struct LossGradLowering : KernelCallPattern<LossGradOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(LossGradOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto [rows, n] = lossRows(op.getPrediction().getType());
    MLIRContext *ctx = op.getContext();
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::loss_grad_f32",
                   {adaptor.getPrediction(), adaptor.getTarget(), out},
                   {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1), rewriter.getIndexAttr(2),
                    rewriter.getI64IntegerAttr(rows), rewriter.getI64IntegerAttr(n),
                    boolArg(ctx, op.getFromLogits()), op.getLabelSmoothingAttr(),
                    op.getDeltaAttr(), op.getScaleAttr()},
                   {lossTemplate(ctx, op.getKind())});
    return success();
  }
};

struct DenseGradInputLowering : KernelCallPattern<DenseGradInputOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(DenseGradInputOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto kernel = op.getKernel().getType();
    int64_t in = kernel.getDimSize(0), units = kernel.getDimSize(1);
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::dense_grad_input_f32",
                   {adaptor.getResultGrad(), adaptor.getKernel(), out},
                   {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1), rewriter.getIndexAttr(2),
                    rewriter.getI64IntegerAttr(op.getType().getNumElements() / in),
                    rewriter.getI64IntegerAttr(in), rewriter.getI64IntegerAttr(units)});
    return success();
  }
};

struct DenseGradKernelLowering : KernelCallPattern<DenseGradKernelOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(DenseGradKernelOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    int64_t in = op.getType().getDimSize(0), units = op.getType().getDimSize(1);
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::dense_grad_kernel_f32",
                   {adaptor.getInput(), adaptor.getResultGrad(), out},
                   {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1), rewriter.getIndexAttr(2),
                    rewriter.getI64IntegerAttr(op.getInput().getType().getNumElements() / in),
                    rewriter.getI64IntegerAttr(in), rewriter.getI64IntegerAttr(units)});
    return success();
  }
};

struct SumToLowering : KernelCallPattern<SumToOp> {
  using KernelCallPattern::KernelCallPattern;
  static constexpr size_t kRank = 4; // iteration rank of kiln::rt::sum_to_f32

  LogicalResult emitCall(SumToOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    // The result, padded with leading 1s to the input's rank, is a
    // broadcast operand of the input's shape.
    auto input = op.getInput().getType();
    SmallVector<int64_t> padded(input.getRank() - op.getType().getRank(), 1);
    llvm::append_range(padded, op.getType().getShape());
    auto operand = RankedTensorType::get(padded, input.getElementType());
    BroadcastIteration it = collapseBroadcast({operand}, input);
    if (it.dims.size() > kRank)
      return op.emitOpError() << "reduction pattern needs " << it.dims.size()
                              << " axes; the runtime kernel handles " << kRank;
    while (it.dims.size() < kRank) {
      it.dims.insert(it.dims.begin(), 1);
      it.strides[0].insert(it.strides[0].begin(), 0);
    }
    SmallVector<Attribute> args{rewriter.getIndexAttr(0), rewriter.getIndexAttr(1)};
    llvm::append_range(args, intArgs(rewriter, it.dims));
    llvm::append_range(args, intArgs(rewriter, it.strides[0]));
    args.push_back(rewriter.getI64IntegerAttr(op.getType().getNumElements()));
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::sum_to_f32", {adaptor.getInput(), out},
                   args);
    return success();
  }
};

struct ActivationGradLowering : KernelCallPattern<ActivationGradOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(ActivationGradOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    SmallVector<Attribute> args{rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
                                rewriter.getIndexAttr(2),
                                rewriter.getI64IntegerAttr(op.getType().getNumElements())};
    StringRef callee = "kiln::rt::activation_grad_f32";
    if (op.getAlpha() || op.getMaxValue() || op.getThreshold()) {
      // The Keras layers' defaults for what the op leaves unset, as in
      // kiln.activation's lowering.
      float alpha = op.getKind() == ActivationKind::leaky_relu ? 0.2f
                    : op.getKind() == ActivationKind::elu      ? 1.0f
                                                               : 0.0f;
      callee = "kiln::rt::activation_param_grad_f32";
      args.push_back(rewriter.getF32FloatAttr(op.getAlpha() ? op.getAlpha()->convertToFloat()
                                                            : alpha));
      args.push_back(op.getMaxValue()
                         ? Attribute(rewriter.getF32FloatAttr(op.getMaxValue()->convertToFloat()))
                         : opaque(ctx, "INFINITY"));
      args.push_back(rewriter.getF32FloatAttr(
          op.getThreshold() ? op.getThreshold()->convertToFloat() : 0.0f));
    } else {
      args.push_back(boolArg(ctx, op.getFromResult()));
    }
    emitKernelCall(rewriter, op.getLoc(), callee,
                   {adaptor.getResultGrad(), adaptor.getValue(), out}, args,
                   {actTemplate(ctx, op.getKind())});
    return success();
  }
};

struct SoftmaxGradLowering : KernelCallPattern<SoftmaxGradOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(SoftmaxGradOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    AxisView v = viewAround(op.getType(), op.getAxis());
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::softmax_grad_f32",
                   {adaptor.getResultGrad(), adaptor.getSoftmax(), out},
                   {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1), rewriter.getIndexAttr(2),
                    rewriter.getI64IntegerAttr(v.outer), rewriter.getI64IntegerAttr(v.axis),
                    rewriter.getI64IntegerAttr(v.inner), boolArg(op.getContext(), op.getLog())});
    return success();
  }
};

/// kiln.optimizer_update → kiln::rt::optimizer_update_f32<kind>(weight,
/// grad, state, n, iterations, params): the weight in the (mutable) weight
/// blob, its slots in the training state the generated source defines.
struct OptimizerUpdateLowering : OpConversionPattern<OptimizerUpdateOp> {
  OptimizerUpdateLowering(MLIRContext *ctx, std::string weightsSymbol)
      : OpConversionPattern(ctx), weightsSymbol(std::move(weightsSymbol)) {}

  LogicalResult matchAndRewrite(OptimizerUpdateOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto global =
        SymbolTable::lookupNearestSymbolFrom<ml_program::GlobalOp>(op, op.getWeightAttr());
    auto offset = global ? global->getAttrOfType<IntegerAttr>(attr::kWeightOffset)
                         : IntegerAttr();
    if (!offset)
      return op.emitError("weight ") << op.getWeightAttr()
                                     << " has no offset; run -kiln-plan-weights first";
    MLIRContext *ctx = op.getContext();
    auto fmtFloat = [](std::optional<APFloat> v) { return floatLiteral(v ? v->convertToFloat() : 0.0f); };
    std::string params = "kiln::rt::OptimizerParams{" +
                         fmtFloat(op.getLearningRate()) + ", " + fmtFloat(op.getMomentum()) +
                         ", " + fmtFloat(op.getBeta_1()) + ", " + fmtFloat(op.getBeta_2()) +
                         ", " + fmtFloat(op.getEpsilon()) + ", " + fmtFloat(op.getRho()) + ", " +
                         (op.getNesterov() ? "true" : "false") + ", " +
                         (op.getAmsgrad() ? "true" : "false") + ", " +
                         (op.getCentered() ? "true" : "false") + ", " +
                         fmtFloat(op.getClipnorm()) + ", " + fmtFloat(op.getClipvalue()) + ", " +
                         fmtFloat(op.getWeightDecay()) + "}";
    emitKernelCall(
        rewriter, op.getLoc(), "kiln::rt::optimizer_update_f32", {adaptor.getGradient()},
        {opaque(ctx, "kiln::rt::at<float>(" + weightsSymbol + ", " +
                         std::to_string(offset.getInt()) + ")"),
         rewriter.getIndexAttr(0),
         opaque(ctx, "kiln::rt::at<float>(kiln_train_state, " +
                         std::to_string(op.getStateOffset()) + ")"),
         rewriter.getI64IntegerAttr(op.getGradient().getType().getNumElements()),
         opaque(ctx, "kiln_train_iterations"), opaque(ctx, params)},
        {opaque(ctx, "kiln::rt::Optimizer::" + stringifyOptimizerKind(op.getKind()))});
    rewriter.eraseOp(op);
    return success();
  }

  std::string weightsSymbol;
};
} // namespace

void kiln::populateTrainingPatterns(RewritePatternSet &patterns,
                                    const std::string &weightsSymbol) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<LossLowering, LossGradLowering, DenseGradInputLowering, DenseGradKernelLowering,
               SumToLowering, ActivationGradLowering, SoftmaxGradLowering>(ctx);
  patterns.add<OptimizerUpdateLowering>(ctx, weightsSymbol);
}
