// Verifiers and helpers of the training ops (KilnTrainingOps.td).
#include "kiln/Dialect/Kiln/IR/KilnOps.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"

#include <algorithm>

using namespace mlir;
using namespace kiln;

namespace {
RankedTensorType tensorType(Value v) { return cast<RankedTensorType>(v.getType()); }

/// The shape a loss target must have: the prediction's, or without the
/// class axis for sparse labels.
SmallVector<int64_t> expectedTargetShape(RankedTensorType prediction, LossKind kind) {
  SmallVector<int64_t> shape(prediction.getShape());
  if (kind == LossKind::sparse_categorical_crossentropy)
    shape.pop_back();
  return shape;
}

template <typename Op>
LogicalResult verifyLossOperands(Op op) {
  RankedTensorType prediction = tensorType(op.getPrediction());
  if (prediction.getRank() < 1)
    return op.emitOpError("prediction must have at least one axis");
  SmallVector<int64_t> expected = expectedTargetShape(prediction, op.getKind());
  if (tensorType(op.getTarget()).getShape() != ArrayRef<int64_t>(expected))
    return op.emitOpError("target must have shape (")
           << expected << ") for this loss, got " << op.getTarget().getType();
  if (op.getLabelSmoothing().convertToFloat() < 0 || op.getLabelSmoothing().convertToFloat() > 1)
    return op.emitOpError("label_smoothing must be in [0, 1]");
  if (op.getDelta().convertToFloat() <= 0)
    return op.emitOpError("delta must be positive");
  return success();
}

/// Product of all axes but the last.
int64_t leadingElements(RankedTensorType type) {
  return type.getNumElements() / std::max<int64_t>(1, type.getShape().back());
}
} // namespace

LogicalResult LossOp::verify() {
  if (failed(verifyLossOperands(*this)))
    return failure();
  if (getType().getShape() != ArrayRef<int64_t>{1})
    return emitOpError("result must be tensor<1xf32>");
  return success();
}

LogicalResult MetricOp::verify() {
  RankedTensorType prediction = tensorType(getPrediction());
  if (prediction.getRank() < 1)
    return emitOpError("prediction must have at least one axis");
  SmallVector<int64_t> expected(prediction.getShape());
  if (getKind() == MetricKind::sparse_categorical_accuracy)
    expected.pop_back();
  if (tensorType(getTarget()).getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("target must have shape (")
           << expected << ") for this metric, got " << getTarget().getType();
  if (getType().getShape() != ArrayRef<int64_t>{1})
    return emitOpError("result must be tensor<1xf32>");
  return success();
}

LogicalResult RegularizationOp::verify() {
  if (getType().getShape() != ArrayRef<int64_t>{1})
    return emitOpError("result must be tensor<1xf32>");
  if (getL1().convertToFloat() < 0.0f || getL2().convertToFloat() < 0.0f)
    return emitOpError("l1 and l2 must not be negative");
  return success();
}

/// |x| and x² per element, their two sums, the scaled total.
int64_t RegularizationOp::getFlops() { return 4 * tensorType(getInput()).getNumElements(); }

LogicalResult LossGradOp::verify() {
  if (failed(verifyLossOperands(*this)))
    return failure();
  if (getType() != getPrediction().getType())
    return emitOpError("result must have the prediction's type");
  return success();
}

LogicalResult DenseGradInputOp::verify() {
  RankedTensorType dy = tensorType(getResultGrad()), kernel = tensorType(getKernel());
  RankedTensorType dx = getType();
  if (kernel.getRank() != 2 || dy.getRank() != dx.getRank() || dy.getRank() < 1 ||
      dy.getShape().drop_back() != dx.getShape().drop_back() ||
      dy.getShape().back() != kernel.getDimSize(1) || dx.getShape().back() != kernel.getDimSize(0))
    return emitOpError("expected (..., units) x (in, units) -> (..., in), got ")
           << dy << ", " << kernel << " -> " << dx;
  return success();
}

int64_t DenseGradInputOp::getFlops() {
  RankedTensorType kernel = tensorType(getKernel());
  return 2 * leadingElements(getType()) * kernel.getNumElements();
}

int64_t DenseGradInputOp::getScratchBytes() {
  // kernelᵀ (units x in) in panels
  // (kiln::rt::dense_grad_input_scratch_floats).
  RankedTensorType kernel = tensorType(getKernel());
  return 4 * panelFloats(kernel.getDimSize(1), kernel.getDimSize(0));
}

LogicalResult DenseGradKernelOp::verify() {
  RankedTensorType x = tensorType(getInput()), dy = tensorType(getResultGrad());
  RankedTensorType dk = getType();
  if (dk.getRank() != 2 || x.getRank() < 1 || dy.getRank() < 1 ||
      leadingElements(x) != leadingElements(dy) || dk.getDimSize(0) != x.getShape().back() ||
      dk.getDimSize(1) != dy.getShape().back())
    return emitOpError("expected (..., in) and (..., units) -> (in, units), got ")
           << x << ", " << dy << " -> " << dk;
  return success();
}

int64_t DenseGradKernelOp::getFlops() {
  return 2 * leadingElements(tensorType(getInput())) * getType().getNumElements();
}

LogicalResult SumToOp::verify() {
  ArrayRef<int64_t> in = tensorType(getInput()).getShape(), out = getType().getShape();
  bool ok = out.size() <= in.size();
  for (size_t i = 0; ok && i < out.size(); ++i) {
    int64_t a = in[in.size() - 1 - i], b = out[out.size() - 1 - i];
    ok = b == a || b == 1;
  }
  if (!ok)
    return emitOpError("result ") << getType() << " is not a shape " << getInput().getType()
                                  << " broadcasts from";
  return success();
}

bool ActivationGradOp::derivableFromResult(ActivationKind kind) {
  switch (kind) {
  case ActivationKind::linear:
  case ActivationKind::relu:
  case ActivationKind::sigmoid:
  case ActivationKind::tanh:
  case ActivationKind::exponential:
    return true;
  default:
    return false;
  }
}

LogicalResult ActivationGradOp::verify() {
  bool parameters = getAlpha() || getMaxValue() || getThreshold();
  if (getFromResult() && (!derivableFromResult(getKind()) || parameters))
    return emitOpError("the derivative of '")
           << stringifyActivationKind(getKind())
           << (parameters ? "' with parameters" : "'") << " needs the activation's input";
  return success();
}

int64_t OptimizerUpdateOp::getNumSlots() {
  switch (getKind()) {
  case OptimizerKind::sgd:
    return getMomentum().convertToFloat() != 0.0f ? 1 : 0;
  case OptimizerKind::adam:
  case OptimizerKind::adamw:
    return getAmsgrad() ? 3 : 2;
  case OptimizerKind::rmsprop:
    return 1 + (getMomentum().convertToFloat() > 0.0f ? 1 : 0) + (getCentered() ? 1 : 0);
  }
  return 0;
}

LogicalResult OptimizerUpdateOp::verify() {
  auto global = SymbolTable::lookupNearestSymbolFrom<ml_program::GlobalOp>(*this, getWeightAttr());
  if (!global)
    return emitOpError("weight ") << getWeightAttr() << " is not an ml_program.global";
  if (!global.getIsMutable())
    return emitOpError("weight ") << getWeightAttr() << " must be mutable";
  if (global.getType() != getGradient().getType())
    return emitOpError("gradient type ") << getGradient().getType()
                                         << " differs from the weight's " << global.getType();
  if (int64_t(getStateOffset()) < 0) // the getter is unsigned
    return emitOpError("state_offset must be non-negative");
  if (getClipnorm() && getClipnorm()->convertToFloat() <= 0)
    return emitOpError("clipnorm must be positive");
  if (getClipvalue() && getClipvalue()->convertToFloat() <= 0)
    return emitOpError("clipvalue must be positive");
  return success();
}

namespace {
/// (N·OH·OW) · (KH·KW·C/groups) · F multiply-adds, as the forward conv.
int64_t convFlops(RankedTensorType output, RankedTensorType kernel) {
  return 2 * leadingElements(output) * kernel.getNumElements();
}

/// Whether `small` broadcasts to `big` (numpy rules, size-1 axes).
bool broadcastsTo(ArrayRef<int64_t> small, ArrayRef<int64_t> big) {
  if (small.size() > big.size())
    return false;
  for (size_t i = 0; i < small.size(); ++i) {
    int64_t a = small[small.size() - 1 - i], b = big[big.size() - 1 - i];
    if (a != b && a != 1)
      return false;
  }
  return true;
}

LogicalResult verifyMutableWeight(Operation *op, FlatSymbolRefAttr weight, Type type) {
  auto global = SymbolTable::lookupNearestSymbolFrom<ml_program::GlobalOp>(op, weight);
  if (!global)
    return op->emitOpError("weight ") << weight << " is not an ml_program.global";
  if (!global.getIsMutable())
    return op->emitOpError("weight ") << weight << " must be mutable";
  if (global.getType() != type)
    return op->emitOpError("value type ") << type << " differs from the weight's "
                                          << global.getType();
  return success();
}
} // namespace

int64_t Conv2DGradInputOp::getFlops() {
  return convFlops(tensorType(getResultGrad()), tensorType(getKernel()));
}

int64_t Conv2DGradInputOp::getScratchBytes() {
  // The flipped kernel in panels, when dx is a stride-1 convolution of dy
  // (kiln::rt::conv2d_grad_input_scratch_floats; the kernel checks the
  // room it is given).
  ArrayRef<int64_t> k = tensorType(getKernel()).getShape();
  ArrayRef<int64_t> strides = getStrides(), dilations = getDilations(), padding = getPadding();
  // Winograd over the flipped kernel, C and F swapped (-kiln-winograd-at-run-time).
  if (auto tileBlock = (*this)->getAttrOfType<IntegerAttr>("kiln.winograd_at_run_time"))
    return 4 * winogradAtRunTimeScratchFloats(tileBlock.getInt(), k[3], k[2]);
  if (getGroups() != 1 || strides[0] != 1 || strides[1] != 1 ||
      padding[0] > (k[0] - 1) * dilations[0] || padding[2] > (k[1] - 1) * dilations[1])
    return 0;
  constexpr int64_t kPanel = 16; // kiln::rt::kPanel, the packed kernels' panel width
  int64_t columns = (k[2] + kPanel - 1) / kPanel * kPanel;
  return 4 * k[0] * k[1] * k[3] * columns;
}

int64_t Conv2DGradKernelOp::getFlops() {
  return convFlops(tensorType(getResultGrad()), getType());
}

LogicalResult BatchNormTrainOp::verify() {
  RankedTensorType x = tensorType(getInput());
  auto channels = RankedTensorType::get({x.getShape().back()}, x.getElementType());
  for (Value v : {getGamma(), getBeta()})
    if (v && v.getType() != channels)
      return emitOpError("gamma and beta must be ") << channels;
  if (getResult().getType() != x || getMean().getType() != channels ||
      getVariance().getType() != channels)
    return emitOpError("results must be the input's type and two ") << channels;
  return success();
}

LogicalResult MovingAverageUpdateOp::verify() {
  return verifyMutableWeight(*this, getWeightAttr(), getValue().getType());
}

LogicalResult BroadcastToOp::verify() {
  if (!broadcastsTo(tensorType(getInput()).getShape(), getType().getShape()))
    return emitOpError("input ") << getInput().getType() << " does not broadcast to "
                                 << getType();
  return success();
}

LogicalResult ExtremumGradOp::verify() {
  if (getKind() != BinaryKind::max && getKind() != BinaryKind::min)
    return emitOpError("is the gradient of max or min, not '")
           << stringifyBinaryKind(getKind()) << "'";
  if (getOperand() != 0 && getOperand() != 1)
    return emitOpError("operand must be 0 (lhs) or 1 (rhs), not ") << getOperand();
  for (Value v : {getLhs(), getRhs()})
    if (!broadcastsTo(tensorType(v).getShape(), getType().getShape()))
      return emitOpError("operand ") << v.getType() << " does not broadcast to " << getType();
  return success();
}

LogicalResult ResizeGradOp::verify() {
  auto grad = tensorType(getResultGrad());
  auto result = getType();
  if (grad.getRank() != 4 || result.getRank() != 4 ||
      grad.getDimSize(0) != result.getDimSize(0) || grad.getDimSize(3) != result.getDimSize(3))
    return emitOpError("resizes the spatial axes of NHWC tensors only");
  return success();
}

LogicalResult RnnGradOp::verify() {
  int64_t states = getCell() == RnnCellKind::lstm ? 2 : 1;
  if (int64_t(getInitialStates().size()) > states)
    return emitOpError("a ") << stringifyRnnCellKind(getCell()) << " cell has " << states
                             << " states, got " << getInitialStates().size() << " initial ones";
  if (getInitialStateGrads().size() != getInitialStates().size())
    return emitOpError("needs one gradient result per initial state");
  if (getFinalCGrad() && getCell() != RnnCellKind::lstm)
    return emitOpError("final_c_grad belongs to an LSTM");
  if (!getOutputGrad() && !getFinalHGrad() && !getFinalCGrad())
    return emitOpError("needs the gradient of the output or of a returned state");
  if (getSaved() && getCell() == RnnCellKind::gru)
    return emitOpError("a GRU computes its states again: it takes none saved");
  return success();
}

int64_t RnnGradOp::getFlops() {
  // The recurrence again unless saved, then about twice its work backwards.
  RankedTensorType x = tensorType(getInput());
  int64_t rows = x.getDimSize(0) * x.getDimSize(1);
  return (getSaved() ? 2 : 3) * 2 * rows *
         (getKernel().getType().getNumElements() + getRecurrentKernel().getType().getNumElements());
}

int64_t RnnGradOp::getScratchBytes() {
  // Per step the gate pre-activations and the states; per sample the
  // gradients carried between steps; the kernels in panels (a GRU's
  // recurrent kernel transposed and split, with split gradients); a row of
  // zeros (kiln::rt::rnn_grad_scratch_floats, gru_grad_scratch_floats);
  // SimpleRNN and LSTM keep every step's state before it, for dU.
  RankedTensorType x = tensorType(getInput());
  int64_t n = x.getDimSize(0), t = x.getDimSize(1);
  int64_t u = getRecurrentKernel().getType().getDimSize(0);
  int64_t gu = getRecurrentKernel().getType().getDimSize(1);
  if (getCell() == RnnCellKind::gru)
    return 4 * (n * t * 5 * u + n * 7 * u + 9 * u * u + u);
  // U and Uᵀ in panels; W, then Wᵀ, in panels.
  int64_t f = x.getDimSize(2);
  return 4 * (n * t * (gu + 2 * u) + n * (gu + 3 * u) + panelFloats(u, gu) +
              panelFloats(gu, u) + std::max(panelFloats(f, gu), panelFloats(gu, f)) + u +
              n * t * u);
}
