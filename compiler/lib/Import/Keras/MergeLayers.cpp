// Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.
#include "LayerRegistry.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"

using namespace mlir;

namespace kiln::keras {
namespace {


/// Keras brings merge inputs of lower rank up by inserting size-1 axes right
/// after the batch axis, then broadcasts size-1 axes.
SmallVector<Value> alignRanks(LayerContext &ctx, ArrayRef<Value> inputs) {
  int64_t rank = 0;
  for (Value v : inputs)
    rank = std::max(rank, typeOf(v).getRank());
  SmallVector<Value> aligned;
  for (Value v : inputs) {
    auto type = typeOf(v);
    if (type.getRank() == rank) {
      aligned.push_back(v);
      continue;
    }
    SmallVector<int64_t> shape{type.getDimSize(0)};
    shape.append(rank - type.getRank(), 1);
    shape.append(type.getShape().begin() + 1, type.getShape().end());
    aligned.push_back(ReshapeOp::create(ctx.b, ctx.loc,
                                        RankedTensorType::get(shape, type.getElementType()), v));
  }
  return aligned;
}

void checkBroadcastable(LayerContext &ctx, Value a, Value b, Value origA, Value origB) {
  auto ta = typeOf(a), tb = typeOf(b);
  for (int64_t d = 0; d < ta.getRank(); ++d) {
    int64_t x = ta.getDimSize(d), y = tb.getDimSize(d);
    if (x != y && x != 1 && y != 1)
      ctx.fail("inputs have incompatible shapes " + LayerContext::shapeString(origA) + " and " +
               LayerContext::shapeString(origB));
  }
}

/// Keras's merge mask: the OR of the inputs' masks when every input has one.
void setMergeMask(LayerContext &ctx) {
  if (ctx.inputMasks.empty() || llvm::any_of(ctx.inputMasks, [](Value m) { return !m; }))
    return;
  Value acc = ctx.inputMasks.front();
  for (Value m : ArrayRef<Value>(ctx.inputMasks).drop_front()) {
    if (m.getType() != acc.getType())
      return;
    acc = BinaryOp::create(ctx.b, ctx.loc, acc, m,
                           BinaryKindAttr::get(ctx.b.getContext(), BinaryKind::max));
  }
  ctx.outputMask = acc;
}

SmallVector<Value> buildElementwiseMerge(LayerContext &ctx, ArrayRef<Value> inputs,
                                         BinaryKind kind, size_t exactInputs = 0) {
  setMergeMask(ctx);
  if (inputs.empty())
    ctx.fail("a merge layer needs at least one input");
  if (exactInputs && inputs.size() != exactInputs)
    ctx.fail("expected exactly " + std::to_string(exactInputs) + " inputs, found " +
             std::to_string(inputs.size()));
  SmallVector<Value> aligned = alignRanks(ctx, inputs);
  auto kindAttr = BinaryKindAttr::get(ctx.b.getContext(), kind);
  Value acc = aligned.front();
  for (size_t i = 1; i < aligned.size(); ++i) {
    checkBroadcastable(ctx, acc, aligned[i], i == 1 ? inputs[0] : acc, inputs[i]);
    acc = BinaryOp::create(ctx.b, ctx.loc, acc, aligned[i], kindAttr);
  }
  return {acc};
}

SmallVector<Value> buildAverage(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value sum = buildElementwiseMerge(ctx, inputs, BinaryKind::add).front();
  // Keras divides the sum by the input count (not a multiply by 1/n).
  SmallVector<int64_t> ones(typeOf(sum).getRank(), 1);
  Value count = ctx.constant(float(inputs.size()), ones);
  return {BinaryOp::create(ctx.b, ctx.loc, sum, count,
                           BinaryKindAttr::get(ctx.b.getContext(), BinaryKind::div))};
}

SmallVector<Value> buildConcatenate(LayerContext &ctx, ArrayRef<Value> inputs) {
  if (inputs.empty())
    ctx.fail("Concatenate needs at least one input");
  int64_t rank = typeOf(inputs.front()).getRank();
  int64_t axis = ctx.getInt("axis", -1);
  // Masks (N, T) of (N, T, F) inputs: the OR along the feature axis, the
  // concatenation along the steps axis. An unmasked input counts as all
  // ones, which makes the OR all ones: no mask.
  bool allMasked = !ctx.inputMasks.empty() &&
                   llvm::all_of(ctx.inputMasks, [&](Value m) {
                     return m && typeOf(m).getRank() == rank - 1;
                   });
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (allMasked && normalized == rank - 1)
    setMergeMask(ctx);
  else if (allMasked && normalized > 0 && normalized < rank - 1)
    ctx.outputMask = ConcatOp::create(ctx.b, ctx.loc, ctx.inputMasks, normalized).getResult();
  int64_t resolved = axis < 0 ? axis + rank : axis;
  if (resolved <= 0 || resolved >= rank)
    ctx.fail("axis " + std::to_string(axis) + " is not a feature axis of inputs of rank " +
             std::to_string(rank));
  for (Value v : inputs) {
    auto type = typeOf(v);
    bool ok = type.getRank() == rank;
    for (int64_t d = 0; ok && d < rank; ++d)
      ok = d == resolved || type.getDimSize(d) == typeOf(inputs.front()).getDimSize(d);
    if (!ok)
      ctx.fail("inputs must match except along the concatenation axis " + std::to_string(axis) +
               "; got shapes " + LayerContext::shapeString(inputs.front()) + " and " +
               LayerContext::shapeString(v));
  }
  return {ConcatOp::create(ctx.b, ctx.loc, inputs, resolved)};
}

/// Moves axis `from` to position `to`, shifting the axes between.
Value moveAxis(LayerContext &ctx, Value v, int64_t from, int64_t to) {
  if (from == to)
    return v;
  auto type = typeOf(v);
  SmallVector<int64_t> perm;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (d != from)
      perm.push_back(d);
  perm.insert(perm.begin() + to, from);
  return permuteAxes(ctx, v, perm);
}

/// Keras's L2 normalize: x * min(rsqrt(sum(x^2, axis)), 1 / epsilon).
Value l2Normalize(LayerContext &ctx, Value x, int64_t axis) {
  auto *context = ctx.b.getContext();
  Value squared = ActivationOp::create(ctx.b, ctx.loc, x,
                                       ActivationKindAttr::get(context, ActivationKind::square));
  Value sum = ReduceOp::create(ctx.b, ctx.loc, squared,
                               ReduceKindAttr::get(context, ReduceKind::sum),
                               ctx.b.getI64IntegerAttr(axis), ctx.b.getUnitAttr());
  Value inv = ActivationOp::create(ctx.b, ctx.loc, sum,
                                   ActivationKindAttr::get(context, ActivationKind::rsqrt));
  SmallVector<int64_t> ones(typeOf(x).getRank(), 1);
  Value cap = BinaryOp::create(ctx.b, ctx.loc, inv, ctx.constant(1.0f / 1e-7f, ones),
                               BinaryKindAttr::get(context, BinaryKind::min));
  return BinaryOp::create(ctx.b, ctx.loc, x, cap, BinaryKindAttr::get(context, BinaryKind::mul));
}

/// Keras's Dot layer: optional L2 normalization, then batch_dot.
SmallVector<Value> buildDot(LayerContext &ctx, ArrayRef<Value> inputs) {
  if (inputs.size() != 2)
    ctx.fail("expected exactly 2 inputs, found " + std::to_string(inputs.size()));
  Value x = inputs[0], y = inputs[1];
  int64_t xRank = typeOf(x).getRank(), yRank = typeOf(y).getRank();
  const llvm::json::Value *axesValue = ctx.get("axes");
  if (!axesValue)
    ctx.fail("config field 'axes' is missing");
  int64_t a0, a1;
  if (const auto *list = axesValue->getAsArray()) {
    if (list->size() != 2)
      ctx.fail("'axes' must be an integer or a pair");
    a0 = (*list)[0].getAsInteger().value_or(0);
    a1 = (*list)[1].getAsInteger().value_or(0);
  } else {
    a0 = a1 = ctx.getInt("axes");
  }
  if (a0 < 0)
    a0 = ((a0 % xRank) + xRank) % xRank;
  if (a1 < 0)
    a1 = ((a1 % yRank) + yRank) % yRank;
  if (a0 <= 0 || a1 <= 0 || a0 >= xRank || a1 >= yRank)
    ctx.fail("'axes' must name a non-batch axis of each input");
  if (typeOf(x).getDimSize(a0) != typeOf(y).getDimSize(a1))
    ctx.fail("cannot contract axis " + std::to_string(a0) + " of " +
             LayerContext::shapeString(x) + " with axis " + std::to_string(a1) + " of " +
             LayerContext::shapeString(y));
  if (ctx.getBool("normalize", false)) {
    x = l2Normalize(ctx, x, a0);
    y = l2Normalize(ctx, y, a1);
  }
  // batch_dot: both operands to rank 3, contracted axes last (x) and middle
  // (y), one batched matmul, then the original axes back.
  auto xShape = llvm::to_vector(typeOf(x).getShape());
  auto yShape = llvm::to_vector(typeOf(y).getShape());
  if (xRank == 2) {
    xShape.insert(xShape.begin() + 1, 1);
    x = reshapeTo(ctx, x, xShape);
    ++a0;
  }
  if (yRank == 2) {
    yShape.push_back(1);
    y = reshapeTo(ctx, y, yShape);
  }
  x = moveAxis(ctx, x, a0, xShape.size() - 1);
  y = moveAxis(ctx, y, a1, 1);
  xShape = llvm::to_vector(typeOf(x).getShape());
  yShape = llvm::to_vector(typeOf(y).getShape());
  int64_t batch = xShape[0], k = xShape.back();
  SmallVector<int64_t> xMid(xShape.begin() + 1, xShape.end() - 1);
  SmallVector<int64_t> yTrail(yShape.begin() + 2, yShape.end());
  int64_t m = 1, n = 1;
  for (int64_t d : xMid)
    m *= d;
  for (int64_t d : yTrail)
    n *= d;
  x = reshapeTo(ctx, x, {batch, m, k});
  y = reshapeTo(ctx, y, {batch, k, n});
  Value out = MatmulOp::create(ctx.b, ctx.loc, x, y);
  SmallVector<int64_t> shape{batch};
  shape.append(xMid.begin(), xMid.end());
  shape.append(yTrail.begin(), yTrail.end());
  if (xRank == 2)
    shape.erase(shape.begin() + 1);
  else if (yRank == 2)
    shape.pop_back();
  return {reshapeTo(ctx, out, shape)};
}

} // namespace

void registerMergeLayers(LayerRegistry &registry) {
  registry.add("Dot", buildDot);
  registry.add("Add", [](LayerContext &ctx, ArrayRef<Value> in) {
    return buildElementwiseMerge(ctx, in, BinaryKind::add);
  });
  registry.add("Subtract", [](LayerContext &ctx, ArrayRef<Value> in) {
    return buildElementwiseMerge(ctx, in, BinaryKind::sub, /*exactInputs=*/2);
  });
  registry.add("Multiply", [](LayerContext &ctx, ArrayRef<Value> in) {
    return buildElementwiseMerge(ctx, in, BinaryKind::mul);
  });
  registry.add("Maximum", [](LayerContext &ctx, ArrayRef<Value> in) {
    return buildElementwiseMerge(ctx, in, BinaryKind::max);
  });
  registry.add("Minimum", [](LayerContext &ctx, ArrayRef<Value> in) {
    return buildElementwiseMerge(ctx, in, BinaryKind::min);
  });
  registry.add("Average", buildAverage);
  registry.add("Concatenate", buildConcatenate);
}

} // namespace kiln::keras
