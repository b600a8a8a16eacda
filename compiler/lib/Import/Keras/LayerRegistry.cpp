#include "LayerRegistry.h"

#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir;

namespace kiln::keras {
namespace {
std::string shapeOf(llvm::ArrayRef<int64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

/// A symbol name kiln can print without quotes: the layer name with
/// anything but [A-Za-z0-9_] replaced.
std::string symbolFor(const std::string &layer, const std::string &role) {
  std::string s;
  for (char c : layer + "." + role)
    s += c == '/' ? '.'
         : (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.') ? c
                                                                                 : '_';
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])))
    s = "w_" + s;
  return s;
}
} // namespace

Value WeightCache::load(OpBuilder &b, Location loc, const WeightStore &store,
                        const std::string &scope, const LayerSpec &layer, int index,
                        const std::string &role, llvm::ArrayRef<int64_t> expectedShape,
                        bool trainable, llvm::ArrayRef<int64_t> globalShape,
                        const std::string &part) {
  std::string path = scope + layer.name + (part.empty() ? "" : "/" + part);
  auto key = std::make_pair(path, index);
  auto type = RankedTensorType::get(globalShape.empty() ? expectedShape : globalShape,
                                    b.getF32Type());
  auto it = symbols.find(key);
  if (it == symbols.end()) {
    Hdf5Dataset data = store.read(layer, index, role);
    if (data.shape != std::vector<int64_t>(expectedShape.begin(), expectedShape.end()))
      throw ImportError(layer.label(), "weight '" + role + "' has shape " +
                                           shapeOf(data.shape) + ", expected " +
                                           shapeOf(expectedShape));
    auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(
        llvm::ArrayRef<float>(data.values));
    std::string name = symbolFor(path, role);
    auto global = addGlobal(loc, name, type,
                            DenseResourceElementsAttr::get(type, name, std::move(blob)));
    // Non-trainable variables (moving statistics), frozen layers and
    // --freeze: training leaves them as they are.
    if (!trainable || frozenLayers.count(layer.name))
      global->setAttr(attr::kFrozen, UnitAttr::get(b.getContext()));
    // Keras penalizes trainable variables only.
    else if (Attribute regularizer = weightRegularizer(b, layer, role))
      global->setAttr(attr::kRegularizer, regularizer);
    // Where kiln train writes the trained value back (same elements in the
    // same order, whatever shape the layer uses it in).
    if (recordPaths && !data.path.empty())
      global->setAttr(attr::kWeightPath, StringAttr::get(b.getContext(), data.path));
    // Keras orders a model's variables by layer (config order, nested
    // models in place), a layer's own before its parts', then by index.
    if (recordPaths) {
      std::vector<std::string> &parts = partsOfLayer[scope + layer.name];
      int64_t partRank = 0;
      if (!part.empty()) {
        auto it = std::find(parts.begin(), parts.end(), part);
        partRank = 1 + (it - parts.begin());
        if (it == parts.end())
          parts.push_back(part);
      }
      SmallVector<int64_t> order(layerPosition.begin(), layerPosition.end());
      order.append({partRank, int64_t(index)});
      global->setAttr(attr::kKerasOrder, DenseI64ArrayAttr::get(b.getContext(), order));
    }
    it = symbols.emplace(key, global.getSymName().str()).first;
    (trainable ? params[owner].trainable : params[owner].nonTrainable) += type.getNumElements();
  }
  return ml_program::GlobalLoadConstOp::create(
      b, loc, type, FlatSymbolRefAttr::get(b.getContext(), it->second));
}

ml_program::GlobalOp WeightCache::addGlobal(Location loc, const std::string &name,
                                            RankedTensorType type, Attribute value) {
  // Globals go before the function, in the order layers first use them.
  OpBuilder mb(module.getContext());
  if (lastGlobal)
    mb.setInsertionPointAfter(lastGlobal);
  else
    mb.setInsertionPointToStart(module.getBody());
  auto global = ml_program::GlobalOp::create(mb, loc, name, type, /*is_mutable=*/false, value,
                                             mb.getStringAttr("private"));
  // A sanitized name may clash: let the symbol table make it unique.
  SymbolTable(module).insert(global, Block::iterator(global));
  lastGlobal = global;
  return global;
}

Value WeightCache::constant(OpBuilder &b, Location loc, float value, ArrayRef<int64_t> shape) {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  return constantTensor(b, loc, SmallVector<float>(count, value), shape);
}

Value WeightCache::constantTensor(OpBuilder &b, Location loc, ArrayRef<float> values,
                                  ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  auto attr = DenseElementsAttr::get(type, values);
  auto it = constants.find(attr);
  if (it == constants.end()) {
    auto global = addGlobal(loc, "constant", type, attr);
    global->setAttr(attr::kFrozen, UnitAttr::get(b.getContext()));
    it = constants.try_emplace(attr, global.getSymName().str()).first;
  }
  return ml_program::GlobalLoadConstOp::create(
      b, loc, type, FlatSymbolRefAttr::get(b.getContext(), it->second));
}

LayerContext::LayerContext(const ModelSpec &model, const LayerSpec &layer,
                           const LayerCall &call, OpBuilder &builder, WeightCache &weights,
                           const WeightStore &store, const std::string &scope,
                           bool modelTrainable)
    : model(model), layer(layer), call(call), b(builder),
      loc(NameLoc::get(builder.getStringAttr(scope + layer.label()))), weights(weights),
      store(store), scope(scope) {
  auto trainable = layer.config->getBoolean("trainable");
  layerTrainable = modelTrainable && trainable.value_or(true);
}

const llvm::json::Value *LayerContext::get(llvm::StringRef key) const {
  const llvm::json::Value *v = layer.config->get(key);
  return v && v->kind() != llvm::json::Value::Null ? v : nullptr;
}

int64_t LayerContext::getInt(llvm::StringRef key) const {
  const llvm::json::Value *v = get(key);
  if (!v)
    fail("config field '" + key.str() + "' is missing");
  if (auto i = v->getAsInteger())
    return *i;
  if (auto d = v->getAsNumber(); d && *d == double(int64_t(*d)))
    return int64_t(*d);
  std::string s;
  llvm::raw_string_ostream(s) << *v;
  fail("config field '" + key.str() + "' must be an integer, found " + s);
}

int64_t LayerContext::getInt(llvm::StringRef key, int64_t fallback) const {
  return get(key) ? getInt(key) : fallback;
}

double LayerContext::getFloat(llvm::StringRef key, double fallback) const {
  const llvm::json::Value *v = get(key);
  if (!v)
    return fallback;
  if (auto d = v->getAsNumber())
    return *d;
  fail("config field '" + key.str() + "' must be a number");
}

bool LayerContext::getBool(llvm::StringRef key, bool fallback) const {
  const llvm::json::Value *v = get(key);
  if (!v)
    return fallback;
  if (auto bv = v->getAsBoolean())
    return *bv;
  fail("config field '" + key.str() + "' must be true or false");
}

std::string LayerContext::getString(llvm::StringRef key, const std::string &fallback) const {
  const llvm::json::Value *v = get(key);
  if (!v)
    return fallback;
  if (auto s = v->getAsString())
    return s->str();
  fail("config field '" + key.str() + "' must be a string");
}

std::string LayerContext::shapeString(Value v, bool batchAsNone) {
  auto shape = cast<RankedTensorType>(v.getType()).getShape();
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + (i == 0 && batchAsNone ? std::string("None") : std::to_string(shape[i]));
  return s + (shape.size() == 1 ? ",)" : ")");
}

Value permuteAxes(LayerContext &ctx, Value x, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> inStrides = rowMajorStrides(type.getShape()), shape, strides;
  for (int64_t d : perm) {
    shape.push_back(type.getDimSize(d));
    strides.push_back(inStrides[d]);
  }
  return kiln::StridedViewOp::create(ctx.b, ctx.loc,
                                     RankedTensorType::get(shape, type.getElementType()), x, 0,
                                     strides);
}

const LayerRegistry &LayerRegistry::get() {
  static const LayerRegistry registry = [] {
    LayerRegistry r;
    registerCoreLayers(r);
    registerMergeLayers(r);
    registerRawOps(r);
    registerVisionLayers(r);
    registerNormalizationLayers(r);
    registerActivationAndShapeLayers(r);
    registerSequenceLayers(r);
    registerAttentionLayers(r);
    for (const char *name :
         {"Dense", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "Dropout",
          "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout",
          "AlphaDropout", "GaussianNoise", "ActivityRegularization", "Identity",
          "LayerNormalization", "GroupNormalization", "BatchNormalization",
          "UnitNormalization", "Rescaling", "Normalization", "TimeDistributed"})
      r.addMaskPassing(name);
    return r;
  }();
  return registry;
}

const LayerBuildFn *LayerRegistry::lookup(llvm::StringRef className) const {
  auto it = builders.find(className);
  return it == builders.end() ? nullptr : &it->second;
}

const LayerBuildFn *LayerRegistry::lookupOp(llvm::StringRef className) const {
  auto it = ops.find(className);
  return it == ops.end() ? nullptr : &it->second;
}

std::vector<std::string> LayerRegistry::names() const {
  std::vector<std::string> out;
  for (const auto &entry : builders)
    out.push_back(entry.getKey().str());
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace kiln::keras
