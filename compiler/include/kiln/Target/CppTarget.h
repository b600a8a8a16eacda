// From planned kiln IR to a self-contained folder of C++ sources, and from
// those sources to an object, library or executable.
#ifndef KILN_TARGET_CPPTARGET_H
#define KILN_TARGET_CPPTARGET_H

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

/// A model input or output as the generated API exposes it.
struct TensorInterface {
  std::string name;
  std::vector<int64_t> sampleShape; // without the batch axis
  int64_t sampleSize = 1;
  /// C++ element type ("float", "std::int32_t", "std::int64_t") and its size.
  std::string elementType = "float";
  int64_t elementBytes = 4;
  /// The harness's tag for it (kiln::rt::DType).
  std::string dtypeTag = "kiln::rt::DType::f32";
};

/// One timed op of a profiled build (-kiln-instrument-profile).
struct ProfileEntry {
  std::string layers; // "conv (Conv2D) + relu (ReLU)"
  int64_t flops = 0;  // per forward pass
};

/// One weight in the blob: its global's name (Keras "layer.variable").
struct WeightInterface {
  std::string name;
  int64_t offset = 0; // bytes into the blob
  std::vector<int64_t> shape;
  bool trainable = false;
  std::string path; // its dataset in the model's weights file (training builds)
  /// Training builds: sorts the weight into Keras's trainable_variables order
  /// (kiln.keras_order), and where its optimizer slots are in the state
  /// (numSlots slots of alignBuffer(4 * elements) bytes from stateOffset;
  /// -1 when it gets no update).
  std::vector<int64_t> kerasOrder;
  int64_t stateOffset = -1;
  int64_t numSlots = 0;
};

/// The training half of a module built with kiln compile --train.
struct TrainingInterface {
  /// One per output, named like it: what its loss compares the output with.
  std::vector<TensorInterface> targets;
  std::vector<float> lossWeights; // Keras loss_weights, one per output
  /// Whether train_step and evaluate also return the regularizers' penalty
  /// (after the losses), which the total loss includes.
  bool regularized = false;
  /// Keras's log names of the metrics train_step and evaluate report after
  /// the losses ("accuracy", or "OUTPUT_accuracy" with several outputs).
  std::vector<std::string> metricNames;
  int64_t stateBytes = 0;         // optimizer slots (kiln.state_bytes)
  std::string optimizer;          // its kind: sgd, adam, adamw or rmsprop
  int64_t planBytes = 0;          // train_step's arena plan
  int64_t livenessLowerBound = 0; // and the least any plan could use
  int64_t flops = 0;              // one train_step
};

/// What the generated header promises; read off the planned module.
struct ModelInterface {
  std::string name; // C++ namespace of the generated API
  int64_t batch = 1;
  int64_t threads = 1; // kiln compile --threads: the kernels' thread pool size
  /// kiln compile --arena=static (default): predict() falls back to a static
  /// arena for a null one; --arena=caller leaves it out (RAM on devices).
  bool staticArena = true;
  std::vector<TensorInterface> inputs, outputs;
  int64_t planBytes = 0;  // intermediate tensors (from -kiln-plan-memory)
  int64_t arenaBytes = 0; // plan + staging for partial batches
  int64_t livenessLowerBound = 0;
  int64_t weightBytes = 0;
  int64_t flops = 0; // one forward pass of `batch` samples
  /// Every weight of the blob, in blob order.
  std::vector<WeightInterface> weights;
  /// Set when built with kiln compile --train.
  std::optional<TrainingInterface> training;
  /// Empty unless built with kiln compile --profile.
  std::vector<ProfileEntry> profile;
};

/// Relative path -> contents of every generated file.
using SourceFiles = std::map<std::string, std::string>;

/// Reads the interface of a planned module (after the inference pipeline).
mlir::FailureOr<ModelInterface> readModelInterface(mlir::ModuleOp module,
                                                   const std::string &name,
                                                   std::string &error);

/// Lowers a planned module (it is modified) through EmitC and returns the
/// folder's files: NAME.h, NAME.cpp, NAME.weights.bin, NAME_main.cpp and
/// kiln_harness.cpp, CMakeLists.txt and the runtime headers under kiln/rt/
/// (NAME_train.cpp and kiln_train_harness.cpp for a training module, and
/// NAME_bench.cpp, the kiln bench harness, when `benchHarness` is set).
mlir::FailureOr<SourceFiles> generateCpp(mlir::ModuleOp module,
                                         const ModelInterface &model,
                                         const std::string &modelPath,
                                         std::string &error, bool benchHarness = false);

/// Runs the EmitC lowering and the C++ emitter only (for --emit=emitc|cpp).
mlir::LogicalResult lowerToEmitC(mlir::ModuleOp module, const std::string &weightsSymbol);

enum class Artifact { Object, Library, Executable, Benchmark };

struct ToolchainOptions {
  std::string cxx;                   // compiler command; may hold a launcher
  std::vector<std::string> cxxFlags; // e.g. -O3 -march=native
};

/// Default: $CXX or c++, with -O3 -march=native and modelCodeFlags().
ToolchainOptions defaultToolchain();

/// The flags generated code is always built with, whatever the target:
/// KILN_MODEL_CODE_FLAGS of cmake/KilnAddModel.cmake, which says why.
std::vector<std::string> modelCodeFlags();

/// For a cross target triple such as aarch64-linux-gnu: TRIPLE-g++ -O3
/// (the triple's baseline ISA, NEON on aarch64). An empty triple is the
/// default toolchain.
ToolchainOptions toolchainFor(const std::string &targetTriple);

/// Checks that the toolchain's compiler can be found, before anything is
/// written; on failure sets `error`.
bool findCompiler(const ToolchainOptions &toolchain, std::string &error);

/// Builds `kind` from the sources in `dir` with the system compiler
/// (Benchmark: DIR/NAME_bench, linked with Google Benchmark). With a
/// `cacheDir` ($KILN_BUILD_CACHE) the harness objects, which do not depend
/// on the model, are taken from it or stored in it.
bool buildArtifact(const std::string &dir, const ModelInterface &model, Artifact kind,
                   const ToolchainOptions &toolchain, std::string &error,
                   const std::string &cacheDir = "");

/// $KILN_BUILD_CACHE: built artifacts stored by the hash of the generated
/// files (weights included), the compiler binary and its flags.
std::string buildCacheKey(const SourceFiles &files, Artifact kind,
                          const ToolchainOptions &toolchain);
/// Copies a cached build of `kind` into `dir`; false when there is none.
bool restoreFromBuildCache(const std::string &cacheDir, const std::string &key,
                           const std::string &dir, const ModelInterface &model, Artifact kind);
/// Stores what buildArtifact built in `dir` (best effort).
void storeInBuildCache(const std::string &cacheDir, const std::string &key,
                       const std::string &dir, const ModelInterface &model, Artifact kind);

/// One object built from a source that includes nothing of the model's (a
/// harness): keyed by the compile command (`modelInclude`, the -I of the
/// model's folder, left out), the compiler binary, the source and the
/// runtime headers it may include.
std::string objectCacheKey(const std::vector<std::string> &compile,
                           const std::string &modelInclude, const std::string &source,
                           const ToolchainOptions &toolchain);
/// Copies the cached object to `object`; false when there is none.
bool restoreObject(const std::string &cacheDir, const std::string &key,
                   const std::string &object);
/// Stores `object` under `key` (best effort, published whole by a rename).
void storeObject(const std::string &cacheDir, const std::string &key, const std::string &object);

} // namespace kiln

#endif
