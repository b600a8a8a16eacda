// BatchNormalization, LayerNormalization, Rescaling and Normalization.
#include "LayerRegistry.h"

#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;

namespace kiln::keras {
namespace {

/// The `axis` field as non-negative axes (int or list; Keras 2 writes [3]).
SmallVector<int64_t> axesOf(const LayerContext &ctx, int64_t rank, int64_t fallback) {
  SmallVector<int64_t> axes;
  const llvm::json::Value *v = ctx.get("axis");
  if (!v)
    axes.push_back(fallback);
  else if (auto i = v->getAsInteger())
    axes.push_back(*i);
  else if (const llvm::json::Array *list = v->getAsArray())
    for (const llvm::json::Value &e : *list)
      axes.push_back(e.getAsInteger().value_or(-rank - 1));
  for (int64_t &a : axes) {
    if (a < 0)
      a += rank;
    if (a <= 0 || a >= rank)
      ctx.fail("axis must name non-batch axes of a rank-" + std::to_string(rank) + " input");
  }
  llvm::sort(axes);
  return axes;
}

SmallVector<Value> buildBatchNorm(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  auto type = typeOf(x);
  SmallVector<int64_t> axes = axesOf(ctx, type.getRank(), -1);
  if (axes.size() != 1)
    ctx.fail("BatchNormalization over several axes is not supported");
  if (ctx.getBool("renorm", false))
    ctx.fail("batch renormalization is not supported");
  int64_t axis = axes.front(), c = type.getDimSize(axis);
  // Variables: gamma (if scale), beta (if center), moving mean, moving variance.
  int index = 0;
  Value gamma = ctx.getBool("scale", true) ? ctx.weight(index++, "gamma", {c}) : Value();
  Value beta = ctx.getBool("center", true) ? ctx.weight(index++, "beta", {c}) : Value();
  Value mean = ctx.weight(index++, "moving_mean", {c}, /*trainable=*/false);
  Value variance = ctx.weight(index++, "moving_variance", {c}, /*trainable=*/false);
  auto bn = BatchNormOp::create(ctx.b, ctx.loc, type, x, mean, variance, gamma, beta,
                                ctx.b.getI64IntegerAttr(axis),
                                ctx.b.getF32FloatAttr(ctx.getFloat("epsilon", 1e-3)),
                                ctx.b.getF32FloatAttr(ctx.getFloat("momentum", 0.99)),
                                ctx.isTrainable() ? nullptr : ctx.b.getUnitAttr());
  return {bn.getResult()};
}

SmallVector<Value> buildLayerNorm(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  auto type = typeOf(x);
  SmallVector<int64_t> axes = axesOf(ctx, type.getRank(), -1);
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != type.getRank() - int64_t(axes.size()) + int64_t(i))
      ctx.fail("LayerNormalization over axes that are not the trailing ones is not supported");
  SmallVector<int64_t> shape(type.getShape().begin() + axes.front(), type.getShape().end());
  // With rms_scaling Keras always creates gamma and never beta.
  bool rms = ctx.getBool("rms_scaling", false);
  int index = 0;
  Value gamma = ctx.getBool("scale", true) || rms ? ctx.weight(index++, "gamma", shape) : Value();
  Value beta = ctx.getBool("center", true) && !rms ? ctx.weight(index++, "beta", shape) : Value();
  auto op = LayerNormOp::create(ctx.b, ctx.loc, type, x, gamma, beta,
                                ctx.b.getI64IntegerAttr(axes.front()),
                                ctx.b.getF32FloatAttr(ctx.getFloat("epsilon", 1e-3)),
                                rms ? ctx.b.getUnitAttr() : UnitAttr());
  return {op};
}

/// A float, a list of floats, or a `__numpy__` value, as a flat list.
std::optional<SmallVector<float>> floats(const llvm::json::Value *v) {
  if (!v)
    return std::nullopt;
  if (const llvm::json::Object *o = v->getAsObject())
    if (const llvm::json::Object *config = o->getObject("config"))
      return floats(config->get("value"));
  SmallVector<float> out;
  if (auto d = v->getAsNumber()) {
    out.push_back(float(*d));
    return out;
  }
  if (const llvm::json::Array *list = v->getAsArray()) {
    for (const llvm::json::Value &e : *list) {
      auto inner = floats(&e);
      if (!inner)
        return std::nullopt;
      out.append(inner->begin(), inner->end());
    }
    return out;
  }
  return std::nullopt;
}

/// A constant broadcasting over `x` along its last axis (or a scalar).
Value channelConstant(LayerContext &ctx, Value x, ArrayRef<float> values, StringRef what) {
  auto type = typeOf(x);
  SmallVector<int64_t> shape(type.getRank(), 1);
  if (values.size() != 1) {
    if (int64_t(values.size()) != type.getShape().back())
      ctx.fail(what.str() + " has " + std::to_string(values.size()) +
               " values; expected 1 or the last axis's " +
               std::to_string(type.getShape().back()));
    shape.back() = values.size();
  }
  return ctx.constantTensor(values, shape);
}

Value binary(LayerContext &ctx, Value a, Value b, BinaryKind kind) {
  return BinaryOp::create(ctx.b, ctx.loc, a, b, BinaryKindAttr::get(ctx.b.getContext(), kind));
}

SmallVector<Value> buildRescaling(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  auto scale = floats(ctx.get("scale")), offset = floats(ctx.get("offset"));
  if (!scale)
    ctx.fail("config field 'scale' must be a number or a list of numbers");
  Value y = binary(ctx, x, channelConstant(ctx, x, *scale, "scale"), BinaryKind::mul);
  if (offset && llvm::any_of(*offset, [](float v) { return v != 0.0f; }))
    y = binary(ctx, y, channelConstant(ctx, y, *offset, "offset"), BinaryKind::add);
  return {y};
}

/// Normalization: (x - mean) / max(sqrt(variance), epsilon), or the inverse
/// with `invert`; statistics from the config or the layer's weights.
SmallVector<Value> buildNormalization(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  auto type = typeOf(x);
  SmallVector<int64_t> keep = axesOf(ctx, type.getRank(), -1);
  SmallVector<int64_t> broadcast(type.getRank(), 1), statsShape;
  for (int64_t a : keep) {
    broadcast[a] = type.getDimSize(a);
    statsShape.push_back(type.getDimSize(a));
  }
  int64_t count = 1;
  for (int64_t d : statsShape)
    count *= d;
  std::optional<SmallVector<float>> mean = floats(ctx.get("mean")),
                                    variance = floats(ctx.get("variance"));
  if (!mean || !variance) {
    Hdf5Dataset m = ctx.weightValues(0, "mean", false), v = ctx.weightValues(1, "variance", false);
    ctx.countParams(1, false); // `count`, which inference does not need
    mean = SmallVector<float>(m.values.begin(), m.values.end());
    variance = SmallVector<float>(v.values.begin(), v.values.end());
  }
  auto expand = [&](SmallVector<float> values, StringRef what) {
    if (values.size() == 1)
      values.assign(count, values.front());
    if (int64_t(values.size()) != count)
      ctx.fail(what.str() + " has " + std::to_string(values.size()) + " values; expected " +
               std::to_string(count));
    return values;
  };
  SmallVector<float> m = expand(*mean, "mean"), v = expand(*variance, "variance"), scale;
  for (float value : v)
    scale.push_back(std::max(std::sqrt(value), 1e-7f)); // Keras: backend.epsilon()
  Value meanT = ctx.constantTensor(m, broadcast), scaleT = ctx.constantTensor(scale, broadcast);
  if (ctx.getBool("invert", false))
    return {binary(ctx, meanT, binary(ctx, x, scaleT, BinaryKind::mul), BinaryKind::add)};
  return {binary(ctx, binary(ctx, x, meanT, BinaryKind::sub), scaleT, BinaryKind::div)};
}

} // namespace

void registerNormalizationLayers(LayerRegistry &registry) {
  registry.add("BatchNormalization", buildBatchNorm);
  registry.add("LayerNormalization", buildLayerNorm);
  registry.add("Rescaling", buildRescaling);
  registry.add("Normalization", buildNormalization);
}

} // namespace kiln::keras
