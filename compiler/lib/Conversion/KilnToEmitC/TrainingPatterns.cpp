// Training ops (KilnTrainingOps.td) → kiln::rt kernels in kiln/rt/train/.
#include "KernelCallPattern.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"


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

struct MetricLowering : KernelCallPattern<MetricOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(MetricOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto [rows, n] = lossRows(op.getPrediction().getType());
    MLIRContext *ctx = op.getContext();
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::metric_f32",
                   {adaptor.getPrediction(), adaptor.getTarget(), out},
                   {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1), rewriter.getIndexAttr(2),
                    rewriter.getI64IntegerAttr(rows), rewriter.getI64IntegerAttr(n),
                    op.getThresholdAttr()},
                   {opaque(ctx, "kiln::rt::Metric::" + stringifyMetricKind(op.getKind()))});
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

/// kiln.regularization and its gradient: (input, out, n, l1, l2, scale).
template <typename Op> struct RegularizationLowering : KernelCallPattern<Op> {
  RegularizationLowering(MLIRContext *ctx, StringRef callee)
      : KernelCallPattern<Op>(ctx), callee(callee.str()) {}
  LogicalResult emitCall(Op op, typename Op::Adaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    int64_t n = op.getInput().getType().getNumElements();
    emitKernelCall(rewriter, op.getLoc(), callee, {adaptor.getInput(), out},
                   {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
                    rewriter.getI64IntegerAttr(n), op.getL1Attr(), op.getL2Attr(),
                    op.getScaleAttr()});
    return success();
  }
  std::string callee;
};

struct DenseGradInputLowering : KernelCallPattern<DenseGradInputOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(DenseGradInputOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto kernel = op.getKernel().getType();
    int64_t in = kernel.getDimSize(0), units = kernel.getDimSize(1);
    FailureOr<Value> scratch = getScratchBuffer(op, rewriter);
    if (failed(scratch))
      return failure();
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::dense_grad_input_f32",
                   {adaptor.getResultGrad(), adaptor.getKernel(), out, *scratch},
                   {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1), rewriter.getIndexAttr(2),
                    rewriter.getI64IntegerAttr(op.getType().getNumElements() / in),
                    rewriter.getI64IntegerAttr(in), rewriter.getI64IntegerAttr(units),
                    rewriter.getIndexAttr(3)});
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
    if (failed(padIteration(op, it, kRank)))
      return failure();
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

/// kiln::rt::ConvGeometry{...} of a convolution with this input, result
/// (gradient) and kernel.
template <typename Op>
Attribute convGeometry(Op op, RankedTensorType input, RankedTensorType output,
                       RankedTensorType kernel) {
  auto in = input.getShape(), o = output.getShape(), k = kernel.getShape();
  SmallVector<int64_t> values{in[0], in[1], in[2], in[3], k[0], k[1], k[3], o[1], o[2],
                              op.getStrides()[0], op.getStrides()[1], op.getDilations()[0],
                              op.getDilations()[1], op.getPadding()[0], op.getPadding()[2],
                              int64_t(op.getGroups())};
  std::string text = "kiln::rt::ConvGeometry{";
  for (auto [i, v] : llvm::enumerate(values))
    text += (i ? ", " : "") + std::to_string(v);
  return opaque(op.getContext(), text + "}");
}

struct Conv2DGradInputLowering : KernelCallPattern<Conv2DGradInputOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(Conv2DGradInputOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    if (auto tileBlock = op->getAttrOfType<IntegerAttr>(attr::kWinogradAtRunTime)) {
      // The flipped kernel transformed on every call (-kiln-winograd-at-run-time).
      FailureOr<Value> scratch = getScratchBuffer(op, rewriter);
      if (failed(scratch))
        return failure();
      auto dx = op.getType().getShape();
      auto dy = op.getResultGrad().getType().getShape();
      CallBuilder call{rewriter};
      call.value(adaptor.getResultGrad());
      call.value(adaptor.getKernel());
      call.value(out);
      call.ints({dx[0], dx[1], dx[2], dx[3], dy[3], dy[1], dy[2], op.getPadding()[0],
                 op.getPadding()[2], tileBlock.getInt()});
      call.value(*scratch);
      call.emit(op.getLoc(), "kiln::rt::conv2d_grad_input_winograd_f43_f32", {});
      return success();
    }
    SmallVector<Value> operands{adaptor.getResultGrad(), adaptor.getKernel(), out};
    SmallVector<Attribute> args{rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
                                rewriter.getIndexAttr(2),
                                convGeometry(op, op.getType(), op.getResultGrad().getType(),
                                             op.getKernel().getType())};
    if (int64_t bytes = op.getScratchBytes()) {
      FailureOr<Value> scratch = getScratchBuffer(op, rewriter);
      if (failed(scratch))
        return failure();
      args.append({rewriter.getIndexAttr(operands.size()), rewriter.getI64IntegerAttr(bytes / 4)});
      operands.push_back(*scratch);
    } else {
      args.append({opaque(op.getContext(), "nullptr"), rewriter.getI64IntegerAttr(0)});
    }
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::conv2d_grad_input_f32", operands, args);
    return success();
  }
};

struct Conv2DGradKernelLowering : KernelCallPattern<Conv2DGradKernelOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(Conv2DGradKernelOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::conv2d_grad_kernel_f32",
                   {adaptor.getInput(), adaptor.getResultGrad(), out},
                   {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1), rewriter.getIndexAttr(2),
                    convGeometry(op, op.getInput().getType(), op.getResultGrad().getType(),
                                 op.getType())});
    return success();
  }
};

struct Pool2DGradLowering : KernelCallPattern<Pool2DGradOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(Pool2DGradOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto in = op.getInput().getType().getShape();
    auto o = op.getResultGrad().getType().getShape();
    SmallVector<Attribute> args{rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
                                rewriter.getIndexAttr(2)};
    llvm::append_range(args, intArgs(rewriter, {in[0], in[1], in[2], in[3], op.getWindow()[0],
                                                op.getWindow()[1], o[1], o[2], op.getStrides()[0],
                                                op.getStrides()[1], op.getPadding()[0],
                                                op.getPadding()[2]}));
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::pool2d_grad_f32",
                   {adaptor.getResultGrad(), adaptor.getInput(), out}, args,
                   {opaque(op.getContext(), "kiln::rt::Pool::" + stringifyPoolKind(op.getKind()))});
    return success();
  }
};

struct BroadcastToLowering : KernelCallPattern<BroadcastToOp> {
  using KernelCallPattern::KernelCallPattern;
  static constexpr size_t kRank = 4; // iteration rank of kiln::rt::broadcast_to_f32

  LogicalResult emitCall(BroadcastToOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto result = op.getType();
    SmallVector<int64_t> padded(result.getRank() - op.getInput().getType().getRank(), 1);
    llvm::append_range(padded, op.getInput().getType().getShape());
    auto operand = RankedTensorType::get(padded, result.getElementType());
    BroadcastIteration it = collapseBroadcast({operand}, result);
    if (failed(padIteration(op, it, kRank)))
      return failure();
    SmallVector<Attribute> args{rewriter.getIndexAttr(0), rewriter.getIndexAttr(1)};
    llvm::append_range(args, intArgs(rewriter, it.dims));
    llvm::append_range(args, intArgs(rewriter, it.strides[0]));
    args.push_back(op.getScaleAttr());
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::broadcast_to_f32", {adaptor.getInput(), out},
                   args);
    return success();
  }
};

struct ExtremumGradLowering : KernelCallPattern<ExtremumGradOp> {
  using KernelCallPattern::KernelCallPattern;
  static constexpr size_t kRank = 4; // iteration rank of kiln::rt::extremum_grad_f32

  LogicalResult emitCall(ExtremumGradOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    BroadcastIteration it =
        collapseBroadcast({op.getLhs().getType(), op.getRhs().getType()}, op.getType());
    if (failed(padIteration(op, it, kRank)))
      return failure();
    SmallVector<Attribute> args{rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
                                rewriter.getIndexAttr(2), rewriter.getIndexAttr(3)};
    llvm::append_range(args, intArgs(rewriter, it.dims));
    llvm::append_range(args, intArgs(rewriter, it.strides[0]));
    llvm::append_range(args, intArgs(rewriter, it.strides[1]));
    args.push_back(boolArg(op.getContext(), op.getOperand() == 1));
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::extremum_grad_f32",
                   {adaptor.getResultGrad(), adaptor.getLhs(), adaptor.getRhs(), out}, args,
                   {opaque(op.getContext(),
                           "kiln::rt::BinOp::" + stringifyBinaryKind(op.getKind()))});
    return success();
  }
};

struct ResizeGradLowering : KernelCallPattern<ResizeGradOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(ResizeGradOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto in = op.getType().getShape();
    auto o = op.getResultGrad().getType().getShape();
    CallBuilder call{rewriter};
    call.value(adaptor.getResultGrad());
    call.value(out);
    call.ints({in[0], in[1], in[2], in[3], o[1], o[2]});
    call.emit(op.getLoc(), "kiln::rt::resize_grad_f32",
              {opaque(op.getContext(), "kiln::rt::Resize::" + stringifyResizeKind(op.getKind()))});
    return success();
  }
};

/// Ops with several results: each result's planned buffer, then the call.
struct BatchNormTrainLowering : OpConversionPattern<BatchNormTrainOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(BatchNormTrainOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<SmallVector<Value>> outs = getResultBuffers(op, rewriter);
    if (failed(outs))
      return failure();
    int64_t c = op.getInput().getType().getShape().back();
    CallBuilder call{rewriter};
    call.value(adaptor.getInput());
    call.optional(adaptor.getGamma());
    call.optional(adaptor.getBeta());
    for (Value out : *outs)
      call.value(out);
    call.ints({op.getInput().getType().getNumElements() / c, c});
    call.literal(op.getEpsilonAttr());
    call.emit(op.getLoc(), "kiln::rt::batch_norm_train_f32");
    rewriter.replaceOp(op, *outs);
    return success();
  }
};

struct BatchNormGradLowering : OpConversionPattern<BatchNormGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(BatchNormGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<SmallVector<Value>> outs = getResultBuffers(op, rewriter);
    if (failed(outs))
      return failure();
    int64_t c = op.getInput().getType().getShape().back();
    CallBuilder call{rewriter};
    for (Value v : {adaptor.getResultGrad(), adaptor.getInput(), adaptor.getMean(),
                    adaptor.getVariance()})
      call.value(v);
    call.optional(adaptor.getGamma());
    for (Value out : *outs)
      call.value(out);
    call.ints({op.getInput().getType().getNumElements() / c, c});
    call.literal(op.getEpsilonAttr());
    call.literal(boolArg(op.getContext(), op.getBatchStatistics()));
    call.emit(op.getLoc(), "kiln::rt::batch_norm_grad_f32");
    rewriter.replaceOp(op, *outs);
    return success();
  }
};

struct StridedViewGradLowering : KernelCallPattern<StridedViewGradOp> {
  using KernelCallPattern::KernelCallPattern;
  static constexpr size_t kRank = 6; // loop depth of kiln::rt::strided_scatter_add_f32

  LogicalResult emitCall(StridedViewGradOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    SmallVector<int64_t> dims(op.getResultGrad().getType().getShape());
    SmallVector<int64_t> strides(op.getStrides());
    if (failed(collapseStridedView(op, dims, strides, kRank)))
      return failure();
    SmallVector<Attribute> args{rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
                                rewriter.getI64IntegerAttr(op.getOffset()),
                                rewriter.getI64IntegerAttr(op.getType().getNumElements())};
    llvm::append_range(args, intArgs(rewriter, dims));
    llvm::append_range(args, intArgs(rewriter, strides));
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::strided_scatter_add_f32",
                   {adaptor.getResultGrad(), out}, args);
    return success();
  }
};

struct EmbeddingGradLowering : KernelCallPattern<EmbeddingGradOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(EmbeddingGradOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto table = op.getType();
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::embedding_grad_f32",
                   {adaptor.getIds(), adaptor.getResultGrad(), out},
                   {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1), rewriter.getIndexAttr(2),
                    rewriter.getI64IntegerAttr(op.getIds().getType().getNumElements()),
                    rewriter.getI64IntegerAttr(table.getDimSize(0)),
                    rewriter.getI64IntegerAttr(table.getDimSize(1))});
    return success();
  }
};

struct LayerNormGradLowering : OpConversionPattern<LayerNormGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LayerNormGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<SmallVector<Value>> outs = getResultBuffers(op, rewriter);
    if (failed(outs))
      return failure();
    int64_t n = op.getGammaGrad().getType().getNumElements();
    CallBuilder call{rewriter};
    call.value(adaptor.getResultGrad());
    call.value(adaptor.getInput());
    call.optional(adaptor.getGamma());
    for (Value out : *outs)
      call.value(out);
    call.ints({op.getInput().getType().getNumElements() / n, n});
    call.literal(op.getEpsilonAttr());
    call.literal(boolArg(op.getContext(), op.getRms()));
    call.emit(op.getLoc(), "kiln::rt::layer_norm_grad_f32");
    rewriter.replaceOp(op, *outs);
    return success();
  }
};

/// kiln.dropout_train and kiln.dropout_grad: the step count comes from the
/// generated train_step's counter.
template <typename Op>
struct DropoutLowering : KernelCallPattern<Op> {
  DropoutLowering(MLIRContext *ctx, StringRef callee)
      : KernelCallPattern<Op>(ctx), callee(callee.str()) {}
  static constexpr size_t kRank = 4; // iteration rank of kiln::rt::noise_f32

  LogicalResult emitCall(Op op, typename Op::Adaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    // The draws are counted in noise_shape, shared along its size-1 axes.
    RankedTensorType type = op.getType();
    auto draws = type;
    if (std::optional<ArrayRef<int64_t>> shape = op.getNoiseShape())
      draws = RankedTensorType::get(*shape, type.getElementType());
    BroadcastIteration it = collapseBroadcast({draws}, type);
    if (failed(padIteration(op, it, kRank)))
      return failure();
    SmallVector<Attribute> args{rewriter.getIndexAttr(0), rewriter.getIndexAttr(1)};
    llvm::append_range(args, intArgs(rewriter, it.dims));
    llvm::append_range(args, intArgs(rewriter, it.strides[0]));
    args.append({op.getRateAttr(), op.getSeedAttr(),
                 opaque(op.getContext(), "kiln_train_iterations")});
    emitKernelCall(rewriter, op.getLoc(), callee, {adaptor.getOperands()[0], out}, args,
                   {opaque(op.getContext(),
                           "kiln::rt::Noise::" + stringifyNoiseKind(op.getNoise()))});
    return success();
  }
  std::string callee;
};

struct RnnGradLowering : OpConversionPattern<RnnGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RnnGradOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    FailureOr<SmallVector<Value>> outs = getResultBuffers(op, rewriter);
    FailureOr<Value> scratch = getScratchBuffer(op, rewriter);
    if (failed(outs) || failed(scratch))
      return failure();
    ValueRange states = adaptor.getInitialStates();
    auto state = [](ValueRange range, size_t i) { return i < range.size() ? range[i] : Value(); };
    CallBuilder call{rewriter};
    call.optional(adaptor.getOutputGrad());
    for (Value v : {adaptor.getInput(), adaptor.getKernel(), adaptor.getRecurrentKernel()})
      call.value(v);
    call.optional(adaptor.getBias());
    call.optional(adaptor.getMask());
    call.optional(state(states, 0));
    call.optional(state(states, 1));
    call.optional(adaptor.getFinalHGrad());
    call.optional(adaptor.getFinalCGrad());
    for (Value out : ArrayRef<Value>(*outs).take_front(3))
      call.value(out);
    call.optional(adaptor.getBias() ? (*outs)[3] : Value());
    ValueRange stateGrads = ValueRange(*outs).drop_front(4);
    call.optional(state(stateGrads, 0));
    call.optional(state(stateGrads, 1));
    call.value(*scratch);
    auto input = op.getInput().getType();
    int64_t units = op.getRecurrentKernel().getType().getDimSize(0);
    auto flag = [](bool b) { return b ? "true" : "false"; };
    call.literal(opaque(
        ctx, "kiln::rt::RnnShape{" + std::to_string(input.getDimSize(0)) + ", " +
                 std::to_string(input.getDimSize(1)) + ", " +
                 std::to_string(input.getDimSize(2)) + ", " + std::to_string(units) + ", " +
                 flag(op.getGoBackwards()) + ", " + flag(op.getReturnSequences()) + ", " +
                 flag(op.getResetAfter()) + ", " + flag(op.getZeroOutputForMask()) + "}"));
    if (adaptor.getSaved())
      call.value(adaptor.getSaved());
    call.emit(op.getLoc(), "kiln::rt::rnn_grad_f32",
              {opaque(ctx, "kiln::rt::Cell::" + stringifyRnnCellKind(op.getCell())),
               actTemplate(ctx, op.getActivation()), actTemplate(ctx, op.getRecurrentActivation())});
    rewriter.replaceOp(op, *outs);
    return success();
  }
};

/// The weight of an update op: a pointer into the (mutable) weight blob.
FailureOr<Attribute> weightPointer(Operation *op, FlatSymbolRefAttr weight,
                                   const std::string &weightsSymbol) {
  FailureOr<int64_t> offset = weightOffset(op, weight);
  if (failed(offset))
    return failure();
  return opaque(op->getContext(),
                "kiln::rt::at<float>(" + weightsSymbol + ", " + std::to_string(*offset) + ")");
}

struct MovingAverageUpdateLowering : OpConversionPattern<MovingAverageUpdateOp> {
  MovingAverageUpdateLowering(MLIRContext *ctx, std::string weightsSymbol)
      : OpConversionPattern(ctx), weightsSymbol(std::move(weightsSymbol)) {}

  LogicalResult matchAndRewrite(MovingAverageUpdateOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<Attribute> weight = weightPointer(op, op.getWeightAttr(), weightsSymbol);
    if (failed(weight))
      return failure();
    emitKernelCall(rewriter, op.getLoc(), "kiln::rt::moving_average_update_f32",
                   {adaptor.getValue()},
                   {*weight, rewriter.getIndexAttr(0),
                    rewriter.getI64IntegerAttr(op.getValue().getType().getNumElements()),
                    op.getMomentumAttr()});
    rewriter.eraseOp(op);
    return success();
  }

  std::string weightsSymbol;
};

/// kiln.optimizer_update → kiln::rt::optimizer_update_f32<kind>(weight,
/// grad, state, n, iterations, params): the weight in the (mutable) weight
/// blob, its slots in the training state the generated source defines.
struct OptimizerUpdateLowering : OpConversionPattern<OptimizerUpdateOp> {
  OptimizerUpdateLowering(MLIRContext *ctx, std::string weightsSymbol)
      : OpConversionPattern(ctx), weightsSymbol(std::move(weightsSymbol)) {}

  LogicalResult matchAndRewrite(OptimizerUpdateOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<Attribute> weight = weightPointer(op, op.getWeightAttr(), weightsSymbol);
    if (failed(weight))
      return failure();
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
        {*weight, rewriter.getIndexAttr(0),
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
  patterns.add<LossLowering, LossGradLowering, MetricLowering, DenseGradInputLowering, DenseGradKernelLowering,
               SumToLowering, ActivationGradLowering, SoftmaxGradLowering,
               Conv2DGradInputLowering, Conv2DGradKernelLowering, Pool2DGradLowering,
               ExtremumGradLowering, ResizeGradLowering,
               BroadcastToLowering, BatchNormTrainLowering, BatchNormGradLowering,
               StridedViewGradLowering, EmbeddingGradLowering, LayerNormGradLowering,
               RnnGradLowering>(ctx);
  patterns.add<OptimizerUpdateLowering, MovingAverageUpdateLowering>(ctx, weightsSymbol);
  patterns.add<DropoutLowering<DropoutTrainOp>>(ctx, "kiln::rt::noise_f32");
  patterns.add<DropoutLowering<DropoutGradOp>>(ctx, "kiln::rt::noise_grad_f32");
  patterns.add<RegularizationLowering<RegularizationOp>>(ctx, "kiln::rt::regularization_f32");
  patterns.add<RegularizationLowering<RegularizationGradOp>>(ctx,
                                                             "kiln::rt::regularization_grad_f32");
}
