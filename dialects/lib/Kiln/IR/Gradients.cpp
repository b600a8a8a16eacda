// GradientOpInterface of the forward ops: each builds its operands'
// gradients from its results' (-kiln-build-train-step chains them).
#include "kiln/Dialect/Kiln/IR/KilnOps.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

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
  if (!fromResult && !input)
    return op->emitError("kiln has no gradient for activation '")
           << stringifyActivationKind(kind) << "' here yet: it needs the activation's input";
  auto grad = ActivationGradOp::create(b, op->getLoc(), dy.getType(), dy,
                                       fromResult ? result : input, kind, fromResult,
                                       nullptr, nullptr, nullptr);
  return Value(grad);
}
/// Gives ODS operand group `group` of `op` (an optional operand: bias,
/// residual, gamma, beta) the gradient `make()` builds, when the op has the
/// operand and its gradient is needed. Indices come from the op's operand
/// segments, so absent optional operands need no counting.
template <typename Op>
void setOptionalGrad(Op op, unsigned group, ArrayRef<bool> needed,
                     MutableArrayRef<Value> operandGrads, llvm::function_ref<Value()> make) {
  auto [index, length] = op.getODSOperandIndexAndLength(group);
  if (length == 1 && needed[index])
    operandGrads[index] = make();
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
  setOptionalGrad(*this, /*bias*/ 2, needed, operandGrads,
                  [&] { return SumToOp::create(b, loc, getBias().getType(), *dz).getResult(); });
  setOptionalGrad(*this, /*residual*/ 3, needed, operandGrads, [&] { return *dz; });
  return success();
}

LogicalResult ActivationOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                           ArrayRef<bool> needed,
                                           MutableArrayRef<Value> operandGrads) {
  if (!resultGrads[0] || !needed[0])
    return success();
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
  case BinaryKind::div: {
    // d/da (a / b) = 1 / b; d/db (a / b) = −a / b² = −(a / b) / b.
    auto over = [&](Value num) {
      return BinaryOp::create(b, loc, type, num, getRhs(), BinaryKind::div).getResult();
    };
    if (needed[0])
      operandGrads[0] = unbroadcast(b, loc, over(dy), getLhs());
    if (needed[1]) {
      Value g = over(times(getResult()));
      g = ActivationOp::create(b, loc, g,
                               ActivationKindAttr::get(getContext(), ActivationKind::negative));
      operandGrads[1] = unbroadcast(b, loc, g, getRhs());
    }
    return success();
  }
  case BinaryKind::max:
  case BinaryKind::min:
    for (int64_t i : {0, 1})
      if (needed[i])
        operandGrads[i] = unbroadcast(
            b, loc,
            ExtremumGradOp::create(b, loc, type, dy, getLhs(), getRhs(), getKindAttr(),
                                   b.getI64IntegerAttr(i)),
            getOperand(i));
    return success();
  }
  llvm_unreachable("every binary kind has a gradient");
}

LogicalResult ReshapeOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                        ArrayRef<bool> needed,
                                        MutableArrayRef<Value> operandGrads) {
  if (resultGrads[0] && needed[0])
    operandGrads[0] = ReshapeOp::create(b, getLoc(), getInput().getType(), resultGrads[0]);
  return success();
}

LogicalResult Conv2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                       ArrayRef<bool> needed,
                                       MutableArrayRef<Value> operandGrads) {
  Value dy = resultGrads[0];
  if (!dy)
    return success();
  FailureOr<Value> dz =
      throughActivation(b, *this, getActivation(), dy, /*input=*/nullptr, getResult());
  if (failed(dz))
    return failure();
  Location loc = getLoc();
  if (needed[0])
    operandGrads[0] = Conv2DGradInputOp::create(b, loc, getInput().getType(), *dz, getKernel(),
                                                getStridesAttr(), getDilationsAttr(),
                                                getPaddingAttr(), getGroupsAttr());
  if (needed[1])
    operandGrads[1] = Conv2DGradKernelOp::create(b, loc, getKernel().getType(), getInput(), *dz,
                                                 getStridesAttr(), getDilationsAttr(),
                                                 getPaddingAttr(), getGroupsAttr());
  setOptionalGrad(*this, /*bias*/ 2, needed, operandGrads,
                  [&] { return SumToOp::create(b, loc, getBias().getType(), *dz).getResult(); });
  setOptionalGrad(*this, /*residual*/ 3, needed, operandGrads, [&] { return *dz; });
  return success();
}

LogicalResult Conv2DTransposeOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                                ArrayRef<bool> needed,
                                                MutableArrayRef<Value> operandGrads) {
  Value dy = resultGrads[0];
  if (!dy)
    return success();
  FailureOr<Value> dz =
      throughActivation(b, *this, getActivation(), dy, /*input=*/nullptr, getResult());
  if (failed(dz))
    return failure();
  // The transposed convolution is the input gradient of the convolution
  // that reads its output (same strides and dilations, `crop` rows of
  // padding in front) and produces its input. So its input's gradient is
  // that convolution of dy, and its kernel's gradient that convolution's
  // kernel gradient (the kernel layouts agree: (KH, KW, F, C)).
  RankedTensorType input = getInput().getType(), output = getType(),
                   kernel = getKernel().getType();
  SmallVector<int64_t> padding;
  for (int a = 0; a < 2; ++a) {
    int64_t span = (kernel.getDimSize(a) - 1) * getDilations()[a] + 1, stride = getStrides()[a];
    int64_t in = output.getDimSize(1 + a), front = getCrop()[a];
    // Rows the last window reaches past the output, which its writes lost.
    int64_t back = std::max<int64_t>(
        0, (input.getDimSize(1 + a) - 1) * stride + span - in - front);
    int64_t windows = in + front + back < span ? 0 : (in + front + back - span) / stride + 1;
    if (windows != input.getDimSize(1 + a))
      return emitError("kiln cannot train this Conv2DTranspose geometry yet (axis ")
             << a << ")";
    padding.append({front, back});
  }
  Location loc = getLoc();
  auto paddingAttr = b.getDenseI64ArrayAttr(padding);
  auto groups = b.getI64IntegerAttr(1);
  if (needed[0])
    operandGrads[0] = Conv2DOp::create(
        b, loc, input, *dz, getKernel(), /*bias=*/Value(), /*residual=*/Value(), getStridesAttr(),
        getDilationsAttr(), paddingAttr, groups,
        ActivationKindAttr::get(getContext(), ActivationKind::linear));
  if (needed[1])
    operandGrads[1] = Conv2DGradKernelOp::create(b, loc, kernel, *dz, getInput(), getStridesAttr(),
                                                 getDilationsAttr(), paddingAttr, groups);
  setOptionalGrad(*this, /*bias*/ 2, needed, operandGrads,
                  [&] { return SumToOp::create(b, loc, getBias().getType(), *dz).getResult(); });
  return success();
}

LogicalResult ResizeOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                       ArrayRef<bool> needed,
                                       MutableArrayRef<Value> operandGrads) {
  if (resultGrads[0] && needed[0])
    operandGrads[0] = ResizeGradOp::create(b, getLoc(), getInput().getType(), resultGrads[0],
                                           getKindAttr());
  return success();
}

LogicalResult Pool2DOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                       ArrayRef<bool> needed,
                                       MutableArrayRef<Value> operandGrads) {
  if (resultGrads[0] && needed[0])
    operandGrads[0] = Pool2DGradOp::create(b, getLoc(), getInput().getType(), resultGrads[0],
                                           getInput(), getKindAttr(), getWindowAttr(),
                                           getStridesAttr(), getPaddingAttr());
  return success();
}

LogicalResult ReduceOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                       ArrayRef<bool> needed,
                                       MutableArrayRef<Value> operandGrads) {
  if (!resultGrads[0] || !needed[0])
    return success();
  if (getKind() != ReduceKind::sum && getKind() != ReduceKind::mean)
    return emitError("kiln has no gradient for a ")
           << stringifyReduceKind(getKind()) << " reduction yet";
  RankedTensorType input = tensorType(getInput());
  SmallVector<int64_t> kept(input.getShape());
  kept[getAxis()] = 1;
  Value dy = resultGrads[0];
  auto keptType = RankedTensorType::get(kept, input.getElementType());
  if (dy.getType() != keptType)
    dy = ReshapeOp::create(b, getLoc(), keptType, dy);
  float scale = getKind() == ReduceKind::mean ? 1.0f / float(input.getDimSize(getAxis())) : 1.0f;
  operandGrads[0] = BroadcastToOp::create(b, getLoc(), input, dy, b.getF32FloatAttr(scale));
  return success();
}

LogicalResult BatchNormOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                          ArrayRef<bool> needed,
                                          MutableArrayRef<Value> operandGrads) {
  if (!resultGrads[0])
    return success();
  if (getAxis() != tensorType(getInput()).getRank() - 1)
    return emitError("kiln trains BatchNormalization over the last axis only");
  if (needed[1] || needed[2])
    return emitError("the moving statistics of BatchNormalization have no gradient");
  // The moving statistics normalize: the frozen (inference-mode) form.
  auto grads = BatchNormGradOp::create(
      b, getLoc(), TypeRange{getInput().getType(), getMean().getType(), getMean().getType()},
      resultGrads[0], getInput(), getMean(), getVariance(), getGamma(), getEpsilonAttr(),
      /*batch_statistics=*/nullptr);
  operandGrads[0] = needed[0] ? grads.getInputGrad() : Value();
  setOptionalGrad(*this, /*gamma*/ 3, needed, operandGrads, [&] { return grads.getGammaGrad(); });
  setOptionalGrad(*this, /*beta*/ 4, needed, operandGrads, [&] { return grads.getBetaGrad(); });
  return success();
}

LogicalResult BatchNormTrainOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                               ArrayRef<bool> needed,
                                               MutableArrayRef<Value> operandGrads) {
  if (resultGrads[1] || resultGrads[2])
    return emitError("the batch statistics of BatchNormalization have no gradient");
  if (!resultGrads[0])
    return success();
  auto grads = BatchNormGradOp::create(
      b, getLoc(), TypeRange{getInput().getType(), getMean().getType(), getMean().getType()},
      resultGrads[0], getInput(), getMean(), getVariance(), getGamma(), getEpsilonAttr(),
      b.getUnitAttr());
  operandGrads[0] = needed[0] ? grads.getInputGrad() : Value();
  setOptionalGrad(*this, /*gamma*/ 1, needed, operandGrads, [&] { return grads.getGammaGrad(); });
  setOptionalGrad(*this, /*beta*/ 2, needed, operandGrads, [&] { return grads.getBetaGrad(); });
  return success();
}

LogicalResult BatchNormOp::replaceWithTrainingForm(RewriterBase &rewriter) {
  if (getFrozen())
    return success(); // Keras runs a frozen BatchNormalization in inference mode
  if (getAxis() != tensorType(getInput()).getRank() - 1)
    return emitError("kiln trains BatchNormalization over the last axis only");
  // The moving statistics this layer updates: the globals it reads them from.
  SmallVector<FlatSymbolRefAttr> moving;
  for (Value stat : {getMean(), getVariance()}) {
    Operation *def = stat.getDefiningOp();
    FlatSymbolRefAttr symbol;
    if (auto load = dyn_cast_or_null<ml_program::GlobalLoadConstOp>(def))
      symbol = FlatSymbolRefAttr::get(load.getGlobalAttr().getRootReference());
    else if (auto load = dyn_cast_or_null<ml_program::GlobalLoadOp>(def))
      symbol = FlatSymbolRefAttr::get(load.getGlobalAttr().getRootReference());
    auto global = symbol ? SymbolTable::lookupNearestSymbolFrom<ml_program::GlobalOp>(*this, symbol)
                         : ml_program::GlobalOp();
    if (!global)
      return emitError("the moving statistics of BatchNormalization must be weights to train");
    global.setIsMutable(true);
    moving.push_back(symbol);
  }
  rewriter.setInsertionPoint(*this);
  Type channels = getMean().getType();
  auto train = BatchNormTrainOp::create(rewriter, getLoc(),
                                        TypeRange{getType(), channels, channels}, getInput(),
                                        getGamma(), getBeta(), getEpsilonAttr());
  SmallVector<Value, 2> stats{train.getMean(), train.getVariance()};
  for (auto [stat, symbol] : llvm::zip(stats, moving))
    MovingAverageUpdateOp::create(rewriter, getLoc(), stat, symbol, getMomentumAttr());
  rewriter.replaceOp(*this, train.getResult());
  return success();
}

namespace {
/// `v` with its last two axes swapped, as a strided view.
Value transposeLastTwo(OpBuilder &b, Location loc, Value v) {
  RankedTensorType type = tensorType(v);
  SmallVector<int64_t> shape(type.getShape()), strides = rowMajorStrides(type.getShape());
  int64_t r = type.getRank();
  std::swap(shape[r - 1], shape[r - 2]);
  std::swap(strides[r - 1], strides[r - 2]);
  return StridedViewOp::create(b, loc, RankedTensorType::get(shape, type.getElementType()), v,
                               b.getI64IntegerAttr(0), b.getDenseI64ArrayAttr(strides));
}

/// The part of `grad` (a larger tensor) that has `type`, starting at
/// element `offset`: a strided view with `grad`'s own strides.
Value window(OpBuilder &b, Location loc, Value grad, Type type, int64_t offset) {
  return StridedViewOp::create(b, loc, type, grad, b.getI64IntegerAttr(offset),
                               b.getDenseI64ArrayAttr(rowMajorStrides(tensorType(grad).getShape())));
}
} // namespace

LogicalResult ConcatOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                       ArrayRef<bool> needed,
                                       MutableArrayRef<Value> operandGrads) {
  if (!resultGrads[0])
    return success();
  RankedTensorType result = getType();
  // The attribute's getter is unsigned: a negative axis must be read as
  // int64_t before it can count from the back.
  int64_t axis = int64_t(getAxis());
  if (axis < 0)
    axis += result.getRank();
  int64_t inner = rowMajorStrides(result.getShape())[axis];
  int64_t start = 0;
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    if (needed[i])
      operandGrads[i] = window(b, getLoc(), resultGrads[0], input.getType(), start * inner);
    start += tensorType(input).getDimSize(axis);
  }
  return success();
}

LogicalResult PadOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                    ArrayRef<bool> needed,
                                    MutableArrayRef<Value> operandGrads) {
  if (!resultGrads[0] || !needed[0])
    return success();
  SmallVector<int64_t> strides = rowMajorStrides(getType().getShape());
  int64_t offset = 0;
  for (auto [low, stride] : llvm::zip(getLow(), strides))
    offset += low * stride;
  operandGrads[0] = window(b, getLoc(), resultGrads[0], getInput().getType(), offset);
  return success();
}

LogicalResult MatmulOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                       ArrayRef<bool> needed,
                                       MutableArrayRef<Value> operandGrads) {
  Value dy = resultGrads[0];
  if (!dy)
    return success();
  Location loc = getLoc();
  // dA = dY · Bᵀ; dB = Aᵀ · dY, summed over the batch when B is shared.
  if (needed[0])
    operandGrads[0] = MatmulOp::create(b, loc, getLhs().getType(), dy,
                                       transposeLastTwo(b, loc, getRhs()));
  if (needed[1]) {
    RankedTensorType lhs = tensorType(getLhs()), rhs = tensorType(getRhs());
    SmallVector<int64_t> shape(lhs.getShape().drop_back(2));
    shape.append({rhs.getDimSize(rhs.getRank() - 2), rhs.getDimSize(rhs.getRank() - 1)});
    Value full = MatmulOp::create(b, loc, RankedTensorType::get(shape, rhs.getElementType()),
                                  transposeLastTwo(b, loc, getLhs()), dy);
    operandGrads[1] = unbroadcast(b, loc, full, getRhs());
  }
  return success();
}

LogicalResult StridedViewOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                            ArrayRef<bool> needed,
                                            MutableArrayRef<Value> operandGrads) {
  if (resultGrads[0] && needed[0])
    operandGrads[0] = StridedViewGradOp::create(b, getLoc(), getInput().getType(),
                                                resultGrads[0], getOffsetAttr(), getStridesAttr());
  return success();
}

LogicalResult EmbeddingOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                          ArrayRef<bool> needed,
                                          MutableArrayRef<Value> operandGrads) {
  if (resultGrads[0] && needed[1])
    operandGrads[1] = EmbeddingGradOp::create(b, getLoc(), getTable().getType(), getIds(),
                                              resultGrads[0]);
  return success();
}

LogicalResult LayerNormOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                          ArrayRef<bool> needed,
                                          MutableArrayRef<Value> operandGrads) {
  if (!resultGrads[0])
    return success();
  RankedTensorType x = tensorType(getInput());
  auto normalized = RankedTensorType::get(x.getShape().drop_front(getAxis()), x.getElementType());
  auto grads = LayerNormGradOp::create(b, getLoc(), TypeRange{x, normalized, normalized},
                                       resultGrads[0], getInput(), getGamma(), getAxisAttr(),
                                       getEpsilonAttr(), getRmsAttr());
  operandGrads[0] = needed[0] ? grads.getInputGrad() : Value();
  setOptionalGrad(*this, /*gamma*/ 1, needed, operandGrads, [&] {
    return unbroadcast(b, getLoc(), grads.getGammaGrad(), getGamma());
  });
  setOptionalGrad(*this, /*beta*/ 2, needed, operandGrads, [&] {
    return unbroadcast(b, getLoc(), grads.getBetaGrad(), getBeta());
  });
  return success();
}

LogicalResult DropoutOp::replaceWithTrainingForm(RewriterBase &rewriter) {
  if (getRate().convertToFloat() == 0.0f) {
    rewriter.replaceOp(*this, getInput());
    return success();
  }
  // Without a Keras seed, one derived from the layer's name: every build of
  // the model draws the same masks.
  std::string where;
  llvm::raw_string_ostream(where) << getLoc();
  int64_t seed = getSeed() ? int64_t(*getSeed()) : int64_t(llvm::xxh3_64bits(where) & 0x7fffffff);
  rewriter.setInsertionPoint(*this);
  rewriter.replaceOpWithNewOp<DropoutTrainOp>(*this, getType(), getInput(), getRateAttr(),
                                              rewriter.getI64IntegerAttr(seed), getNoiseAttr(),
                                              getNoiseShapeAttr());
  return success();
}

LogicalResult DropoutTrainOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                             ArrayRef<bool> needed,
                                             MutableArrayRef<Value> operandGrads) {
  if (!resultGrads[0] || !needed[0])
    return success();
  // Additive noise does not depend on the input.
  if (getNoise() == NoiseKind::gaussian_noise)
    operandGrads[0] = resultGrads[0];
  else
    operandGrads[0] = DropoutGradOp::create(b, getLoc(), getType(), resultGrads[0], getRateAttr(),
                                            getSeedAttr(), getNoiseAttr(), getNoiseShapeAttr());
  return success();
}

LogicalResult RnnOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGrads,
                                    ArrayRef<bool> needed,
                                    MutableArrayRef<Value> operandGrads) {
  Value finalH = resultGrads.size() > 1 ? resultGrads[1] : Value();
  Value finalC = resultGrads.size() > 2 ? resultGrads[2] : Value();
  if (!resultGrads[0] && !finalH && !finalC)
    return success();
  Type biasType = getBias() ? getBias().getType() : getKernel().getType();
  SmallVector<Type> types{getInput().getType(), getKernel().getType(),
                          getRecurrentKernel().getType(), biasType};
  for (Value state : getInitialStates())
    types.push_back(state.getType());
  auto grads = RnnGradOp::create(
      b, getLoc(), types, resultGrads[0], getInput(), getKernel(), getRecurrentKernel(),
      getBias(), getMask(), getInitialStates(), finalH, finalC, /*saved=*/Value(), getCellAttr(),
      getActivationAttr(), getRecurrentActivationAttr(), getGoBackwardsAttr(),
      getReturnSequencesAttr(), getResetAfterAttr(), getZeroOutputForMaskAttr());
  operandGrads[0] = needed[0] ? grads.getInputGrad() : Value();
  operandGrads[1] = needed[1] ? grads.getKernelGrad() : Value();
  operandGrads[2] = needed[2] ? grads.getRecurrentKernelGrad() : Value();
  setOptionalGrad(*this, /*bias*/ 3, needed, operandGrads, [&] { return grads.getBiasGrad(); });
  // The mask comes from the data: it has no gradient.
  auto [first, count] = getODSOperandIndexAndLength(/*initial_states*/ 5);
  for (unsigned i = 0; i < count; ++i)
    if (needed[first + i])
      operandGrads[first + i] = grads.getInitialStateGrads()[i];
  return success();
}
