// How the importer turns one Keras layer call into kiln ops: each layer
// class registers a builder; builders see their config, weights and inputs
// through a LayerContext.
#ifndef KILN_IMPORT_KERAS_LAYERREGISTRY_H
#define KILN_IMPORT_KERAS_LAYERREGISTRY_H

#include "ImportError.h"
#include "ModelConfig.h"
#include "WeightStore.h"

#include "mlir/IR/Builders.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <map>

namespace kiln::keras {

/// Creates one immutable `ml_program.global` per layer variable, so a layer
/// called at several sites (a shared layer) has a single copy of its weights.
class WeightCache {
public:
  explicit WeightCache(mlir::ModuleOp module) : module(module) {}
  /// A constant tensor of `shape` filled with `value`, shared by every use.
  mlir::Value constant(mlir::OpBuilder &b, mlir::Location loc, float value,
                       llvm::ArrayRef<int64_t> shape);
  /// Loads variable `index` of `layer` (of the model `store` describes, at
  /// `scope`, the path of nested model names), checking it has `expectedShape`.
  mlir::Value load(mlir::OpBuilder &b, mlir::Location loc, const WeightStore &store,
                   const std::string &scope, const LayerSpec &layer, int index,
                   const std::string &role, llvm::ArrayRef<int64_t> expectedShape,
                   bool trainable);

  /// Parameter counts per top-level layer: each weight is counted once, for
  /// the top-level layer (or nested model) whose call first loaded it.
  struct ParamCount {
    int64_t trainable = 0, nonTrainable = 0;
  };
  std::map<std::string, ParamCount> params;
  /// The top-level layer being built; set by the top-level model builder.
  std::string owner;

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
  mlir::Value constant(float value, llvm::ArrayRef<int64_t> shape) {
    return weights.constant(b, loc, value, shape);
  }

  /// "(None, 4, 5)"-style rendering of a value's shape for messages.
  static std::string shapeString(mlir::Value v, bool batchAsNone = true);

private:
  WeightCache &weights;
  const WeightStore &store;
  std::string scope;
  bool layerTrainable;
};

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

private:
  llvm::StringMap<LayerBuildFn> builders;
  llvm::StringMap<LayerBuildFn> ops;
};

/// Dense, Activation and the inference identities.
void registerCoreLayers(LayerRegistry &registry);
/// Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.
void registerMergeLayers(LayerRegistry &registry);
/// The raw operations Keras 3 records in functional configs (keras.ops.*).
void registerRawOps(LayerRegistry &registry);

} // namespace kiln::keras

#endif
