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
  return success();
}

ActivationKind DenseOp::getFusedActivation() { return getActivation(); }

void DenseOp::setFusedActivation(ActivationKind kind) {
  setActivationAttr(ActivationKindAttr::get(getContext(), kind));
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
  // The last element read must lie inside the input.
  int64_t last = getOffset();
  for (auto [size, stride] : llvm::zip(result.getShape(), getStrides())) {
    if (stride < 0)
      return emitOpError() << "strides must be non-negative";
    last += (size - 1) * stride;
  }
  if (getOffset() < 0 || last >= input.getNumElements())
    return emitOpError() << "reads element " << last << " of an input with "
                         << input.getNumElements() << " elements";
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

#define GET_OP_CLASSES
#include "kiln/Dialect/Kiln/IR/KilnOps.cpp.inc"
