// Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.
#include "LayerRegistry.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"

using namespace mlir;

namespace kiln::keras {
namespace {

RankedTensorType tensorType(Value v) { return cast<RankedTensorType>(v.getType()); }

/// Keras brings merge inputs of lower rank up by inserting size-1 axes right
/// after the batch axis, then broadcasts size-1 axes.
SmallVector<Value> alignRanks(LayerContext &ctx, ArrayRef<Value> inputs) {
  int64_t rank = 0;
  for (Value v : inputs)
    rank = std::max(rank, tensorType(v).getRank());
  SmallVector<Value> aligned;
  for (Value v : inputs) {
    auto type = tensorType(v);
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
  auto ta = tensorType(a), tb = tensorType(b);
  for (int64_t d = 0; d < ta.getRank(); ++d) {
    int64_t x = ta.getDimSize(d), y = tb.getDimSize(d);
    if (x != y && x != 1 && y != 1)
      ctx.fail("inputs have incompatible shapes " + LayerContext::shapeString(origA) + " and " +
               LayerContext::shapeString(origB));
  }
}

SmallVector<Value> buildElementwiseMerge(LayerContext &ctx, ArrayRef<Value> inputs,
                                         BinaryKind kind, size_t exactInputs = 0) {
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
  SmallVector<int64_t> ones(tensorType(sum).getRank(), 1);
  Value count = ctx.constant(float(inputs.size()), ones);
  return {BinaryOp::create(ctx.b, ctx.loc, sum, count,
                           BinaryKindAttr::get(ctx.b.getContext(), BinaryKind::div))};
}

SmallVector<Value> buildConcatenate(LayerContext &ctx, ArrayRef<Value> inputs) {
  if (inputs.empty())
    ctx.fail("Concatenate needs at least one input");
  int64_t rank = tensorType(inputs.front()).getRank();
  int64_t axis = ctx.getInt("axis", -1);
  int64_t resolved = axis < 0 ? axis + rank : axis;
  if (resolved <= 0 || resolved >= rank)
    ctx.fail("axis " + std::to_string(axis) + " is not a feature axis of inputs of rank " +
             std::to_string(rank));
  for (Value v : inputs) {
    auto type = tensorType(v);
    bool ok = type.getRank() == rank;
    for (int64_t d = 0; ok && d < rank; ++d)
      ok = d == resolved || type.getDimSize(d) == tensorType(inputs.front()).getDimSize(d);
    if (!ok)
      ctx.fail("inputs must match except along the concatenation axis " + std::to_string(axis) +
               "; got shapes " + LayerContext::shapeString(inputs.front()) + " and " +
               LayerContext::shapeString(v));
  }
  return {ConcatOp::create(ctx.b, ctx.loc, inputs, resolved)};
}

} // namespace

void registerMergeLayers(LayerRegistry &registry) {
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
