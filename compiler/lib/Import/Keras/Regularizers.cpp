// Keras regularizers. They change nothing at inference; training adds their
// penalties to the loss, so the importer records them: on a weight's global
// (kiln.regularizer) and around a layer's outputs (kiln.activity_regularization).
#include "LayerRegistry.h"

#include "kiln/Dialect/Kiln/Transforms/Passes.h"

using namespace mlir;

namespace kiln::keras {
namespace {
const llvm::json::Value *nonNull(const llvm::json::Object &config, llvm::StringRef key) {
  const llvm::json::Value *v = config.get(key);
  return v && v->kind() != llvm::json::Value::Null ? v : nullptr;
}

/// The config entry `key` of a layer or, for a wrapper (Bidirectional,
/// TimeDistributed) that has none, of the layer it wraps.
const llvm::json::Value *layerSetting(const LayerSpec &layer, llvm::StringRef key) {
  if (const llvm::json::Value *v = nonNull(*layer.config, key))
    return v;
  const llvm::json::Object *inner = layer.config->getObject("layer");
  if (const llvm::json::Object *innerConfig = inner ? inner->getObject("config") : nullptr)
    return nonNull(*innerConfig, key);
  return nullptr;
}

float factor(const LayerSpec &layer, llvm::StringRef key, const llvm::json::Object *config,
             llvm::StringRef name, double fallback) {
  const llvm::json::Value *v = config ? nonNull(*config, name) : nullptr;
  if (!v)
    return float(fallback);
  std::optional<double> d = v->getAsNumber();
  if (!d || !(*d >= 0.0))
    throw ImportError(layer.label(), "config field '" + key.str() + "': '" + name.str() +
                                         "' must be a number >= 0");
  return float(*d);
}

/// The {l1, l2} dictionary kiln records an L1, L2 or L1L2 penalty as.
DictionaryAttr penaltyFactors(Builder &b, float l1, float l2) {
  return b.getDictionaryAttr(
      {b.getNamedAttr("l1", b.getF32FloatAttr(l1)), b.getNamedAttr("l2", b.getF32FloatAttr(l2))});
}

/// {l1, l2} for Keras's L1, L2 and L1L2 (by class name or the snake-case
/// name Keras also accepts); the class name of any other regularizer.
Attribute parseRegularizer(Builder &b, const LayerSpec &layer, llvm::StringRef key,
                           const llvm::json::Value &value) {
  std::string className;
  const llvm::json::Object *config = nullptr;
  if (auto s = value.getAsString()) {
    className = s->str();
  } else if (const llvm::json::Object *o = value.getAsObject()) {
    auto registered = o->getString("registered_name");
    if (auto c = o->getString("class_name"))
      className = c->str();
    if (registered && registered->contains('>'))
      className = registered->str();
    config = o->getObject("config");
  }
  if (className.empty())
    throw ImportError(layer.label(), "config field '" + key.str() +
                                         "' must name a regularizer (a string or a "
                                         "{class_name, config} object)");
  auto l1l2 = [&](double l1, double l2) {
    return penaltyFactors(b, factor(layer, key, config, "l1", l1),
                          factor(layer, key, config, "l2", l2));
  };
  // Keras's defaults: L1(l1=0.01), L2(l2=0.01), L1L2(l1=0.0, l2=0.0).
  if (className == "L1" || className == "l1")
    return l1l2(0.01, 0.0);
  if (className == "L2" || className == "l2")
    return l1l2(0.0, 0.01);
  if (className == "L1L2" || className == "l1_l2" || className == "l1l2")
    return l1l2(0.0, 0.0);
  return b.getStringAttr(className);
}
} // namespace

std::string weightRegularizerKey(const std::string &role) {
  if (role == "recurrent_kernel")
    return "recurrent_regularizer";
  return role + "_regularizer";
}

Attribute weightRegularizer(Builder &b, const LayerSpec &layer, const std::string &role) {
  std::string key = weightRegularizerKey(role);
  const llvm::json::Value *v = layerSetting(layer, key);
  return v ? parseRegularizer(b, layer, key, *v) : Attribute();
}

void addActivityRegularizers(LayerContext &ctx, SmallVectorImpl<Value> &outputs) {
  const LayerSpec &layer = ctx.layer;
  Attribute regularizer;
  if (layer.className == "ActivityRegularization") {
    regularizer = penaltyFactors(ctx.b, ctx.getFloat("l1", 0.0), ctx.getFloat("l2", 0.0));
  } else if (const llvm::json::Value *v = nonNull(*layer.config, "activity_regularizer")) {
    regularizer = parseRegularizer(ctx.b, layer, "activity_regularizer", *v);
  }
  if (!regularizer)
    return;
  auto dict = dyn_cast<DictionaryAttr>(regularizer);
  for (Value &v : outputs) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.getElementType().isF32())
      continue;
    auto op = ActivityRegularizationOp::create(
        ctx.b, ctx.loc, v, dict ? dict.getAs<FloatAttr>("l1") : ctx.b.getF32FloatAttr(0.0f),
        dict ? dict.getAs<FloatAttr>("l2") : ctx.b.getF32FloatAttr(0.0f),
        dict ? StringAttr() : cast<StringAttr>(regularizer));
    v = op.getResult();
  }
}

} // namespace kiln::keras
