// How the importer turns one Keras layer call into kiln ops: each layer
// class registers a builder; builders see their config, weights and inputs
// through a LayerContext.
#ifndef KILN_IMPORT_KERAS_LAYERREGISTRY_H
#define KILN_IMPORT_KERAS_LAYERREGISTRY_H

#include "ImportError.h"
#include "ModelConfig.h"
#include "WeightStore.h"

#include "mlir/IR/Builders.h"
#include "kiln/Dialect/Kiln/IR/KilnOps.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <functional>
#include <set>
#include <map>
#include <set>

namespace kiln::keras {

/// Creates one immutable `ml_program.global` per layer variable, so a layer
/// called at several sites (a shared layer) has a single copy of its weights.
class WeightCache {
public:
  explicit WeightCache(mlir::ModuleOp module) : module(module) {}
  /// A constant tensor of `shape` filled with `value`, shared by every use.
  mlir::Value constant(mlir::OpBuilder &b, mlir::Location loc, float value,
                       llvm::ArrayRef<int64_t> shape);
  mlir::Value constantTensor(mlir::OpBuilder &b, mlir::Location loc,
                             llvm::ArrayRef<float> values, llvm::ArrayRef<int64_t> shape);
  /// Loads variable `index` of `layer` (of the model `store` describes, at
  /// `scope`, the path of nested model names), checking it has `expectedShape`.
  mlir::Value load(mlir::OpBuilder &b, mlir::Location loc, const WeightStore &store,
                   const std::string &scope, const LayerSpec &layer, int index,
                   const std::string &role, llvm::ArrayRef<int64_t> expectedShape,
                   bool trainable, llvm::ArrayRef<int64_t> globalShape = {},
                   const std::string &part = "");

  /// Parameter counts per top-level layer: each weight is counted once, for
  /// the top-level layer (or nested model) whose call first loaded it.
  struct ParamCount {
    int64_t trainable = 0, nonTrainable = 0;
  };
  std::map<std::string, ParamCount> params;
  /// The top-level layer being built; set by the top-level model builder.
  std::string owner;
  /// Layers whose weights training must not change (kiln compile --freeze).
  std::set<std::string> frozenLayers;
  /// Record each weight's dataset path (kiln.weight_path) and its place
  /// among Keras's trainable variables (kiln.keras_order), for kiln train.
  bool recordPaths = false;
  /// The position of the layer being built: its index in the config's
  /// layer list, after those of the nested models that hold it.
  std::vector<int64_t> layerPosition;

private:
  /// Parts of each layer (an RNN's cell, an attention's projections) in the
  /// order they were first loaded, which is the order Keras creates them.
  std::map<std::string, std::vector<std::string>> partsOfLayer;

public:

private:
  mlir::ModuleOp module;
  std::map<std::pair<std::string, int>, std::string> symbols;
  llvm::DenseMap<mlir::Attribute, std::string> constants;
  mlir::Operation *lastGlobal = nullptr;
  mlir::ml_program::GlobalOp addGlobal(mlir::Location loc, const std::string &name,
                                       mlir::RankedTensorType type, mlir::Attribute value);
};

class LayerContext {
public:
  /// `scope` names the nested models around the layer ("enc/"), empty at
  /// the top level.
  LayerContext(const ModelSpec &model, const LayerSpec &layer, const LayerCall &call,
               mlir::OpBuilder &builder, WeightCache &weights, const WeightStore &store,
               const std::string &scope, bool modelTrainable);

  const ModelSpec &model;
  const LayerSpec &layer;
  const LayerCall &call;
  mlir::OpBuilder &b;
  mlir::Location loc;
  /// Tensors the call passes by keyword (`mask`, `initial_state`, ...).
  std::vector<std::pair<std::string, llvm::SmallVector<mlir::Value>>> keywordInputs;

  /// The tensors passed as keyword `name` (empty when not passed).
  llvm::ArrayRef<mlir::Value> keyword(llvm::StringRef name) const {
    for (const auto &entry : keywordInputs)
      if (entry.first == name)
        return entry.second;
    return {};
  }
  /// The Keras masks of the positional inputs (null where none), as Keras
  /// propagates them at run time. Masks are float 0/1 tensors in kiln.
  llvm::SmallVector<mlir::Value> inputMasks;
  /// Set by builders that compute their first output's mask (Keras's
  /// compute_mask); otherwise the registry's pass-through rule applies.
  std::optional<mlir::Value> outputMask;
  /// The masks riding on keyword tensors, by tensor.
  llvm::DenseMap<mlir::Value, mlir::Value> keywordMasks;

  /// The mask the layer's call receives: the `mask` keyword tensor Keras
  /// records, else the input's mask when the call has a single tensor
  /// argument (Keras fills `mask` only then); null when there is none.
  mlir::Value mask() const {
    llvm::ArrayRef<mlir::Value> m = keyword("mask");
    if (!m.empty())
      return m.front();
    size_t tensors = inputMasks.size();
    for (const auto &entry : keywordInputs)
      tensors += entry.second.size();
    return tensors == 1 ? inputMasks.front() : mlir::Value();
  }
  /// The mask compute_mask starts from: the call's mask, else the first
  /// input's.
  mlir::Value previousMask() const {
    if (mlir::Value m = mask())
      return m;
    return inputMasks.empty() ? mlir::Value() : inputMasks.front();
  }

  [[noreturn]] void fail(const std::string &message) const {
    throw ImportError(layer.label(), message);
  }

  const llvm::json::Value *get(llvm::StringRef key) const;
  int64_t getInt(llvm::StringRef key) const;
  int64_t getInt(llvm::StringRef key, int64_t fallback) const;
  double getFloat(llvm::StringRef key, double fallback) const;
  bool getBool(llvm::StringRef key, bool fallback) const;
  std::string getString(llvm::StringRef key, const std::string &fallback) const;

  /// Loads variable `index` (Keras name `role`). `trainable` is false for
  /// variables Keras creates non-trainable (moving statistics).
  mlir::Value weight(int index, const std::string &role, llvm::ArrayRef<int64_t> shape,
                     bool trainable = true) {
    return weights.load(b, loc, store, scope, layer, index, role, shape,
                        trainable && layerTrainable);
  }
  /// A weight stored with `shape` but used with `asShape` (same elements in
  /// the same order), e.g. a Conv1D kernel used as a 1xK Conv2D kernel.
  mlir::Value weightAs(int index, const std::string &role, llvm::ArrayRef<int64_t> shape,
                       llvm::ArrayRef<int64_t> asShape, bool trainable = true) {
    return weights.load(b, loc, store, scope, layer, index, role, shape,
                        trainable && layerTrainable, asShape);
  }
  /// Loads variable `index` of a part of the layer (an RNN's cell, an
  /// attention projection) through `partStore` (WeightStore::part); `part`
  /// names it uniquely within the layer.
  mlir::Value partWeight(const WeightStore &partStore, const std::string &part, int index,
                         const std::string &role, llvm::ArrayRef<int64_t> shape,
                         llvm::ArrayRef<int64_t> asShape = {}) {
    return weights.load(b, loc, partStore, scope, layer, index, role, shape, layerTrainable,
                        asShape, part);
  }
  /// The store of a part of this layer (see WeightStore::part).
  std::unique_ptr<WeightStore> partStore(const std::string &archivePath,
                                         const std::vector<std::string> &legacyPath) const {
    return store.part(layer, archivePath, legacyPath);
  }

  /// The raw values of a weight, for layers that fold them into constants.
  /// They count toward the layer's parameters like any other weight.
  Hdf5Dataset weightValues(int index, const std::string &role, bool trainable = true) {
    Hdf5Dataset data = store.read(layer, index, role);
    countParams(int64_t(data.values.size()), trainable);
    return data;
  }
  /// Counts parameters kiln does not load (e.g. Normalization's `count`).
  void countParams(int64_t n, bool trainable) {
    auto &p = weights.params[weights.owner];
    (trainable && layerTrainable ? p.trainable : p.nonTrainable) += n;
  }
  /// A constant tensor holding `values` with `shape`.
  mlir::Value constantTensor(llvm::ArrayRef<float> values, llvm::ArrayRef<int64_t> shape) {
    return weights.constantTensor(b, loc, values, shape);
  }
  mlir::Value constant(float value, llvm::ArrayRef<int64_t> shape) {
    return weights.constant(b, loc, value, shape);
  }

  /// A context for `inner`, a layer held in this layer's config (the layer
  /// TimeDistributed or Bidirectional wraps); its weights are read through
  /// `innerStore`.
  LayerContext wrapped(const LayerSpec &inner, const WeightStore &innerStore) const {
    // Only the top-level layer counts parameters, so `inner` needs no owner.
    LayerContext c(model, inner, call, b, weights, innerStore, scope + layer.name + "/",
                   layerTrainable);
    c.keywordInputs = keywordInputs;
    return c;
  }

  /// "(None, 4, 5)"-style rendering of a value's shape for messages.
  static std::string shapeString(mlir::Value v, bool batchAsNone = true);
  /// Whether training may change this layer (its and its models' trainable).
  bool isTrainable() const { return layerTrainable; }

private:
  WeightCache &weights;
  const WeightStore &store;
  std::string scope;
  bool layerTrainable;
};

/// What a Keras activation (a name in a layer config) lowers to.
struct Activation {
  enum Form { Elementwise, Softmax, LogSoftmax, Glu, Sparsemax } form = Elementwise;
  ActivationKind kind = ActivationKind::linear;
};

/// Parses an `activation` config value (null means linear).
Activation parseActivation(const LayerContext &ctx, const llvm::json::Value *value);
/// Applies an activation as its own op (nothing when linear).
mlir::Value applyActivation(LayerContext &ctx, mlir::Value x, const Activation &act);
/// Makes an elementwise activation the epilogue of `op`, or applies any
/// other after it; returns the activated value.
mlir::Value withActivation(LayerContext &ctx, ActivationFusionOpInterface op,
                           const Activation &act);

inline mlir::RankedTensorType typeOf(mlir::Value v) {
  return mlir::cast<mlir::RankedTensorType>(v.getType());
}

/// `x` (float32) with the same elements in `shape` (`x` itself when it has
/// that shape already).
inline mlir::Value reshapeTo(LayerContext &ctx, mlir::Value x, llvm::ArrayRef<int64_t> shape) {
  if (typeOf(x).getShape() == shape)
    return x;
  return ReshapeOp::create(ctx.b, ctx.loc,
                           mlir::RankedTensorType::get(shape, ctx.b.getF32Type()), x);
}

/// `x` with its axes reordered (result axis i is input axis perm[i]), as a
/// strided view.
mlir::Value permuteAxes(LayerContext &ctx, mlir::Value x, llvm::ArrayRef<int64_t> perm);

inline mlir::Value singleInput(const LayerContext &ctx, llvm::ArrayRef<mlir::Value> inputs) {
  if (inputs.size() != 1)
    ctx.fail("expected 1 input tensor, found " + std::to_string(inputs.size()));
  return inputs.front();
}

using LayerBuildFn = std::function<llvm::SmallVector<mlir::Value>(
    LayerContext &, llvm::ArrayRef<mlir::Value>)>;

class LayerRegistry {
public:
  /// The registry holding every layer class kiln compiles.
  static const LayerRegistry &get();
  const LayerBuildFn *lookup(llvm::StringRef className) const;
  void add(llvm::StringRef className, LayerBuildFn fn) { builders[className] = std::move(fn); }
  /// Raw operations (module keras.src.ops.*), which share class names with
  /// layers (Add, Concatenate, ...) but not their semantics.
  const LayerBuildFn *lookupOp(llvm::StringRef className) const;
  void addOp(llvm::StringRef className, LayerBuildFn fn) { ops[className] = std::move(fn); }
  std::vector<std::string> names() const;
  /// Layers and ops that take integer ids unconverted (Embedding, id
  /// comparisons); every other one gets integer inputs cast to float.
  void addIdConsumer(llvm::StringRef className, bool rawOp) {
    (rawOp ? idOps : idLayers).insert(className);
  }
  bool takesIds(llvm::StringRef className, bool rawOp) const {
    return (rawOp ? idOps : idLayers).contains(className);
  }
  /// Layers whose output keeps the mask they receive (Keras layers with
  /// supports_masking and the default compute_mask).
  void addMaskPassing(llvm::StringRef className) { maskPassing.insert(className); }
  bool passesMask(llvm::StringRef className) const { return maskPassing.contains(className); }

private:
  llvm::StringMap<LayerBuildFn> builders;
  llvm::StringMap<LayerBuildFn> ops;
  llvm::StringSet<> idLayers, idOps, maskPassing;
};

/// Dense, Activation and the inference identities.
void registerCoreLayers(LayerRegistry &registry);
/// Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.
void registerMergeLayers(LayerRegistry &registry);
/// The raw operations Keras 3 records in functional configs (keras.ops.*).
void registerRawOps(LayerRegistry &registry);
/// Convolutions, pooling, padding, cropping, upsampling.
void registerVisionLayers(LayerRegistry &registry);
/// BatchNormalization, LayerNormalization, Rescaling, Normalization.
void registerNormalizationLayers(LayerRegistry &registry);
/// ReLU, LeakyReLU, PReLU, ELU, Softmax, Permute, RepeatVector.
void registerActivationAndShapeLayers(LayerRegistry &registry);
/// Embedding, Masking, SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed.
void registerSequenceLayers(LayerRegistry &registry);
/// Attention, MultiHeadAttention.
void registerAttentionLayers(LayerRegistry &registry);

/// The layer config key of a weight's regularizer (kernel_regularizer,
/// recurrent_regularizer, ...).
std::string weightRegularizerKey(const std::string &role);
/// The kiln.regularizer attribute of weight `role` of `layer`: {l1, l2},
/// the class name of a regularizer kiln cannot train with, or null.
mlir::Attribute weightRegularizer(mlir::Builder &b, const LayerSpec &layer,
                                  const std::string &role);
/// Passes each float output of a layer with an activity regularizer (or an
/// ActivityRegularization layer) through kiln.activity_regularization.
void addActivityRegularizers(LayerContext &ctx, llvm::SmallVectorImpl<mlir::Value> &outputs);

/// Keras's masked softmax along `axis`: positions where `mask` (0/1, the
/// input's rank, broadcastable) is 0 count as -1e9 and come out as 0.
mlir::Value maskedSoftmax(LayerContext &ctx, mlir::Value x, mlir::Value mask, int64_t axis);

} // namespace kiln::keras

#endif
