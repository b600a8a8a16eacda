// The layer graph described by a Keras model config (config.json, or the
// `model_config` attribute of a legacy .h5), before any MLIR is built.
#ifndef KILN_IMPORT_KERAS_MODELCONFIG_H
#define KILN_IMPORT_KERAS_MODELCONFIG_H

#include "kiln/Import/KerasImporter.h"

#include "llvm/Support/JSON.h"

#include <list>
#include <unordered_map>
#include <memory>
#include <string>
#include <vector>

namespace kiln::keras {

/// `(layer, node_index, tensor_index)`: output `tensor` of call `node` of a layer.
struct TensorRef {
  std::string layer;
  int64_t node = 0;
  int64_t tensor = 0;
};

/// One call of a layer (one entry of its inbound_nodes).
struct LayerCall {
  /// Tensor arguments in the order they appear, flattened.
  std::vector<TensorRef> inputs;
  /// Keyword arguments as written (Keras 3: the `kwargs` object); may be null.
  const llvm::json::Object *kwargs = nullptr;
  /// Tensors passed by keyword (`initial_state`, `mask`, MultiHeadAttention's
  /// `value`), flattened per keyword.
  std::vector<std::pair<std::string, std::vector<TensorRef>>> keywordInputs;
  /// Positional arguments as written (Keras 3 `args`), literals included;
  /// null for Keras 2 calls.
  const llvm::json::Array *args = nullptr;
};

struct LayerSpec {
  std::string name;
  std::string className;
  std::string module;         // empty in legacy configs
  std::string registeredName; // empty when null
  const llvm::json::Object *config = nullptr;
  /// The whole layers[] entry (a nested model is parsed from it).
  const llvm::json::Object *entry = nullptr;
  std::vector<LayerCall> calls;

  std::string label() const { return name + " (" + className + ")"; }
  /// A Functional or Sequential model used as a layer.
  bool isNestedModel() const {
    return className == "Functional" || className == "Model" || className == "Sequential";
  }
  /// Whether a nested Sequential starts with an InputLayer (Keras 2 then
  /// counts its calls from 1, like a nested Functional).
  bool sequentialHasInputLayer() const;
};

struct ModelSpec {
  /// What the file may ask for (the importer's options; never null once
  /// parsed).
  const ImportLimits *limits = nullptr;
  std::string name;
  std::string className; // Functional, Model or Sequential
  int kerasMajor = 3;
  std::vector<LayerSpec> layers;
  std::vector<TensorRef> inputs;
  std::vector<TensorRef> outputs;
  /// The names inputs and outputs go by: the dict key when the model was
  /// built with a dict, else the layer name.
  std::vector<std::string> inputNames;
  std::vector<std::string> outputNames;

  /// The JSON every `config` pointer refers into (null for a nested model,
  /// which points into its parent's).
  std::unique_ptr<llvm::json::Value> root;
  /// find()'s index of `layers` by name.
  mutable std::unordered_map<std::string, size_t> byName;
  /// Configs kiln made up (the InputLayer of a Sequential without one).
  std::list<llvm::json::Object> synthesized;

  const LayerSpec *find(const std::string &layerName) const;
};

/// Parses a model config. `kerasMajor` (2 or 3) selects the inbound_nodes
/// format and version-specific semantics. Throws ImportError.
/// `source` names where the JSON came from in errors ("config.json").
ModelSpec parseModelConfig(const std::string &json, const std::string &source, int kerasMajor,
                           const ImportLimits &limits);

/// Parses the model held by a nested-model layer.
ModelSpec parseNestedModel(const LayerSpec &layer, int kerasMajor, const ImportLimits &limits);

/// Which call of `layer` a reference's node index means. Nested Functional
/// models count from 1 in a model's input_layers/output_layers (Keras 3) or
/// everywhere (Keras 2, also for a Sequential with an InputLayer).
int64_t callIndex(const LayerSpec &layer, int64_t node, bool fromModelInputsOrOutputs,
                  int kerasMajor);

/// Keras's `to_snake_case`, which names weight groups: PReLU -> p_re_lu.
std::string toSnakeCase(const std::string &className);

} // namespace kiln::keras

#endif
