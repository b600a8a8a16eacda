// GradientOpInterface of the forward ops: each builds its operands'
// gradients from its results' (-kiln-build-train-step chains them).
#include "kiln/Dialect/Kiln/IR/KilnOps.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln;

namespace {
RankedTensorType tensorType(Value v) { return cast<RankedTensorType>(v.getType()); }

/// `grad` (the result's shape) summed down to `operand`'s shape where the
/// operand was broadcast.
Value unbroadcast(OpBuilder &b, Location loc, Value grad, Value operand) {
  if (grad.getType() == operand.getType())
    return grad;
  return SumToOp::create(b, loc, operand.getType(), grad);
}

/// The gradient through an activation applied to `result`: from the result
/// when the kind allows (no input kept alive), else from `input`.
FailureOr<Value> throughActivation(OpBuilder &b, Operation *op, ActivationKind kind,
                                   Value dy, Value input, Value result) {
  if (kind == ActivationKind::linear)
    return dy;
  bool fromResult = ActivationGradOp::derivableFromResult(kind);
  if (!ActivationGradOp::isDifferentiable(kind) || (!fromResult && !input))
    return op->emitError("kiln has no gradient for activation '")
           << stringifyActivationKind(kind) << "' here yet";
  auto grad = ActivationGradOp::create(b, op->getLoc(), dy.getType(), dy,
                                       fromResult ? result : input, kind, fromResult,
                                       nullptr, nullptr, nullptr);
  return Value(grad);
}
} // namespace

LogicalResult DenseOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                      ArrayRef<bool> needed,
                                      MutableArrayRef<Value> operandGrads) {
  Value dy = resultGrads[0];
  if (!dy)
    return success();
  // An epilogue activation applies after the residual: differentiate it
  // first (only kinds whose derivative the result gives, since the
  // pre-activation value is gone).
  FailureOr<Value> dz =
      throughActivation(b, *this, getActivation(), dy, /*input=*/nullptr, getResult());
  if (failed(dz))
    return failure();
  Location loc = getLoc();
  if (needed[0])
    operandGrads[0] = DenseGradInputOp::create(b, loc, getInput().getType(), *dz, getKernel());
  if (needed[1])
    operandGrads[1] = DenseGradKernelOp::create(b, loc, getKernel().getType(), getInput(), *dz);
  unsigned next = 2;
  if (getBias()) {
    if (needed[next])
      operandGrads[next] = SumToOp::create(b, loc, getBias().getType(), *dz);
    ++next;
  }
  if (getResidual() && needed[next])
    operandGrads[next] = *dz;
  return success();
}

LogicalResult ActivationOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                           ArrayRef<bool> needed,
                                           MutableArrayRef<Value> operandGrads) {
  if (!resultGrads[0] || !needed[0])
    return success();
  if (!ActivationGradOp::isDifferentiable(getKind()))
    return emitError("kiln has no gradient for activation '")
           << stringifyActivationKind(getKind()) << "' yet";
  if (getKind() == ActivationKind::linear && hasDefaultParameters()) {
    operandGrads[0] = resultGrads[0];
    return success();
  }
  bool fromResult = hasDefaultParameters() && ActivationGradOp::derivableFromResult(getKind());
  operandGrads[0] = ActivationGradOp::create(
      b, getLoc(), getType(), resultGrads[0], fromResult ? getResult() : getInput(), getKind(),
      fromResult, getAlphaAttr(), getMaxValueAttr(), getThresholdAttr());
  return success();
}

LogicalResult SoftmaxOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                        ArrayRef<bool> needed,
                                        MutableArrayRef<Value> operandGrads) {
  if (resultGrads[0] && needed[0])
    operandGrads[0] = SoftmaxGradOp::create(b, getLoc(), getType(), resultGrads[0], getResult(),
                                            getAxis(), getLog());
  return success();
}

LogicalResult BinaryOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                       ArrayRef<bool> needed,
                                       MutableArrayRef<Value> operandGrads) {
  Value dy = resultGrads[0];
  if (!dy)
    return success();
  Location loc = getLoc();
  Type type = getType();
  auto times = [&](Value other) {
    return BinaryOp::create(b, loc, type, dy, other, BinaryKind::mul).getResult();
  };
  switch (getKind()) {
  case BinaryKind::add:
  case BinaryKind::sub:
    if (needed[0])
      operandGrads[0] = unbroadcast(b, loc, dy, getLhs());
    if (needed[1]) {
      Value g = dy;
      if (getKind() == BinaryKind::sub)
        g = ActivationOp::create(b, loc, dy,
                                 ActivationKindAttr::get(getContext(), ActivationKind::negative));
      operandGrads[1] = unbroadcast(b, loc, g, getRhs());
    }
    return success();
  case BinaryKind::mul:
    if (needed[0])
      operandGrads[0] = unbroadcast(b, loc, times(getRhs()), getLhs());
    if (needed[1])
      operandGrads[1] = unbroadcast(b, loc, times(getLhs()), getRhs());
    return success();
  default:
    return emitError("kiln has no gradient for binary '")
           << stringifyBinaryKind(getKind()) << "' yet";
  }
}

LogicalResult ReshapeOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                        ArrayRef<bool> needed,
                                        MutableArrayRef<Value> operandGrads) {
  if (resultGrads[0] && needed[0])
    operandGrads[0] = ReshapeOp::create(b, getLoc(), getInput().getType(), resultGrads[0]);
  return success();
}
