// Convolution, pooling, normalization, padding and resizing → kiln::rt calls.
#include "KernelCallPattern.h"

#include "kiln/Dialect/Kiln/Transforms/Passes.h"

using namespace mlir;
using namespace kiln;

namespace {

struct Conv2DLowering : KernelCallPattern<Conv2DOp> {
  using KernelCallPattern::KernelCallPattern;
  /// Winograd F(4x4, 3x3) over a kernel stored transformed
  /// (-kiln-select-winograd) or, `atRunTime`, transformed on every call
  /// (-kiln-winograd-at-run-time).
  LogicalResult emitWinograd(Conv2DOp op, OpAdaptor adaptor, Value out, int64_t tileBlock,
                             bool atRunTime, ConversionPatternRewriter &rewriter) const {
    auto in = op.getInput().getType().getShape();
    auto o = op.getType().getShape();
    FailureOr<Value> scratch = getScratchBuffer(op, rewriter);
    if (failed(scratch))
      return failure();
    CallBuilder call{rewriter};
    call.value(adaptor.getInput());
    call.value(adaptor.getKernel());
    call.optional(adaptor.getBias());
    call.value(out);
    call.ints({in[0], in[1], in[2], in[3], o[3], o[1], o[2], op.getPadding()[0],
               op.getPadding()[2], tileBlock});
    call.value(*scratch);
    if (auto stride = op->getAttrOfType<IntegerAttr>(attr::kRowStride)) {
      call.optional(adaptor.getResidual());
      call.ints({stride.getInt()});
    } else if (adaptor.getResidual()) {
      call.value(adaptor.getResidual());
    }
    call.emit(op.getLoc(),
              atRunTime ? "kiln::rt::conv2d_winograd_f43_hwio_f32"
                        : "kiln::rt::conv2d_winograd_f43_f32",
              {actTemplate(op.getContext(), op.getActivation())});
    return success();
  }

  LogicalResult emitCall(Conv2DOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto in = op.getInput().getType().getShape();
    auto k = op.getKernel().getType().getShape();
    auto o = op.getType().getShape();
    if (auto tileBlock = op->getAttrOfType<IntegerAttr>(attr::kWinograd))
      return emitWinograd(op, adaptor, out, tileBlock.getInt(), false, rewriter);
    if (auto tileBlock = op->getAttrOfType<IntegerAttr>(attr::kWinogradAtRunTime))
      return emitWinograd(op, adaptor, out, tileBlock.getInt(), true, rewriter);
    // A kernel in panels (prepacked, packed just now or in place) has its
    // own kernel, for groups of one only.
    FailureOr<Value> panels =
        panelKernel(op.getKernelMutable(), adaptor.getKernel(), rewriter);
    if (failed(panels))
      return failure();
    bool packed = bool(*panels);
    CallBuilder call{rewriter};
    call.value(adaptor.getInput());
    call.value(packed ? *panels : adaptor.getKernel());
    call.optional(adaptor.getBias());
    call.value(out);
    call.ints({in[0], in[1], in[2], in[3], k[0], k[1], k[3], o[1], o[2], op.getStrides()[0],
               op.getStrides()[1], op.getDilations()[0], op.getDilations()[1],
               op.getPadding()[0], op.getPadding()[2]});
    // One group per input channel: the channel-vectorized depthwise kernel.
    const int64_t groups = int64_t(op.getGroups());
    bool depthwise = !packed && groups > 1 && groups == in[3];
    if (!packed && !depthwise)
      call.ints({groups});
    // Written into a concatenation's channel slice: pixels are further apart.
    if (auto stride = op->getAttrOfType<IntegerAttr>(attr::kRowStride)) {
      call.optional(adaptor.getResidual());
      call.ints({stride.getInt()});
    } else if (adaptor.getResidual()) {
      call.value(adaptor.getResidual());
    }
    call.emit(op.getLoc(),
              op->hasAttr(attr::kPanelsInPlace) ? "kiln::rt::conv2d_panels_in_place_f32"
              : packed                          ? "kiln::rt::conv2d_packed_f32"
              : depthwise                       ? "kiln::rt::depthwise_conv2d_f32"
                                                : "kiln::rt::conv2d_f32",
              {actTemplate(op.getContext(), op.getActivation())});
    return success();
  }
};

struct Conv2DTransposeLowering : KernelCallPattern<Conv2DTransposeOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(Conv2DTransposeOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto in = op.getInput().getType().getShape();
    auto k = op.getKernel().getType().getShape();
    auto o = op.getType().getShape();
    // A kernel in panels (prepacked, or packed just now) has its own
    // kernel, for groups of one only.
    FailureOr<Value> panels =
        panelKernel(op.getKernelMutable(), adaptor.getKernel(), rewriter);
    if (failed(panels))
      return failure();
    bool packed = bool(*panels);
    CallBuilder call{rewriter};
    call.value(adaptor.getInput());
    call.value(packed ? *panels : adaptor.getKernel());
    call.optional(adaptor.getBias());
    call.value(out);
    call.ints({in[0], in[1], in[2], in[3], k[0], k[1], k[2], o[1], o[2], op.getStrides()[0],
               op.getStrides()[1], op.getDilations()[0], op.getDilations()[1],
               op.getCrop()[0], op.getCrop()[1]});
    call.emit(op.getLoc(), "kiln::rt::conv2d_transpose_f32",
              {actTemplate(op.getContext(), op.getActivation())});
    return success();
  }
};

struct Pool2DLowering : KernelCallPattern<Pool2DOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(Pool2DOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto in = op.getInput().getType().getShape();
    auto o = op.getType().getShape();
    CallBuilder call{rewriter};
    call.value(adaptor.getInput());
    call.value(out);
    call.ints({in[0], in[1], in[2], in[3], op.getWindow()[0], op.getWindow()[1], o[1], o[2],
               op.getStrides()[0], op.getStrides()[1], op.getPadding()[0], op.getPadding()[2]});
    call.emit(op.getLoc(), "kiln::rt::pool2d_f32",
              {opaque(op.getContext(), "kiln::rt::Pool::" + stringifyPoolKind(op.getKind()))});
    return success();
  }
};

struct PadLowering : KernelCallPattern<PadOp> {
  using KernelCallPattern::KernelCallPattern;
  static constexpr int64_t kRank = 4; // kiln::rt::pad_f32

  LogicalResult emitCall(PadOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto shape = llvm::to_vector(op.getInput().getType().getShape());
    auto low = llvm::to_vector(op.getLow()), high = llvm::to_vector(op.getHigh());
    if (int64_t(shape.size()) > kRank)
      return op.emitOpError() << "pads at most " << kRank << " axes";
    while (int64_t(shape.size()) < kRank) {
      shape.insert(shape.begin(), 1);
      low.insert(low.begin(), 0);
      high.insert(high.begin(), 0);
    }
    CallBuilder call{rewriter};
    call.value(adaptor.getInput());
    call.value(out);
    call.ints(shape);
    call.ints(low);
    call.ints(high);
    call.emit(op.getLoc(), "kiln::rt::pad_f32");
    return success();
  }
};

struct ResizeLowering : KernelCallPattern<ResizeOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(ResizeOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto in = op.getInput().getType().getShape();
    auto o = op.getType().getShape();
    CallBuilder call{rewriter};
    call.value(adaptor.getInput());
    call.value(out);
    call.ints({in[0], in[1], in[2], in[3], o[1], o[2]});
    call.emit(op.getLoc(), "kiln::rt::resize_f32",
              {opaque(op.getContext(), "kiln::rt::Resize::" + stringifyResizeKind(op.getKind()))});
    return success();
  }
};

struct BatchNormLowering : KernelCallPattern<BatchNormOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(BatchNormOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    AxisView v = viewAround(op.getInput().getType(), op.getAxis());
    CallBuilder call{rewriter};
    call.value(adaptor.getInput());
    call.value(adaptor.getMean());
    call.value(adaptor.getVariance());
    call.optional(adaptor.getGamma());
    call.optional(adaptor.getBeta());
    call.value(out);
    call.ints({v.outer, v.axis, v.inner});
    call.args.push_back(rewriter.getF32FloatAttr(op.getEpsilon().convertToFloat()));
    call.emit(op.getLoc(), "kiln::rt::batch_norm_f32");
    return success();
  }
};

struct LayerNormLowering : KernelCallPattern<LayerNormOp> {
  using KernelCallPattern::KernelCallPattern;
  LogicalResult emitCall(LayerNormOp op, OpAdaptor adaptor, Value out,
                         ConversionPatternRewriter &rewriter) const override {
    auto type = op.getInput().getType();
    int64_t n = 1;
    for (int64_t d = op.getAxis(); d < type.getRank(); ++d)
      n *= type.getDimSize(d);
    CallBuilder call{rewriter};
    call.value(adaptor.getInput());
    call.optional(adaptor.getGamma());
    call.optional(adaptor.getBeta());
    call.value(out);
    call.ints({type.getNumElements() / n, n});
    call.args.push_back(rewriter.getF32FloatAttr(op.getEpsilon().convertToFloat()));
    call.args.push_back(opaque(op.getContext(), op.getRms() ? "true" : "false"));
    call.emit(op.getLoc(), "kiln::rt::layer_norm_f32");
    return success();
  }
};
} // namespace

void kiln::populateConvPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DLowering, Conv2DTransposeLowering, Pool2DLowering, PadLowering,
               ResizeLowering, BatchNormLowering, LayerNormLowering>(patterns.getContext());
}
