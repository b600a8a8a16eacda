// ReLU, LeakyReLU, PReLU, ELU and Softmax layers; Permute and RepeatVector.
#include "LayerRegistry.h"

using namespace mlir;

namespace kiln::keras {
namespace {

Value activation(LayerContext &ctx, Value x, ActivationKind kind, std::optional<float> alpha = {},
                 std::optional<float> maxValue = {}, std::optional<float> threshold = {}) {
  auto attr = [&](std::optional<float> v) { return v ? ctx.b.getF32FloatAttr(*v) : FloatAttr(); };
  return ActivationOp::create(ctx.b, ctx.loc, x.getType(), x,
                              ActivationKindAttr::get(ctx.b.getContext(), kind), attr(alpha),
                              attr(maxValue), attr(threshold));
}

SmallVector<Value> buildReLU(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  double slope = ctx.getFloat("negative_slope", 0.0), threshold = ctx.getFloat("threshold", 0.0);
  std::optional<float> maxValue;
  if (ctx.get("max_value"))
    maxValue = float(ctx.getFloat("max_value", 0.0));
  if (slope == 0.0 && threshold == 0.0 && !maxValue)
    return {activation(ctx, x, ActivationKind::relu)};
  return {activation(ctx, x, ActivationKind::relu, float(slope), maxValue, float(threshold))};
}

SmallVector<Value> buildLeakyReLU(LayerContext &ctx, ArrayRef<Value> inputs) {
  // Keras 3 writes negative_slope; Keras 2 wrote alpha. Both default to 0.3.
  double slope = ctx.get("negative_slope") ? ctx.getFloat("negative_slope", 0.3)
                                           : ctx.getFloat("alpha", 0.3);
  return {activation(ctx, singleInput(ctx, inputs), ActivationKind::leaky_relu, float(slope))};
}

SmallVector<Value> buildELU(LayerContext &ctx, ArrayRef<Value> inputs) {
  return {activation(ctx, singleInput(ctx, inputs), ActivationKind::elu,
                     float(ctx.getFloat("alpha", 1.0)))};
}

/// PReLU: relu(x) - alpha * relu(-x), alpha of shape input[1:] with the
/// shared axes set to 1.
SmallVector<Value> buildPReLU(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  auto type = typeOf(x);
  SmallVector<int64_t> alphaShape(type.getShape().begin() + 1, type.getShape().end());
  if (const llvm::json::Value *shared = ctx.get("shared_axes")) {
    SmallVector<int64_t> axes;
    if (auto i = shared->getAsInteger())
      axes.push_back(*i);
    else if (const llvm::json::Array *list = shared->getAsArray())
      for (const llvm::json::Value &e : *list)
        axes.push_back(e.getAsInteger().value_or(0));
    for (int64_t a : axes) {
      if (a < 1 || a >= type.getRank())
        ctx.fail("shared_axes must name non-batch axes");
      alphaShape[a - 1] = 1;
    }
  }
  SmallVector<int64_t> broadcast{1};
  broadcast.append(alphaShape.begin(), alphaShape.end());
  Value alpha = ctx.weightAs(0, "alpha", alphaShape, broadcast);
  auto *c = ctx.b.getContext();
  Value positive = activation(ctx, x, ActivationKind::relu);
  Value negative = activation(ctx, activation(ctx, x, ActivationKind::negative),
                              ActivationKind::relu);
  Value scaled = BinaryOp::create(ctx.b, ctx.loc, alpha, negative,
                                  BinaryKindAttr::get(c, BinaryKind::mul));
  return {BinaryOp::create(ctx.b, ctx.loc, positive, scaled,
                           BinaryKindAttr::get(c, BinaryKind::sub))};
}

SmallVector<Value> buildSoftmax(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  int64_t axis = -1;
  if (const llvm::json::Value *v = ctx.get("axis")) {
    if (auto i = v->getAsInteger())
      axis = *i;
    else if (const llvm::json::Array *list = v->getAsArray(); list && list->size() == 1)
      axis = (*list)[0].getAsInteger().value_or(-1);
    else
      ctx.fail("softmax over several axes is not supported");
  }
  int64_t rank = typeOf(x).getRank();
  if (axis < -rank || axis >= rank || axis == 0 || axis == -rank)
    ctx.fail("axis " + std::to_string(axis) + " is not a feature axis");
  if (Value mask = ctx.mask()) {
    // The mask broadcasts against the input's trailing axes, as in NumPy.
    auto type = typeOf(x), mt = typeOf(mask);
    if (mt.getRank() > rank)
      ctx.fail("mask " + LayerContext::shapeString(mask) + " has more axes than the input " +
               LayerContext::shapeString(x));
    SmallVector<int64_t> shape(rank - mt.getRank(), 1);
    shape.append(mt.getShape().begin(), mt.getShape().end());
    for (int64_t d = 0; d < rank; ++d)
      if (shape[d] != 1 && shape[d] != type.getDimSize(d))
        ctx.fail("mask " + LayerContext::shapeString(mask) + " does not broadcast to the input " +
                 LayerContext::shapeString(x));
    Value m = ReshapeOp::create(ctx.b, ctx.loc, RankedTensorType::get(shape, mt.getElementType()),
                                mask);
    return {maskedSoftmax(ctx, x, m, axis)};
  }
  return {SoftmaxOp::create(ctx.b, ctx.loc, x, axis)};
}

SmallVector<Value> buildPermute(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  auto type = typeOf(x);
  const llvm::json::Value *dimsValue = ctx.get("dims");
  const llvm::json::Array *dims = dimsValue ? dimsValue->getAsArray() : nullptr;
  if (!dims || int64_t(dims->size()) != type.getRank() - 1)
    ctx.fail("dims must list every non-batch axis once");
  SmallVector<int64_t> perm{0};
  SmallVector<bool> seen(type.getRank(), false);
  for (const llvm::json::Value &e : *dims) {
    int64_t d = e.getAsInteger().value_or(0);
    if (d < 1 || d >= type.getRank() || seen[d])
      ctx.fail("dims must be a permutation of 1.." + std::to_string(type.getRank() - 1));
    seen[d] = true;
    perm.push_back(d);
  }
  return {permuteAxes(ctx, x, perm)};
}

SmallVector<Value> buildRepeatVector(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  auto type = typeOf(x);
  if (type.getRank() != 2)
    ctx.fail("expected an input of shape (None, features), found " + LayerContext::shapeString(x));
  int64_t n = ctx.getInt("n");
  if (n <= 0)
    ctx.fail("n must be positive");
  // Every repetition reads the same row: stride 0 along the new axis.
  return {StridedViewOp::create(
      ctx.b, ctx.loc,
      RankedTensorType::get({type.getDimSize(0), n, type.getDimSize(1)}, type.getElementType()),
      x, 0, SmallVector<int64_t>{type.getDimSize(1), 0, 1})};
}

} // namespace

void registerActivationAndShapeLayers(LayerRegistry &registry) {
  registry.add("ReLU", buildReLU);
  registry.add("LeakyReLU", buildLeakyReLU);
  registry.add("ELU", buildELU);
  registry.add("PReLU", buildPReLU);
  registry.add("Softmax", buildSoftmax);
  registry.add("Permute", buildPermute);
  registry.add("RepeatVector", buildRepeatVector);
}

} // namespace kiln::keras
