// Imports a Keras model file (.keras archive) into the kiln dialect.
#ifndef KILN_IMPORT_KERASIMPORTER_H
#define KILN_IMPORT_KERASIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

/// One top-level layer as `model.summary()` and `plot_model` show it.
struct LayerReport {
  std::string name;
  std::string className;
  /// Output shapes of its first call, batch axis as None: "(None, 8)".
  std::vector<std::string> outputShapes;
  int64_t trainableParams = 0;
  int64_t nonTrainableParams = 0;
  /// Inbound tensors over all calls, as Keras prints them: "dense[0][0]".
  std::vector<std::string> connectedTo;
  /// Layers feeding it (for graph edges), once each, in first-use order.
  std::vector<std::string> inboundLayers;
};

struct ModelReport {
  std::string modelName;
  bool sequential = false;
  std::vector<LayerReport> layers; // in the config's order
  std::vector<std::string> outputLayers;
};

/// Bounds on what a model file may ask of the importer: model files come
/// from strangers. A file beyond one is refused with an error that names the
/// limit; `--limit NAME=N` raises it (names as in importLimitNames()).
struct ImportLimits {
  int64_t fileBytes = int64_t(8) << 30;     // file-bytes: the model file
  int64_t configBytes = int64_t(64) << 20;  // config-bytes: config.json / model_config
  int64_t jsonDepth = 200;                  // json-depth: nesting of the config
  int64_t zipRatio = 100;                   // zip-ratio: a large member's expansion
  int64_t layers = 100000;                  // layers: in one model's layer list
  int64_t tensorElements = int64_t(1) << 31; // tensor-elements: any tensor or weight
  /// import-seconds: wall time to read a model, enforced by the kiln tool (a
  /// corrupt HDF5 file can send libhdf5 into a loop that no check reaches).
  int64_t importSeconds = 120;
};

/// Sets one limit from "NAME=N"; on failure sets `error`.
bool setImportLimit(ImportLimits &limits, const std::string &spec, std::string &error);
/// "file-bytes=..., config-bytes=..., ...": every limit with its value.
std::string describeImportLimits(const ImportLimits &limits);

/// kiln compile --train: what to train with, beyond the model's compile_config.
struct TrainingOptions {
  bool enabled = false;
  std::string loss;      // --loss NAME for every output (default: compile_config)
  std::string optimizer; // --optimizer NAME with Keras's defaults
  std::optional<double> learningRate;
  std::vector<std::string> freeze; // --freeze LAYER,...
};

struct ImportOptions {
  ImportLimits limits;
  /// Set to import for training: the module gets kiln.training and frozen
  /// weights are marked.
  TrainingOptions training;
  /// Compile-time batch size: every input's leading axis.
  int64_t batch = 1;
  /// Layers whose outputs become extra model outputs (feature extraction).
  std::vector<std::string> extraOutputs;
  /// Per-sample shapes (no batch axis) for inputs, by Keras input name; they
  /// fix axes the model leaves open (None), e.g. a text input's length.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Size given to open axes no `inputShapes` entry fixes; 0 makes them an
  /// error (compiling needs static shapes; summaries do not).
  int64_t openAxisSize = 0;
  /// When set, receives the per-layer description (kiln summary, kiln plot).
  ModelReport *report = nullptr;
};

/// Reads `path` and builds a module holding one `func.func @forward` whose
/// arguments and results carry their Keras names (`kiln.name`), and one
/// `ml_program.global` per weight. On failure returns null and sets `error`
/// to a one-line message `FILE: LAYER (CLASS): what was expected and found`.
mlir::OwningOpRef<mlir::ModuleOp> importKerasModel(mlir::MLIRContext &context,
                                                   const std::string &path,
                                                   const ImportOptions &options,
                                                   std::string &error);

/// Registers the dialects the importer produces.
void registerImportDialects(mlir::DialectRegistry &registry);

} // namespace kiln

#endif
