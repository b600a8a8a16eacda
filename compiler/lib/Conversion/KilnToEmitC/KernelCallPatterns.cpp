// kiln ops → calls of their kiln::rt kernels on planned buffers.
#include "KernelCallPattern.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

using namespace mlir;
using namespace kiln;

namespace {
struct DenseLowering : KernelCallPattern<kiln::DenseOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(kiln::DenseOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto inputType = op.getInput().getType();
    auto kernelType = op.getKernel().getType();
    int64_t in = kernelType.getDimSize(0), units = kernelType.getDimSize(1);
    int64_t rows = inputType.getNumElements() / in;
    SmallVector<Value> operands{adaptor.getInput(), adaptor.getKernel()};
    SmallVector<Attribute> args{rewriter.getIndexAttr(0), rewriter.getIndexAttr(1)};
    if (adaptor.getBias()) {
      operands.push_back(adaptor.getBias());
      args.push_back(rewriter.getIndexAttr(2));
    } else {
      args.push_back(opaque(op.getContext(), "nullptr"));
    }
    args.push_back(rewriter.getIndexAttr(operands.size()));
    operands.push_back(out);
    args.append({rewriter.getI64IntegerAttr(rows), rewriter.getI64IntegerAttr(in),
                 rewriter.getI64IntegerAttr(units)});
    if (adaptor.getResidual()) {
      args.push_back(rewriter.getIndexAttr(operands.size()));
      operands.push_back(adaptor.getResidual());
    }
    kiln::emitKernelCall(rewriter, op.getLoc(), "kiln::rt::dense_f32", operands,
                         args, {actTemplate(op.getContext(), op.getActivation())});
    return success();
  }
};

struct ActivationLowering : KernelCallPattern<kiln::ActivationOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(kiln::ActivationOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    SmallVector<Attribute> args{rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
                                rewriter.getI64IntegerAttr(op.getType().getNumElements())};
    StringRef callee = "kiln::rt::activation_f32";
    if (!op.hasDefaultParameters()) {
      // The Keras layers' defaults for what the op leaves unset.
      float alpha = op.getKind() == kiln::ActivationKind::leaky_relu ? 0.2f
                    : op.getKind() == kiln::ActivationKind::elu      ? 1.0f
                                                                     : 0.0f;
      callee = "kiln::rt::activation_param_f32";
      args.push_back(rewriter.getF32FloatAttr(op.getAlpha() ? op.getAlpha()->convertToFloat() : alpha));
      args.push_back(op.getMaxValue()
                         ? Attribute(rewriter.getF32FloatAttr(op.getMaxValue()->convertToFloat()))
                         : opaque(op.getContext(), "INFINITY"));
      args.push_back(rewriter.getF32FloatAttr(
          op.getThreshold() ? op.getThreshold()->convertToFloat() : 0.0f));
    }
    kiln::emitKernelCall(rewriter, op.getLoc(), callee, {adaptor.getInput(), out}, args,
                         {actTemplate(op.getContext(), op.getKind())});
    return success();
  }
};

struct SoftmaxLowering : KernelCallPattern<kiln::SoftmaxOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(kiln::SoftmaxOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    AxisView v = viewAround(op.getType(), op.getAxis());
    kiln::emitKernelCall(
        rewriter, op.getLoc(), "kiln::rt::softmax_f32", {adaptor.getInput(), out},
        {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
         rewriter.getI64IntegerAttr(v.outer), rewriter.getI64IntegerAttr(v.axis),
         rewriter.getI64IntegerAttr(v.inner),
         opaque(op.getContext(), op.getLog() ? "true" : "false")});
    return success();
  }
};

struct SparsemaxLowering : KernelCallPattern<kiln::SparsemaxOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(kiln::SparsemaxOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> scratch = kiln::getScratchBuffer(op, rewriter);
    if (failed(scratch))
      return failure();
    AxisView v = viewAround(op.getType(), op.getAxis());
    kiln::emitKernelCall(
        rewriter, op.getLoc(), "kiln::rt::sparsemax_f32",
        {adaptor.getInput(), out, *scratch},
        {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
         rewriter.getI64IntegerAttr(v.outer), rewriter.getI64IntegerAttr(v.axis),
         rewriter.getI64IntegerAttr(v.inner), rewriter.getIndexAttr(2)});
    return success();
  }
};

struct GluLowering : KernelCallPattern<kiln::GluOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(kiln::GluOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    AxisView v = viewAround(op.getType(), op.getAxis());
    kiln::emitKernelCall(
        rewriter, op.getLoc(), "kiln::rt::glu_f32", {adaptor.getInput(), out},
        {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
         rewriter.getI64IntegerAttr(v.outer), rewriter.getI64IntegerAttr(v.axis),
         rewriter.getI64IntegerAttr(v.inner)});
    return success();
  }
};
/// Element strides of `type` broadcast to `shape` (0 along size-1 axes
/// that the result repeats).
SmallVector<int64_t> broadcastStrides(RankedTensorType type, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (int64_t d = shape.size() - 1; d >= 0; --d) {
    strides[d] = type.getDimSize(d) == 1 && shape[d] != 1 ? 0 : stride;
    stride *= type.getDimSize(d);
  }
  return strides;
}

struct BinaryLowering : KernelCallPattern<kiln::BinaryOp> {
  using KernelCallPattern::KernelCallPattern;
  static constexpr int kRank = 4; // iteration rank of kiln::rt::binary_f32

  LogicalResult emitCall(kiln::BinaryOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    ArrayRef<int64_t> shape = op.getType().getShape();
    SmallVector<int64_t> dims(shape);
    SmallVector<int64_t> as = broadcastStrides(op.getLhs().getType(), shape);
    SmallVector<int64_t> bs = broadcastStrides(op.getRhs().getType(), shape);
    // Merge an axis into the next one where both operands walk them as one
    // contiguous (or jointly broadcast) run, until at most kRank remain.
    for (int64_t d = int64_t(dims.size()) - 2; d >= 0; --d) {
      if (as[d] == as[d + 1] * dims[d + 1] && bs[d] == bs[d + 1] * dims[d + 1]) {
        dims[d] *= dims[d + 1];
        as[d] = as[d + 1];
        bs[d] = bs[d + 1];
        dims.erase(dims.begin() + d + 1);
        as.erase(as.begin() + d + 1);
        bs.erase(bs.begin() + d + 1);
      }
    }
    if (dims.size() > kRank)
      return op.emitOpError() << "broadcast pattern needs " << dims.size()
                              << " axes; the runtime kernel handles " << kRank;
    while (dims.size() < kRank) {
      dims.insert(dims.begin(), 1);
      as.insert(as.begin(), 0);
      bs.insert(bs.begin(), 0);
    }
    SmallVector<Attribute> args{rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
                                rewriter.getIndexAttr(2)};
    for (ArrayRef<int64_t> list : {ArrayRef<int64_t>(dims), ArrayRef<int64_t>(as),
                                   ArrayRef<int64_t>(bs)})
      for (int64_t v : list)
        args.push_back(rewriter.getI64IntegerAttr(v));
    kiln::emitKernelCall(
        rewriter, op.getLoc(), "kiln::rt::binary_f32", {adaptor.getLhs(), adaptor.getRhs(), out},
        args,
        {opaque(op.getContext(), "kiln::rt::BinOp::" + kiln::stringifyBinaryKind(op.getKind()))});
    return success();
  }
};

struct ConcatLowering : KernelCallPattern<kiln::ConcatOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(kiln::ConcatOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    AxisView view = viewAround(op.getType(), op.getAxis());
    int64_t offset = 0;
    for (auto [input, converted] : llvm::zip(op.getInputs(), adaptor.getInputs())) {
      AxisView in = viewAround(cast<RankedTensorType>(input.getType()), op.getAxis());
      int64_t inner = in.axis * in.inner;
      kiln::emitKernelCall(
          rewriter, op.getLoc(), "kiln::rt::concat_slice_f32", {converted, out},
          {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
           rewriter.getI64IntegerAttr(view.outer), rewriter.getI64IntegerAttr(inner),
           rewriter.getI64IntegerAttr(view.axis * view.inner),
           rewriter.getI64IntegerAttr(offset)});
      offset += inner;
    }
    return success();
  }
};

struct ReshapeLowering : KernelCallPattern<kiln::ReshapeOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(kiln::ReshapeOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    // Planned over its operand's buffer: the bytes are already there.
    if (op->hasAttr(kiln::attr::kInPlace))
      return success();
    kiln::emitKernelCall(rewriter, op.getLoc(), "kiln::rt::copy_f32", {adaptor.getInput(), out},
                         {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
                          rewriter.getI64IntegerAttr(op.getType().getNumElements())});
    return success();
  }
};
struct ReduceLowering : KernelCallPattern<kiln::ReduceOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(kiln::ReduceOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    AxisView v = viewAround(op.getInput().getType(), op.getAxis());
    kiln::emitKernelCall(
        rewriter, op.getLoc(), "kiln::rt::reduce_f32", {adaptor.getInput(), out},
        {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
         rewriter.getI64IntegerAttr(v.outer), rewriter.getI64IntegerAttr(v.axis),
         rewriter.getI64IntegerAttr(v.inner)},
        {opaque(op.getContext(), "kiln::rt::Reduce::" + kiln::stringifyReduceKind(op.getKind()))});
    return success();
  }
};

struct StridedViewLowering : KernelCallPattern<kiln::StridedViewOp> {
  using KernelCallPattern::KernelCallPattern;
  static constexpr size_t kRank = 6; // loop depth of kiln::rt::strided_copy_f32

  LogicalResult emitCall(kiln::StridedViewOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    SmallVector<int64_t> dims(op.getType().getShape());
    SmallVector<int64_t> strides(op.getStrides());
    // Drop size-1 axes (their stride is irrelevant), then merge an axis into
    // the next where the two form one evenly strided run.
    for (int64_t d = int64_t(dims.size()) - 1; d >= 0 && dims.size() > 1; --d) {
      if (dims[d] == 1) {
        dims.erase(dims.begin() + d);
        strides.erase(strides.begin() + d);
      }
    }
    for (int64_t d = int64_t(dims.size()) - 2; d >= 0; --d) {
      if (strides[d] == strides[d + 1] * dims[d + 1]) {
        dims[d] *= dims[d + 1];
        strides[d] = strides[d + 1];
        dims.erase(dims.begin() + d + 1);
        strides.erase(strides.begin() + d + 1);
      }
    }
    if (dims.size() > kRank)
      return op.emitOpError() << "view needs " << dims.size()
                              << " axes; the runtime kernel handles " << kRank;
    while (dims.size() < kRank) {
      dims.insert(dims.begin(), 1);
      strides.insert(strides.begin(), 0);
    }
    SmallVector<Attribute> args{rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
                                rewriter.getI64IntegerAttr(op.getOffset())};
    for (int64_t v : dims)
      args.push_back(rewriter.getI64IntegerAttr(v));
    for (int64_t v : strides)
      args.push_back(rewriter.getI64IntegerAttr(v));
    kiln::emitKernelCall(rewriter, op.getLoc(), "kiln::rt::strided_copy_f32",
                         {adaptor.getInput(), out}, args);
    return success();
  }
};

struct MatmulLowering : KernelCallPattern<kiln::MatmulOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(kiln::MatmulOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto lhs = op.getLhs().getType(), rhs = op.getRhs().getType();
    int64_t rank = lhs.getRank();
    int64_t m = lhs.getDimSize(rank - 2), k = lhs.getDimSize(rank - 1),
            n = rhs.getDimSize(rank - 1);
    int64_t batch = lhs.getNumElements() / (m * k);
    int64_t rhsStride = rhs.getNumElements() == k * n ? 0 : k * n;
    kiln::emitKernelCall(
        rewriter, op.getLoc(), "kiln::rt::matmul_f32",
        {adaptor.getLhs(), adaptor.getRhs(), out},
        {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1), rewriter.getIndexAttr(2),
         rewriter.getI64IntegerAttr(batch), rewriter.getI64IntegerAttr(m),
         rewriter.getI64IntegerAttr(k), rewriter.getI64IntegerAttr(n),
         rewriter.getI64IntegerAttr(rhsStride)});
    return success();
  }
};
} // namespace

void kiln::populateKernelCallPatterns(RewritePatternSet &patterns) {
  populateConvPatterns(patterns);
  populateSequencePatterns(patterns);
  patterns.add<ReduceLowering, StridedViewLowering, MatmulLowering>(patterns.getContext());
  patterns.add<DenseLowering, ActivationLowering, SoftmaxLowering, SparsemaxLowering,
               GluLowering, BinaryLowering, ConcatLowering, ReshapeLowering>(
      patterns.getContext());
}
