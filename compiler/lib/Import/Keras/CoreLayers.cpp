// Dense, Activation, Flatten, Reshape, and the layers that are the identity
// at inference.
#include "LayerRegistry.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace kiln::keras {

Activation parseActivation(const LayerContext &ctx, const llvm::json::Value *value) {
  if (!value)
    return {};
  std::optional<llvm::StringRef> name = value->getAsString();
  if (!name) {
    std::string s;
    llvm::raw_string_ostream(s) << *value;
    ctx.fail("activation " + s +
             " is not a built-in Keras activation name; kiln never runs code from a "
             "model file, so custom activations cannot be compiled");
  }
  if (*name == "softmax")
    return {Activation::Softmax};
  if (*name == "log_softmax")
    return {Activation::LogSoftmax};
  if (*name == "glu")
    return {Activation::Glu};
  if (*name == "sparsemax")
    return {Activation::Sparsemax};
  llvm::StringRef canonical = llvm::StringSwitch<llvm::StringRef>(*name)
                                  .Case("swish", "silu")
                                  .Case("hard_swish", "hard_silu")
                                  .Default(*name);
  // Keras 2 defines hard_sigmoid as 0.2x + 0.5, Keras 3 as relu6(x + 3) / 6.
  if (canonical == "hard_sigmoid" && ctx.model.kerasMajor < 3)
    return {Activation::Elementwise, ActivationKind::hard_sigmoid_keras2};
  std::optional<ActivationKind> kind = symbolizeActivationKind(canonical);
  // Internal variants and raw-op functions are not Keras activation names;
  // `threshold` needs arguments.
  if (!kind || *kind == ActivationKind::gelu_tanh || *kind == ActivationKind::threshold ||
      *kind == ActivationKind::hard_sigmoid_keras2 || *kind >= ActivationKind::abs)
    ctx.fail("unknown activation '" + name->str() + "'");
  return {Activation::Elementwise, *kind};
}

Value applyActivation(LayerContext &ctx, Value x, const Activation &act) {
  switch (act.form) {
  case Activation::Elementwise:
    if (act.kind == ActivationKind::linear)
      return x;
    return ActivationOp::create(ctx.b, ctx.loc, x,
                                ActivationKindAttr::get(ctx.b.getContext(), act.kind));
  case Activation::Softmax:
  case Activation::LogSoftmax: {
    auto op = SoftmaxOp::create(ctx.b, ctx.loc, x, /*axis=*/-1);
    op.setLog(act.form == Activation::LogSoftmax);
    return op;
  }
  case Activation::Glu:
    return GluOp::create(ctx.b, ctx.loc, x, /*axis=*/-1);
  case Activation::Sparsemax:
    return SparsemaxOp::create(ctx.b, ctx.loc, x, /*axis=*/-1);
  }
  llvm_unreachable("activation form");
}

Value withActivation(LayerContext &ctx, ActivationFusionOpInterface op, const Activation &act) {
  if (act.form == Activation::Elementwise) {
    op.setFusedActivation(act.kind);
    return op->getResult(0);
  }
  return applyActivation(ctx, op->getResult(0), act);
}

namespace {


SmallVector<Value> buildDense(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  int64_t units = ctx.getInt("units");
  if (units <= 0)
    ctx.fail("units must be positive, found " + std::to_string(units));
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() < 2)
    ctx.fail("expected an input of rank >= 2, found shape " + LayerContext::shapeString(x));
  if (ctx.get("lora_rank") && ctx.getInt("lora_rank", 0) > 0)
    ctx.fail("LoRA-enabled Dense layers are not supported");
  if (ctx.get("quantization_config"))
    ctx.fail("quantized Dense layers are not supported");
  int64_t in = type.getShape().back();
  Value kernel = ctx.weight(0, "kernel", {in, units});
  Value bias = ctx.getBool("use_bias", true) ? ctx.weight(1, "bias", {units}) : Value();
  auto dense = DenseOp::create(ctx.b, ctx.loc, x, kernel, bias);
  return {withActivation(ctx, dense, parseActivation(ctx, ctx.get("activation")))};
}

SmallVector<Value> buildActivation(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  Activation act = parseActivation(ctx, ctx.get("activation"));
  if (act.form == Activation::Elementwise && act.kind == ActivationKind::linear)
    return {IdentityOp::create(ctx.b, ctx.loc, x)};
  return {applyActivation(ctx, x, act)};
}

/// The shape of a noise layer's random draw, or none when it is the
/// input's: Keras's `noise_shape` (null entries take the input's size), or
/// SpatialDropout's one draw per sample and channel.
std::optional<SmallVector<int64_t>> noiseShape(LayerContext &ctx, RankedTensorType type) {
  ArrayRef<int64_t> dims = type.getShape();
  SmallVector<int64_t> shape;
  StringRef cls = ctx.layer.className;
  if (cls.starts_with("SpatialDropout")) {
    if (dims.size() < 3)
      ctx.fail("expected an input with spatial axes, found rank " + std::to_string(dims.size()));
    bool channelsFirst = ctx.getString("data_format", "channels_last") == "channels_first";
    shape.assign(dims.size(), 1);
    shape.front() = dims.front();
    if (channelsFirst)
      shape[1] = dims[1];
    else
      shape.back() = dims.back();
  } else if (const llvm::json::Value *v = ctx.get("noise_shape"); v && !v->getAsNull()) {
    const llvm::json::Array *list = v->getAsArray();
    if (!list || list->size() != dims.size())
      ctx.fail("noise_shape must list " + std::to_string(dims.size()) +
               " axes, one per input axis");
    for (auto [axis, entry] : llvm::enumerate(*list)) {
      std::optional<int64_t> size = entry.getAsNull() ? dims[axis] : entry.getAsInteger();
      if (!size || (*size != 1 && *size != dims[axis]))
        ctx.fail("noise_shape axis " + std::to_string(axis) + " must be null, 1 or " +
                 std::to_string(dims[axis]));
      shape.push_back(*size);
    }
  } else {
    return std::nullopt;
  }
  if (ArrayRef<int64_t>(shape) == dims)
    return std::nullopt;
  return shape;
}

/// Dropout, SpatialDropout, GaussianDropout, GaussianNoise and
/// AlphaDropout: the identity at inference, their noise in training.
SmallVector<Value> buildDropout(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  auto type = cast<RankedTensorType>(x.getType());
  StringRef cls = ctx.layer.className;
  NoiseKind noise = cls == "GaussianDropout" ? NoiseKind::gaussian_dropout
                    : cls == "GaussianNoise" ? NoiseKind::gaussian_noise
                    : cls == "AlphaDropout"  ? NoiseKind::alpha_dropout
                                             : NoiseKind::dropout;
  double rate;
  if (noise == NoiseKind::gaussian_noise) {
    rate = ctx.getFloat("stddev", 0.0);
    if (!(rate >= 0.0))
      ctx.fail("stddev must be non-negative, found " + std::to_string(rate));
  } else {
    rate = ctx.getFloat("rate", 0.0);
    if (!(rate >= 0.0 && rate < 1.0))
      ctx.fail("rate must be in [0, 1), found " + std::to_string(rate));
  }
  IntegerAttr seed;
  if (const llvm::json::Value *s = ctx.get("seed"); s && s->getAsInteger())
    seed = ctx.b.getI64IntegerAttr(*s->getAsInteger());
  DenseI64ArrayAttr shape;
  if (std::optional<SmallVector<int64_t>> dims = noiseShape(ctx, type))
    shape = ctx.b.getDenseI64ArrayAttr(*dims);
  return {DropoutOp::create(ctx.b, ctx.loc, type, x, ctx.b.getF32FloatAttr(rate), seed,
                            NoiseKindAttr::get(ctx.b.getContext(), noise), shape)};
}

/// Flatten: everything but the batch axis into one; channels_first inputs
/// are first moved to channels-last, as Keras does.
SmallVector<Value> buildFlatten(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  auto type = cast<RankedTensorType>(x.getType());
  std::string format = ctx.getString("data_format", "channels_last");
  if (format != "channels_last" && format != "channels_first")
    ctx.fail("data_format must be channels_last or channels_first, found '" + format + "'");
  if (format == "channels_first" && type.getRank() > 2) {
    // (N, C, d1, ..., dk) -> (N, d1, ..., dk, C).
    SmallVector<int64_t> perm{0};
    for (int64_t d = 2; d < type.getRank(); ++d)
      perm.push_back(d);
    perm.push_back(1);
    x = permuteAxes(ctx, x, perm);
  }
  int64_t features = type.getNumElements() / type.getDimSize(0);
  return {ReshapeOp::create(
      ctx.b, ctx.loc,
      RankedTensorType::get({type.getDimSize(0), features}, type.getElementType()), x)};
}

/// Reshape: target_shape without the batch axis; one entry may be -1.
SmallVector<Value> buildReshape(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  auto type = cast<RankedTensorType>(x.getType());
  const llvm::json::Value *target = ctx.get("target_shape");
  const llvm::json::Array *dims = target ? target->getAsArray() : nullptr;
  if (!dims)
    ctx.fail("config field 'target_shape' must be a list");
  int64_t features = type.getNumElements() / type.getDimSize(0), known = 1;
  SmallVector<int64_t> shape{type.getDimSize(0)};
  int64_t unknown = -1;
  for (const llvm::json::Value &d : *dims) {
    std::optional<int64_t> n = d.getAsInteger();
    if (n && *n == -1 && unknown < 0) {
      unknown = shape.size();
      shape.push_back(1);
    } else if (n && *n > 0) {
      known *= *n;
      shape.push_back(*n);
    } else {
      std::string s;
      llvm::raw_string_ostream(s) << *target;
      ctx.fail("invalid target_shape " + s);
    }
  }
  if (unknown >= 0 && features % known == 0)
    shape[unknown] = features / known;
  int64_t total = 1;
  for (size_t i = 1; i < shape.size(); ++i)
    total *= shape[i];
  if (total != features) {
    std::string s;
    llvm::raw_string_ostream(s) << *target;
    ctx.fail("cannot reshape " + LayerContext::shapeString(x) + " (" +
             std::to_string(features) + " values a sample) to target_shape " + s);
  }
  return {ReshapeOp::create(ctx.b, ctx.loc, RankedTensorType::get(shape, type.getElementType()),
                            x)};
}

SmallVector<Value> buildIdentity(LayerContext &ctx, ArrayRef<Value> inputs) {
  return {IdentityOp::create(ctx.b, ctx.loc, singleInput(ctx, inputs))};
}

} // namespace

void registerCoreLayers(LayerRegistry &registry) {
  registry.add("Dense", buildDense);
  registry.add("Activation", buildActivation);
  registry.add("Dropout", buildDropout);
  registry.add("Flatten", buildFlatten);
  registry.add("Reshape", buildReshape);
  for (const char *name : {"SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                           "GaussianDropout", "GaussianNoise", "AlphaDropout"})
    registry.add(name, buildDropout);
  for (const char *name : {"Identity", "ActivityRegularization"})
    registry.add(name, buildIdentity);
}

} // namespace kiln::keras
