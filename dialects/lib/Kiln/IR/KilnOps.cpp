#include "kiln/Dialect/Kiln/IR/KilnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace kiln;

#include "kiln/Dialect/Kiln/IR/KilnInterfaces.cpp.inc"

namespace {
/// Resolves a Keras-style axis (negative counts from the end) against a rank.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return std::nullopt;
  return axis;
}

/// A residual added in an epilogue has exactly the result's type.
LogicalResult verifyResidual(Operation *op, Value residual) {
  if (residual && residual.getType() != op->getResult(0).getType())
    return op->emitOpError() << "residual must have the result's type "
                             << op->getResult(0).getType() << ", got " << residual.getType();
  return success();
}

int64_t elementCount(Value v) { return cast<RankedTensorType>(v.getType()).getNumElements(); }

/// Sets an optional operand to `value`, or removes it when `value` is null.
void assignOptional(MutableOperandRange operand, Value value) {
  if (value)
    operand.assign(value);
  else
    operand.clear();
}

LogicalResult verifyAxis(Operation *op, int64_t axis) {
  auto type = cast<RankedTensorType>(op->getOperand(0).getType());
  if (!normalizeAxis(axis, type.getRank()))
    return op->emitOpError() << "axis " << axis << " is out of range for rank "
                             << type.getRank();
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// DenseOp
//===----------------------------------------------------------------------===//

LogicalResult DenseOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &inferredReturnTypes) {
  auto input = dyn_cast<RankedTensorType>(operands[0].getType());
  auto kernel = dyn_cast<RankedTensorType>(operands[1].getType());
  if (!input || !kernel || kernel.getRank() != 2 || input.getRank() < 1)
    return emitOptionalError(location,
                             "dense expects a ranked input and a 2-D kernel");
  SmallVector<int64_t> shape(input.getShape());
  shape.back() = kernel.getDimSize(1);
  inferredReturnTypes.push_back(
      RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult DenseOp::verify() {
  auto input = getInput().getType();
  auto kernel = getKernel().getType();
  if (kernel.getRank() != 2)
    return emitOpError() << "kernel must be 2-D (in, units), got rank "
                         << kernel.getRank();
  if (input.getRank() < 2)
    return emitOpError() << "input must have a batch axis, got rank "
                         << input.getRank();
  if (input.getShape().back() != kernel.getDimSize(0))
    return emitOpError() << "kernel expects " << kernel.getDimSize(0)
                         << " input features, input has "
                         << input.getShape().back();
  if (Value bias = getBias()) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 || biasType.getDimSize(0) != kernel.getDimSize(1))
      return emitOpError() << "bias must have shape (" << kernel.getDimSize(1)
                           << "), got " << biasType;
  }
  return verifyResidual(*this, getResidual());
}

void DenseOp::setResidual(Value residual) { assignOptional(getResidualMutable(), residual); }

bool kiln::readsPanels(Operation *op, unsigned index) {
  auto operands = op->getAttrOfType<DenseI64ArrayAttr>(attr::kPanelOperands);
  return operands && llvm::is_contained(operands.asArrayRef(), int64_t(index));
}

namespace {
/// Scratch of an op that packs its kernel on every call (the attribute
/// kiln.pack_at_run_time, -kiln-pack-at-run-time): the (K x N) kernel in
/// panels of 16 columns, zero padded (kiln::rt::packed_floats).
int64_t runTimePanelBytes(Operation *op, RankedTensorType kernel) {
  if (!op->hasAttr("kiln.pack_at_run_time"))
    return 0;
  int64_t n = kernel.getShape().back(), k = kernel.getNumElements() / n;
  return 4 * panelFloats(k, n);
}
} // namespace

int64_t DenseOp::getScratchBytes() { return runTimePanelBytes(*this, getKernel().getType()); }

bool DenseOp::canReadPanels(unsigned index) {
  return index == getKernelMutable().getOperandNumber();
}

bool DenseOp::canPackAtRunTime() { return true; }

int64_t DenseOp::getFlops() {
  auto kernel = getKernel().getType();
  return 2 * elementCount(getInput()) * kernel.getDimSize(1);
}

void DenseOp::setKernelAndBias(Value kernel, Value bias) {
  getKernelMutable().assign(kernel);
  assignOptional(getBiasMutable(), bias);
}

int64_t DenseOp::getKernelInputChannel(int64_t index) {
  return index / getKernel().getType().getShape().back();
}

bool DenseOp::readsZeroPadding() { return false; }

ActivationKind DenseOp::getFusedActivation() { return getActivation(); }

void DenseOp::setFusedActivation(ActivationKind kind) {
  setActivationAttr(ActivationKindAttr::get(getContext(), kind));
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

namespace {
/// Output length of a window sliding over `in` padded by `pad`.
int64_t windowOutput(int64_t in, int64_t pad, int64_t window, int64_t stride,
                     int64_t dilation) {
  int64_t span = (window - 1) * dilation + 1;
  return (in + pad - span) / stride + 1;
}

bool validPairs(ArrayRef<int64_t> values, size_t count, bool positive) {
  return values.size() == count &&
         llvm::all_of(values, [&](int64_t v) { return positive ? v > 0 : v >= 0; });
}
} // namespace

LogicalResult Conv2DOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange,
    SmallVectorImpl<Type> &inferredReturnTypes) {
  Conv2DOp::Adaptor adaptor(operands, attributes, properties);
  auto input = dyn_cast<RankedTensorType>(operands[0].getType());
  auto kernel = dyn_cast<RankedTensorType>(operands[1].getType());
  if (!input || !kernel || input.getRank() != 4 || kernel.getRank() != 4)
    return emitOptionalError(location, "conv2d expects an NHWC input and an HWIO kernel");
  auto strides = adaptor.getStrides(), dilations = adaptor.getDilations(),
       padding = adaptor.getPadding();
  if (!validPairs(strides, 2, true) || !validPairs(dilations, 2, true) ||
      !validPairs(padding, 4, false))
    return emitOptionalError(location, "conv2d needs 2 positive strides, 2 positive "
                                       "dilations and 4 non-negative paddings");
  int64_t oh = windowOutput(input.getDimSize(1), padding[0] + padding[1],
                            kernel.getDimSize(0), strides[0], dilations[0]);
  int64_t ow = windowOutput(input.getDimSize(2), padding[2] + padding[3],
                            kernel.getDimSize(1), strides[1], dilations[1]);
  if (oh <= 0 || ow <= 0)
    return emitOptionalError(location, "conv2d window does not fit the padded input");
  inferredReturnTypes.push_back(RankedTensorType::get(
      {input.getDimSize(0), oh, ow, kernel.getDimSize(3)}, input.getElementType()));
  return success();
}

LogicalResult Conv2DOp::verify() {
  auto input = getInput().getType();
  auto kernel = getKernel().getType();
  int64_t groups = getGroups();
  if (groups < 1 || input.getDimSize(3) % groups != 0 || kernel.getDimSize(3) % groups != 0)
    return emitOpError() << groups << " groups do not divide " << input.getDimSize(3)
                         << " input and " << kernel.getDimSize(3) << " output channels";
  if (kernel.getDimSize(2) * groups != input.getDimSize(3))
    return emitOpError() << "kernel expects " << kernel.getDimSize(2) * groups
                         << " input channels, input has " << input.getDimSize(3);
  if (Value bias = getBias()) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 || biasType.getDimSize(0) != kernel.getDimSize(3))
      return emitOpError() << "bias must have shape (" << kernel.getDimSize(3) << ")";
  }
  return verifyResidual(*this, getResidual());
}

void Conv2DOp::setResidual(Value residual) { assignOptional(getResidualMutable(), residual); }

int64_t Conv2DOp::getScratchBytes() {
  // Winograd's transformed input and products (-kiln-select-winograd).
  auto kernel = getKernel().getType();
  if (auto tileBlock = (*this)->getAttrOfType<IntegerAttr>("kiln.winograd"))
    return 4 * winogradScratchFloats(tileBlock.getInt(), kernel.getDimSize(2),
                                     kernel.getDimSize(3));
  // A trained kernel, transformed on every call (-kiln-winograd-at-run-time).
  if (auto tileBlock = (*this)->getAttrOfType<IntegerAttr>("kiln.winograd_at_run_time"))
    return 4 * winogradAtRunTimeScratchFloats(tileBlock.getInt(), kernel.getDimSize(2),
                                              kernel.getDimSize(3));
  return runTimePanelBytes(*this, getKernel().getType());
}

// Grouped and depthwise convolutions have no panel variant.
bool Conv2DOp::canReadPanels(unsigned index) {
  return getGroups() == 1 && index == getKernelMutable().getOperandNumber();
}

bool Conv2DOp::canPackAtRunTime() { return getGroups() == 1; }

int64_t Conv2DOp::getFlops() {
  // Each output element sums KH * KW * (C / groups) products.
  auto kernel = getKernel().getType();
  return 2 * getType().getNumElements() * kernel.getDimSize(0) * kernel.getDimSize(1) *
         kernel.getDimSize(2);
}

// Output pixels are written one channel row at a time.
bool Conv2DOp::canWriteRowStride() { return true; }

void Conv2DOp::setKernelAndBias(Value kernel, Value bias) {
  getKernelMutable().assign(kernel);
  assignOptional(getBiasMutable(), bias);
}

int64_t Conv2DOp::getKernelInputChannel(int64_t index) {
  // Kernel (KH, KW, C / groups, F); output channel f belongs to group
  // f / (F / groups), which reads input channels [g * C/groups, (g+1) * C/groups).
  ArrayRef<int64_t> shape = getKernel().getType().getShape();
  int64_t filters = shape[3], perGroup = shape[2];
  int64_t f = index % filters, group = f / (filters / getGroups());
  return group * perGroup + index / filters % perGroup;
}

bool Conv2DOp::readsZeroPadding() {
  return llvm::any_of(getPadding(), [](int64_t p) { return p != 0; });
}

ActivationKind Conv2DOp::getFusedActivation() { return getActivation(); }
void Conv2DOp::setFusedActivation(ActivationKind kind) {
  setActivationAttr(ActivationKindAttr::get(getContext(), kind));
}

LogicalResult Conv2DTransposeOp::verify() {
  auto input = getInput().getType();
  auto kernel = getKernel().getType();
  auto result = getType();
  if (input.getRank() != 4 || kernel.getRank() != 4 || result.getRank() != 4)
    return emitOpError("expects NHWC input and result and a (KH, KW, F, C) kernel");
  if (kernel.getDimSize(3) != input.getDimSize(3) || kernel.getDimSize(2) != result.getDimSize(3))
    return emitOpError() << "kernel " << kernel << " does not map " << input.getDimSize(3)
                         << " to " << result.getDimSize(3) << " channels";
  if (!validPairs(getStrides(), 2, true) || !validPairs(getDilations(), 2, true) ||
      !validPairs(getCrop(), 2, false))
    return emitOpError("needs 2 positive strides and dilations and 2 non-negative crops");
  if (Value bias = getBias()) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 || biasType.getDimSize(0) != result.getDimSize(3))
      return emitOpError() << "bias must have shape (" << result.getDimSize(3) << ")";
  }
  return success();
}

int64_t Conv2DTransposeOp::getFlops() {
  // Every input pixel multiplies its C channels into KH * KW * F outputs.
  auto kernel = getKernel().getType();
  return 2 * elementCount(getInput()) * kernel.getDimSize(0) * kernel.getDimSize(1) *
         kernel.getDimSize(2);
}

ActivationKind Conv2DTransposeOp::getFusedActivation() { return getActivation(); }
void Conv2DTransposeOp::setFusedActivation(ActivationKind kind) {
  setActivationAttr(ActivationKindAttr::get(getContext(), kind));
}

LogicalResult Pool2DOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange,
    SmallVectorImpl<Type> &inferredReturnTypes) {
  Pool2DOp::Adaptor adaptor(operands, attributes, properties);
  auto input = dyn_cast<RankedTensorType>(operands[0].getType());
  if (!input || input.getRank() != 4)
    return emitOptionalError(location, "pool2d expects an NHWC input");
  auto window = adaptor.getWindow(), strides = adaptor.getStrides(),
       padding = adaptor.getPadding();
  if (!validPairs(window, 2, true) || !validPairs(strides, 2, true) ||
      !validPairs(padding, 4, false))
    return emitOptionalError(location, "pool2d needs 2 positive window sizes and strides "
                                       "and 4 non-negative paddings");
  int64_t oh = windowOutput(input.getDimSize(1), padding[0] + padding[1], window[0], strides[0], 1);
  int64_t ow = windowOutput(input.getDimSize(2), padding[2] + padding[3], window[1], strides[1], 1);
  if (oh <= 0 || ow <= 0)
    return emitOptionalError(location, "pool2d window does not fit the padded input");
  inferredReturnTypes.push_back(RankedTensorType::get(
      {input.getDimSize(0), oh, ow, input.getDimSize(3)}, input.getElementType()));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> location,
                                      ValueRange operands, DictionaryAttr attributes,
                                      OpaqueProperties properties, RegionRange,
                                      SmallVectorImpl<Type> &inferredReturnTypes) {
  PadOp::Adaptor adaptor(operands, attributes, properties);
  auto input = cast<RankedTensorType>(operands[0].getType());
  auto low = adaptor.getLow(), high = adaptor.getHigh();
  if (!validPairs(low, input.getRank(), false) || !validPairs(high, input.getRank(), false))
    return emitOptionalError(location, "pad needs one non-negative low and high per axis");
  SmallVector<int64_t> shape(input.getShape());
  for (int64_t d = 0; d < input.getRank(); ++d)
    shape[d] += low[d] + high[d];
  inferredReturnTypes.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ResizeOp::verify() {
  auto input = getInput().getType();
  auto result = getType();
  if (input.getRank() != 4 || result.getRank() != 4 ||
      input.getDimSize(0) != result.getDimSize(0) || input.getDimSize(3) != result.getDimSize(3))
    return emitOpError("resizes the spatial axes of NHWC tensors only");
  return success();
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::verify() {
  auto input = getInput().getType();
  int64_t axis = getAxis();
  if (axis < 1 || axis >= input.getRank())
    return emitOpError() << "axis " << axis << " must be a non-batch axis";
  for (Value v : {getMean(), getVariance(), getGamma(), getBeta()}) {
    if (!v)
      continue;
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getRank() != 1 || type.getDimSize(0) != input.getDimSize(axis))
      return emitOpError() << "statistics must have shape (" << input.getDimSize(axis)
                           << "), got " << type;
  }
  return success();
}

LogicalResult LayerNormOp::verify() {
  auto input = getInput().getType();
  int64_t axis = getAxis();
  if (axis < 1 || axis >= input.getRank())
    return emitOpError() << "axis " << axis << " must be a non-batch axis";
  ArrayRef<int64_t> normalized = input.getShape().drop_front(axis);
  for (Value v : {getGamma(), getBeta()}) {
    if (!v)
      continue;
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getShape() != normalized)
      return emitOpError() << "gamma and beta must have the normalized shape, got " << type;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Axis ops
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() { return verifyAxis(*this, getAxis()); }
LogicalResult SparsemaxOp::verify() { return verifyAxis(*this, getAxis()); }

int64_t SparsemaxOp::getScratchBytes() {
  // One sorted copy of the reduced axis.
  auto type = getInput().getType();
  return type.getDimSize(*normalizeAxis(getAxis(), type.getRank())) *
         int64_t(sizeof(float));
}

LogicalResult GluOp::verify() {
  if (failed(verifyAxis(*this, getAxis())))
    return failure();
  auto type = getInput().getType();
  int64_t length = type.getDimSize(*normalizeAxis(getAxis(), type.getRank()));
  if (length % 2 != 0)
    return emitOpError() << "glu axis must have even length, got " << length;
  return success();
}

LogicalResult GluOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange,
    SmallVectorImpl<Type> &inferredReturnTypes) {
  auto input = dyn_cast<RankedTensorType>(operands[0].getType());
  if (!input)
    return emitOptionalError(location, "glu expects a ranked tensor");
  GluOp::Adaptor adaptor(operands, attributes, properties);
  auto axis = normalizeAxis(adaptor.getAxis(), input.getRank());
  if (!axis)
    return emitOptionalError(location, "glu axis ", adaptor.getAxis(),
                             " is out of range for rank ", input.getRank());
  SmallVector<int64_t> shape(input.getShape());
  if (shape[*axis] % 2 != 0)
    return emitOptionalError(location, "glu axis must have even length, got ",
                             shape[*axis]);
  shape[*axis] /= 2;
  inferredReturnTypes.push_back(
      RankedTensorType::get(shape, input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Merging and reshaping
//===----------------------------------------------------------------------===//

LogicalResult BinaryOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &inferredReturnTypes) {
  auto lhs = dyn_cast<RankedTensorType>(operands[0].getType());
  auto rhs = dyn_cast<RankedTensorType>(operands[1].getType());
  if (!lhs || !rhs)
    return emitOptionalError(location, "binary expects ranked tensors");
  if (lhs.getRank() != rhs.getRank())
    return emitOptionalError(location, "binary operands must have the same rank, got ",
                             lhs.getRank(), " and ", rhs.getRank());
  SmallVector<int64_t> shape;
  for (auto [a, b] : llvm::zip(lhs.getShape(), rhs.getShape())) {
    if (a != b && a != 1 && b != 1)
      return emitOptionalError(location, "binary operand shapes ", lhs, " and ", rhs,
                               " do not broadcast");
    shape.push_back(a == 1 ? b : a);
  }
  inferredReturnTypes.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  return verifyAxis(*this, getAxis());
}

LogicalResult ConcatOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange,
    SmallVectorImpl<Type> &inferredReturnTypes) {
  if (operands.empty())
    return emitOptionalError(location, "concat needs at least one input");
  auto first = cast<RankedTensorType>(operands[0].getType());
  ConcatOp::Adaptor adaptor(operands, attributes, properties);
  auto axis = normalizeAxis(adaptor.getAxis(), first.getRank());
  if (!axis)
    return emitOptionalError(location, "concat axis ", adaptor.getAxis(),
                             " is out of range for rank ", first.getRank());
  SmallVector<int64_t> shape(first.getShape());
  shape[*axis] = 0;
  for (Value v : operands) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getRank() != first.getRank())
      return emitOptionalError(location, "concat inputs must have the same rank");
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != *axis && type.getDimSize(d) != first.getDimSize(d))
        return emitOptionalError(location, "concat inputs ", first, " and ", type,
                                 " differ on axis ", d);
    shape[*axis] += type.getDimSize(*axis);
  }
  inferredReturnTypes.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult ReduceOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange,
    SmallVectorImpl<Type> &inferredReturnTypes) {
  auto input = cast<RankedTensorType>(operands[0].getType());
  ReduceOp::Adaptor adaptor(operands, attributes, properties);
  int64_t axis = adaptor.getAxis();
  if (axis < 1 || axis >= input.getRank())
    return emitOptionalError(location, "reduce axis ", axis,
                             " must be a non-batch axis of a rank-", input.getRank(),
                             " tensor");
  SmallVector<int64_t> shape(input.getShape());
  if (adaptor.getKeepdims())
    shape[axis] = 1;
  else
    shape.erase(shape.begin() + axis);
  inferredReturnTypes.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult StridedViewOp::verify() {
  auto input = getInput().getType();
  auto result = getType();
  if (int64_t(getStrides().size()) != result.getRank())
    return emitOpError() << "needs one stride per result axis, got " << getStrides().size()
                         << " for rank " << result.getRank();
  // Every element read must lie inside the input; negative strides walk
  // an axis backwards.
  int64_t first = getOffset(), last = getOffset();
  for (auto [size, stride] : llvm::zip(result.getShape(), getStrides()))
    (stride < 0 ? first : last) += (size - 1) * stride;
  if (first < 0 || last >= input.getNumElements())
    return emitOpError() << "reads elements " << first << " to " << last
                         << " of an input with " << input.getNumElements() << " elements";
  return success();
}

LogicalResult MatmulOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &inferredReturnTypes) {
  auto lhs = cast<RankedTensorType>(operands[0].getType());
  auto rhs = cast<RankedTensorType>(operands[1].getType());
  int64_t rank = lhs.getRank();
  if (rank < 2 || rhs.getRank() != rank)
    return emitOptionalError(location, "matmul operands must have the same rank >= 2, got ",
                             lhs, " and ", rhs);
  if (lhs.getDimSize(rank - 1) != rhs.getDimSize(rank - 2))
    return emitOptionalError(location, "matmul contracts ", lhs.getDimSize(rank - 1),
                             " with ", rhs.getDimSize(rank - 2));
  bool sharedRhs = llvm::all_of(rhs.getShape().drop_back(2), [](int64_t d) { return d == 1; });
  if (!sharedRhs && lhs.getShape().drop_back(2) != rhs.getShape().drop_back(2))
    return emitOptionalError(location, "matmul leading axes of ", lhs, " and ", rhs,
                             " must match, or be all 1 on the right");
  SmallVector<int64_t> shape(lhs.getShape());
  shape.back() = rhs.getDimSize(rank - 1);
  inferredReturnTypes.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

LogicalResult ReshapeOp::verify() {
  if (getInput().getType().getNumElements() != getType().getNumElements())
    return emitOpError() << "cannot reshape " << getInput().getType() << " to "
                         << getType() << ": element counts differ";
  return success();
}

//===----------------------------------------------------------------------===//
// FLOP counts and in-place results
//===----------------------------------------------------------------------===//

int64_t Pool2DOp::getFlops() {
  return getType().getNumElements() * getWindow()[0] * getWindow()[1];
}

int64_t MatmulOp::getFlops() {
  return 2 * getType().getNumElements() * getLhs().getType().getShape().back();
}

int64_t ReduceOp::getFlops() { return elementCount(getInput()); }

// These kernels compute result element i from operand element i (and, for
// the norms, statistics gathered before any write), so they may run in place.
bool ActivationOp::canOverwriteOperand(unsigned index) { return index == 0; }
bool SoftmaxOp::canOverwriteOperand(unsigned index) { return index == 0; }
bool BatchNormOp::canOverwriteOperand(unsigned index) { return index == 0; }
bool LayerNormOp::canOverwriteOperand(unsigned index) { return index == 0; }
// A reshape over its operand's buffer is the same bytes: no copy at all.
bool ReshapeOp::canOverwriteOperand(unsigned index) { return index == 0; }

bool BinaryOp::canOverwriteOperand(unsigned index) {
  // Only an operand laid out like the result (not broadcast) lines up
  // element for element.
  return (*this)->getOperand(index).getType() == getType();
}

LogicalResult DropoutOp::verify() {
  float rate = getRate().convertToFloat();
  if (getNoise() == NoiseKind::gaussian_noise ? !(rate >= 0.0f) : !(rate >= 0.0f && rate < 1.0f))
    return emitOpError(getNoise() == NoiseKind::gaussian_noise
                           ? "stddev must be non-negative"
                           : "rate must be in [0, 1)");
  if (std::optional<ArrayRef<int64_t>> shape = getNoiseShape()) {
    ArrayRef<int64_t> dims = getType().getShape();
    bool fits = shape->size() == dims.size();
    for (size_t i = 0; fits && i < dims.size(); ++i)
      fits = (*shape)[i] == 1 || (*shape)[i] == dims[i];
    if (!fits)
      return emitOpError("noise_shape must have the input's rank, each axis 1 or the "
                         "input's size, for ")
             << getType();
  }
  return success();
}

#define GET_OP_CLASSES
#include "kiln/Dialect/Kiln/IR/KilnOps.cpp.inc"
