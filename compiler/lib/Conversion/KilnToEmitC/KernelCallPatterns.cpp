// kiln ops → calls of their kiln::rt kernels on planned buffers.
#include "KernelCallPattern.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include <cstring>
#include <limits>

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
    FailureOr<Value> panels = panelKernel(op.getKernelMutable(), adaptor.getKernel(), rewriter);
    if (failed(panels))
      return failure();
    SmallVector<Value> operands{adaptor.getInput(), *panels ? *panels : adaptor.getKernel()};
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
    // A kernel in panels (prepacked, packed just now or in place) has its
    // own kernel.
    StringRef callee = op->hasAttr(attr::kPanelsInPlace) ? "kiln::rt::dense_panels_in_place_f32"
                       : *panels                         ? "kiln::rt::dense_packed_f32"
                                                         : "kiln::rt::dense_f32";
    kiln::emitKernelCall(rewriter, op.getLoc(), callee, operands,
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

struct BinaryLowering : KernelCallPattern<kiln::BinaryOp> {
  using KernelCallPattern::KernelCallPattern;
  static constexpr int kRank = 4; // iteration rank of kiln::rt::binary_f32

  LogicalResult emitCall(kiln::BinaryOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    kiln::BroadcastIteration it =
        kiln::collapseBroadcast({op.getLhs().getType(), op.getRhs().getType()}, op.getType());
    if (failed(padIteration(op, it, kRank)))
      return failure();
    ArrayRef<int64_t> dims = it.dims, as = it.strides[0], bs = it.strides[1];
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

/// kiln.elementwise → kiln::rt::elementwise_f32<Program<...>>: the body
/// becomes the template argument, one Step per scalar op, reading
/// registers (the inputs' elements, then earlier steps) by index.
struct ElementwiseLowering : KernelCallPattern<kiln::ElementwiseOp> {
  using KernelCallPattern::KernelCallPattern;
  static constexpr int kRank = 4; // iteration rank of kiln::rt::elementwise_f32

  static std::string floatBits(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return std::to_string(bits) + "u";
  }

  static FailureOr<std::string> program(kiln::ElementwiseOp op) {
    Block &body = op.getBody().front();
    DenseMap<Value, int> reg;
    for (BlockArgument arg : body.getArguments())
      reg[arg] = int(arg.getArgNumber());
    std::string steps;
    for (Operation &scalar : body.without_terminator()) {
      std::string step;
      if (auto binary = dyn_cast<kiln::ScalarBinaryOp>(scalar)) {
        step = "kiln::rt::Bin<kiln::rt::BinOp::" + kiln::stringifyBinaryKind(binary.getKind()).str() +
               ", " + std::to_string(reg[binary.getLhs()]) + ", " +
               std::to_string(reg[binary.getRhs()]) + ">";
      } else if (auto act = dyn_cast<kiln::ScalarActivationOp>(scalar)) {
        std::string kind = "kiln::rt::Act::" + kiln::stringifyActivationKind(act.getKind()).str();
        std::string input = std::to_string(reg[act.getInput()]);
        if (!act.getAlpha() && !act.getMaxValue() && !act.getThreshold()) {
          step = "kiln::rt::Unary<" + kind + ", " + input + ">";
        } else {
          // The Keras layers' defaults for what the op leaves unset, as in
          // kiln.activation's lowering.
          float alpha = act.getKind() == kiln::ActivationKind::leaky_relu ? 0.2f
                        : act.getKind() == kiln::ActivationKind::elu      ? 1.0f
                                                                          : 0.0f;
          step = "kiln::rt::UnaryParam<" + kind + ", " + input + ", " +
                 floatBits(act.getAlpha() ? act.getAlpha()->convertToFloat() : alpha) + ", " +
                 floatBits(act.getMaxValue() ? act.getMaxValue()->convertToFloat()
                                             : std::numeric_limits<float>::infinity()) +
                 ", " + floatBits(act.getThreshold() ? act.getThreshold()->convertToFloat() : 0.0f) +
                 ">";
        }
      } else {
        return failure();
      }
      reg[scalar.getResult(0)] = int(reg.size());
      steps += ", " + step;
    }
    Value result = cast<kiln::YieldOp>(body.getTerminator()).getValue();
    return "kiln::rt::Program<" + std::to_string(body.getNumArguments()) + ", " +
           std::to_string(reg[result]) + steps + ">";
  }

  LogicalResult emitCall(kiln::ElementwiseOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    SmallVector<RankedTensorType> types;
    for (Value input : op.getInputs())
      types.push_back(cast<RankedTensorType>(input.getType()));
    kiln::BroadcastIteration it = kiln::collapseBroadcast(types, op.getType());
    if (failed(padIteration(op, it, kRank)))
      return failure();
    FailureOr<std::string> steps = program(op);
    if (failed(steps))
      return op.emitOpError("body holds an op the runtime cannot run");
    MLIRContext *ctx = op.getContext();
    Type operandType = emitc::OpaqueType::get(ctx, "kiln::rt::Operand");
    SmallVector<Value> operands{out};
    SmallVector<Attribute> args{rewriter.getIndexAttr(0)};
    args.append(intArgs(rewriter, it.dims));
    for (auto [input, strides] : llvm::zip(adaptor.getInputs(), it.strides)) {
      SmallVector<Attribute> operandArgs{rewriter.getIndexAttr(0)};
      operandArgs.append(intArgs(rewriter, strides));
      Value described = emitc::CallOpaqueOp::create(
                            rewriter, op.getLoc(), operandType, "kiln::rt::operand",
                            ValueRange{input}, rewriter.getArrayAttr(operandArgs), ArrayAttr())
                            .getResult(0);
      args.push_back(rewriter.getIndexAttr(operands.size()));
      operands.push_back(described);
    }
    kiln::emitKernelCall(rewriter, op.getLoc(), "kiln::rt::elementwise_f32", operands, args,
                         {opaque(ctx, *steps)});
    return success();
  }
};

struct ConcatLowering : KernelCallPattern<kiln::ConcatOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(kiln::ConcatOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    AxisView view = viewAround(op.getType(), op.getAxis());
    // Inputs the memory plan had their producers write in place.
    SmallVector<int64_t> written;
    if (auto attr = op->getAttrOfType<DenseI64ArrayAttr>(kiln::attr::kWrittenInputs))
      written.assign(attr.asArrayRef().begin(), attr.asArrayRef().end());
    int64_t offset = 0;
    for (auto [k, input, converted] :
         llvm::enumerate(op.getInputs(), adaptor.getInputs())) {
      AxisView in = viewAround(cast<RankedTensorType>(input.getType()), op.getAxis());
      int64_t inner = in.axis * in.inner;
      if (llvm::is_contained(written, int64_t(k))) {
        offset += inner;
        continue;
      }
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
    if (failed(collapseStridedView(op, dims, strides, kRank)))
      return failure();
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
               GluLowering, BinaryLowering, ElementwiseLowering, ConcatLowering, ReshapeLowering>(
      patterns.getContext());
}
