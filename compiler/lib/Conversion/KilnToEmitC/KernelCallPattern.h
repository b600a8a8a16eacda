// The shape shared by every kiln op that becomes one runtime kernel call:
// find the result buffer, emit the call, replace the op by the buffer.
#ifndef KILN_CONVERSION_KILNTOEMITC_KERNELCALLPATTERN_H
#define KILN_CONVERSION_KILNTOEMITC_KERNELCALLPATTERN_H

#include "PopulatePatterns.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

namespace kiln {

inline mlir::Attribute opaque(mlir::MLIRContext *ctx, const llvm::Twine &text) {
  return mlir::emitc::OpaqueAttr::get(ctx, text.str());
}

/// `kiln::rt::Act::<kind>`, the template argument selecting an activation.
inline mlir::Attribute actTemplate(mlir::MLIRContext *ctx, ActivationKind kind) {
  return opaque(ctx, "kiln::rt::Act::" + stringifyActivationKind(kind));
}

/// (outer, axis, inner) extents of a row-major shape around `axis`.
struct AxisView {
  int64_t outer = 1, axis = 1, inner = 1;
};

inline AxisView viewAround(mlir::RankedTensorType type, int64_t axis) {
  if (axis < 0)
    axis += type.getRank();
  AxisView view;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (d < axis)
      view.outer *= type.getDimSize(d);
    else if (d == axis)
      view.axis = type.getDimSize(d);
    else
      view.inner *= type.getDimSize(d);
  }
  return view;
}

/// Integer attributes for a kernel call's literal arguments.
inline llvm::SmallVector<mlir::Attribute> intArgs(mlir::Builder &b,
                                                  llvm::ArrayRef<int64_t> values) {
  llvm::SmallVector<mlir::Attribute> out;
  for (int64_t v : values)
    out.push_back(b.getI64IntegerAttr(v));
  return out;
}

/// Operand list and call arguments, built side by side.
struct CallBuilder {
  mlir::ConversionPatternRewriter &rewriter;
  llvm::SmallVector<mlir::Value> operands;
  llvm::SmallVector<mlir::Attribute> args;

  void value(mlir::Value v) {
    args.push_back(rewriter.getIndexAttr(operands.size()));
    operands.push_back(v);
  }
  /// An optional operand: null becomes `nullptr`.
  void optional(mlir::Value v) {
    if (v)
      value(v);
    else
      args.push_back(opaque(rewriter.getContext(), "nullptr"));
  }
  void ints(llvm::ArrayRef<int64_t> values) { args.append(intArgs(rewriter, values)); }
  void literal(mlir::Attribute attr) { args.push_back(attr); }
  void emit(mlir::Location loc, llvm::StringRef callee,
            llvm::ArrayRef<mlir::Attribute> templateArgs = {}) {
    emitKernelCall(rewriter, loc, callee, operands, args, templateArgs);
  }
};

/// Where a Dense or Conv op's packed kernel variant reads its (K x N)
/// `kernel` operand (`converted` after type conversion): the operand itself
/// when -kiln-prepack-weights stored it as panels or -kiln-pack-at-run-time
/// has it read in place (kiln.panels_in_place: the callee is then the
/// `_panels_in_place_` variant); the op's scratch, after packing it there,
/// when it is packed at run time; null when the op takes the plain kernel.
inline mlir::FailureOr<mlir::Value> panelKernel(mlir::OpOperand &kernel, mlir::Value converted,
                                                mlir::ConversionPatternRewriter &rewriter) {
  mlir::Operation *op = kernel.getOwner();
  if (readsPanels(op, kernel.getOperandNumber()) || op->hasAttr(attr::kPanelsInPlace))
    return converted;
  if (!op->hasAttr(attr::kPackAtRunTime))
    return mlir::Value();
  mlir::FailureOr<mlir::Value> scratch = getScratchBuffer(op, rewriter);
  if (mlir::failed(scratch))
    return mlir::failure();
  auto type = mlir::cast<mlir::RankedTensorType>(kernel.get().getType());
  int64_t n = type.getShape().back(), k = type.getNumElements() / n;
  CallBuilder call{rewriter};
  call.value(converted);
  call.ints({k, n});
  call.value(*scratch);
  call.emit(op->getLoc(), "kiln::rt::pack_panels");
  return *scratch;
}

/// The planned buffers of all of `op`'s results, in order.
inline mlir::FailureOr<llvm::SmallVector<mlir::Value>>
getResultBuffers(mlir::Operation *op, mlir::ConversionPatternRewriter &rewriter) {
  llvm::SmallVector<mlir::Value> buffers;
  for (unsigned i = 0; i < op->getNumResults(); ++i) {
    mlir::FailureOr<mlir::Value> buffer = getResultBuffer(op, i, rewriter);
    if (mlir::failed(buffer))
      return mlir::failure();
    buffers.push_back(*buffer);
  }
  return buffers;
}

/// Pads a collapsed iteration space with leading size-1 axes to the
/// runtime kernels' fixed rank, or fails if it needs more axes.
inline mlir::LogicalResult padIteration(mlir::Operation *op, BroadcastIteration &it,
                                        size_t rank) {
  if (it.dims.size() > rank)
    return op->emitOpError() << "broadcast pattern needs " << it.dims.size()
                             << " axes; the runtime kernel handles " << rank;
  while (it.dims.size() < rank) {
    it.dims.insert(it.dims.begin(), 1);
    for (llvm::SmallVector<int64_t> &s : it.strides)
      s.insert(s.begin(), 0);
  }
  return mlir::success();
}

/// Dims and strides of a strided view, collapsed for the runtime's
/// fixed-depth loops: size-1 axes dropped, an axis merged into the next
/// where they form one evenly strided run, then padded with leading size-1
/// axes to `rank`. Fails when more than `rank` axes remain.
inline mlir::LogicalResult collapseStridedView(mlir::Operation *op,
                                               llvm::SmallVectorImpl<int64_t> &dims,
                                               llvm::SmallVectorImpl<int64_t> &strides,
                                               size_t rank) {
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
  if (dims.size() > rank)
    return op->emitOpError() << "view needs " << dims.size()
                             << " axes; the runtime kernel handles " << rank;
  while (dims.size() < rank) {
    dims.insert(dims.begin(), 1);
    strides.insert(strides.begin(), 0);
  }
  return mlir::success();
}

template <typename Op>
struct KernelCallPattern : mlir::OpConversionPattern<Op> {
  using mlir::OpConversionPattern<Op>::OpConversionPattern;
  using OpAdaptor = typename Op::Adaptor;

  mlir::LogicalResult
  matchAndRewrite(Op op, OpAdaptor adaptor,
                  mlir::ConversionPatternRewriter &rewriter) const override {
    mlir::FailureOr<mlir::Value> out = getResultBuffer(op, 0, rewriter);
    if (mlir::failed(out))
      return mlir::failure();
    if (mlir::failed(emitCall(op, adaptor, *out, rewriter)))
      return mlir::failure();
    rewriter.replaceOp(op, *out);
    return mlir::success();
  }

  /// Emits the kernel call writing the op's result to `out`.
  virtual mlir::LogicalResult emitCall(Op op, OpAdaptor adaptor, mlir::Value out,
                                       mlir::ConversionPatternRewriter &rewriter) const = 0;
};

} // namespace kiln

#endif
