// Builds the kiln function for a parsed Keras model: one argument per model
// input, layer calls in dependency order, one result per model output.
#include "Archive.h"
#include "LayerRegistry.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"
#include "kiln/Import/KerasImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"

#include <map>

using namespace mlir;

namespace kiln::keras {
namespace {

using CallKey = std::pair<std::string, int64_t>; // (layer, call index)

class GraphBuilder {
public:
  GraphBuilder(MLIRContext &context, const ModelSpec &spec, const WeightStore &store,
               const ImportOptions &options)
      : context(context), spec(spec), options(options),
        module(ModuleOp::create(UnknownLoc::get(&context))),
        weights(*module, store), builder(&context) {}

  OwningOpRef<ModuleOp> build();

private:
  RankedTensorType inputType(const LayerSpec &input);
  /// The value a reference names, or null if its call is not built yet.
  Value resolve(const TensorRef &ref, const std::string &user) const;
  void buildCall(const LayerSpec &layer, size_t callIndex);
  [[noreturn]] void reportUnbuildable(const LayerSpec &layer, const LayerCall &call);

  MLIRContext &context;
  const ModelSpec &spec;
  const ImportOptions &options;
  OwningOpRef<ModuleOp> module;
  WeightCache weights;
  OpBuilder builder;
  std::map<CallKey, SmallVector<Value>> built;
};

RankedTensorType GraphBuilder::inputType(const LayerSpec &input) {
  const llvm::json::Object &config = *input.config;
  const llvm::json::Value *shape = config.get("batch_shape");
  if (!shape || shape->kind() == llvm::json::Value::Null)
    shape = config.get("batch_input_shape");
  const llvm::json::Array *dims = shape ? shape->getAsArray() : nullptr;
  if (!dims || dims->empty())
    throw ImportError(input.label(), "expected batch_shape (or batch_input_shape) as a list");
  std::string dtype = "float32";
  if (auto s = config.getString("dtype"))
    dtype = s->str();
  if (dtype != "float32")
    throw ImportError(input.label(), "input dtype is '" + dtype + "'; kiln compiles float32 inputs");
  SmallVector<int64_t> sizes{options.batch};
  for (size_t d = 1; d < dims->size(); ++d) {
    std::optional<int64_t> n = (*dims)[d].getAsInteger();
    if (!n)
      throw ImportError(input.label(), "input axis " + std::to_string(d) +
                                           " has no fixed size; kiln compiles static shapes");
    if (*n <= 0)
      throw ImportError(input.label(), "input axis " + std::to_string(d) + " has size " +
                                           std::to_string(*n) + "; expected a positive size");
    sizes.push_back(*n);
  }
  return RankedTensorType::get(sizes, builder.getF32Type());
}

Value GraphBuilder::resolve(const TensorRef &ref, const std::string &user) const {
  const LayerSpec *layer = spec.find(ref.layer);
  if (!layer)
    throw ImportError(user, "refers to layer '" + ref.layer + "', which is not in the model");
  int64_t call = layer->className == "InputLayer" ? 0 : ref.node;
  if (layer->className != "InputLayer" && (call < 0 || call >= int64_t(layer->calls.size())))
    throw ImportError(user, "refers to call " + std::to_string(ref.node) + " of layer '" +
                                ref.layer + "', which has " +
                                std::to_string(layer->calls.size()) + " call(s)");
  auto it = built.find({ref.layer, call});
  if (it == built.end())
    return {};
  if (ref.tensor < 0 || ref.tensor >= int64_t(it->second.size()))
    throw ImportError(user, "refers to output " + std::to_string(ref.tensor) + " of layer '" +
                                ref.layer + "', which has " +
                                std::to_string(it->second.size()) + " output(s)");
  return it->second[ref.tensor];
}

void GraphBuilder::buildCall(const LayerSpec &layer, size_t callIndex) {
  const LayerCall &call = layer.calls[callIndex];
  SmallVector<Value> inputs;
  for (const TensorRef &ref : call.inputs)
    inputs.push_back(resolve(ref, layer.label()));
  if (!layer.registeredName.empty() && layer.registeredName.find('>') != std::string::npos)
    throw ImportError(layer.label(), "custom class '" + layer.registeredName +
                                         "' cannot be compiled: kiln never runs code from a "
                                         "model file");
  if (layer.className == "Lambda" || layer.className == "TFOpLambda")
    throw ImportError(layer.label(), "Lambda layers hold Python code and cannot be compiled; "
                                     "rewrite the function with Keras layers or ops");
  const LayerBuildFn *fn = LayerRegistry::get().lookup(layer.className);
  if (!fn || layer.module.rfind("keras.src.ops", 0) == 0)
    throw ImportError(layer.label(), "unsupported layer class '" + layer.className +
                                         "'" + (layer.module.empty() ? "" : " from module '" +
                                         layer.module + "'"));
  LayerContext ctx(spec, layer, call, builder, weights);
  SmallVector<Value> outputs = (*fn)(ctx, inputs);
  built[{layer.name, int64_t(callIndex)}] = outputs;
}

void GraphBuilder::reportUnbuildable(const LayerSpec &layer, const LayerCall &call) {
  for (const TensorRef &ref : call.inputs) {
    const LayerSpec *source = spec.find(ref.layer);
    if (source && source->className == "InputLayer" && !resolve(ref, layer.label()))
      throw ImportError(layer.label(), "depends on input '" + ref.layer +
                                           "', which is not an input of the model "
                                           "(the graph is disconnected)");
  }
  throw ImportError(layer.label(), "cannot be computed from the model inputs: its inputs "
                                   "form a cycle");
}

OwningOpRef<ModuleOp> GraphBuilder::build() {
  // Function inputs: the model's InputLayers, in input_layers order.
  SmallVector<Type> argTypes;
  SmallVector<const LayerSpec *> inputLayers;
  for (const TensorRef &ref : spec.inputs) {
    const LayerSpec *layer = spec.find(ref.layer);
    if (!layer)
      throw ImportError("", "input_layers names '" + ref.layer + "', which is not in the model");
    if (layer->className != "InputLayer")
      throw ImportError(layer->label(), "listed in input_layers but is not an InputLayer");
    argTypes.push_back(inputType(*layer));
    inputLayers.push_back(layer);
  }
  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(builder, module->getLoc(), "forward",
                                   builder.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToEnd(body);
  for (auto [i, layer] : llvm::enumerate(inputLayers)) {
    func.setArgAttr(i, attr::kName, builder.getStringAttr(layer->name));
    built[{layer->name, 0}] = {body->getArgument(i)};
  }

  // Calls in dependency order. Keras lists layers by depth, which is not a
  // topological order of calls when layers are shared: build every call
  // whose inputs exist, and repeat until all are built.
  std::vector<std::pair<const LayerSpec *, size_t>> pending;
  for (const LayerSpec &layer : spec.layers)
    if (layer.className != "InputLayer")
      for (size_t c = 0; c < layer.calls.size(); ++c)
        pending.push_back({&layer, c});
  while (!pending.empty()) {
    size_t before = pending.size();
    for (auto it = pending.begin(); it != pending.end();) {
      bool ready = true;
      for (const TensorRef &ref : it->first->calls[it->second].inputs)
        ready = ready && resolve(ref, it->first->label());
      if (!ready) {
        ++it;
        continue;
      }
      buildCall(*it->first, it->second);
      it = pending.erase(it);
    }
    if (pending.size() == before)
      reportUnbuildable(*pending.front().first, pending.front().first->calls[pending.front().second]);
  }

  // Results: the model outputs, then any layers requested with --outputs.
  SmallVector<Value> results;
  SmallVector<std::string> names;
  for (const TensorRef &ref : spec.outputs) {
    Value v = resolve(ref, "output_layers");
    if (!v)
      throw ImportError("", "output '" + ref.layer + "' is not computed by the model");
    results.push_back(v);
    names.push_back(ref.layer);
  }
  for (const std::string &name : options.extraOutputs) {
    const LayerSpec *layer = spec.find(name);
    if (!layer)
      throw ImportError("", "--outputs names layer '" + name + "', which is not in the model");
    Value v = resolve({name, 0, 0}, layer->label());
    if (!v)
      throw ImportError(layer->label(), "the layer is never called, so it has no output");
    results.push_back(v);
    names.push_back(name);
  }
  func::ReturnOp::create(builder, module->getLoc(), results);
  func.setFunctionType(builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [k, name] : llvm::enumerate(names))
    func.setResultAttr(k, attr::kName, builder.getStringAttr(name));
  return std::move(module);
}

int kerasMajorVersion(const std::string &metadataJson) {
  if (metadataJson.empty())
    return 3;
  llvm::Expected<llvm::json::Value> metadata = llvm::json::parse(metadataJson);
  if (!metadata) {
    llvm::consumeError(metadata.takeError());
    throw ImportError("", "metadata.json is not valid JSON");
  }
  const llvm::json::Object *o = metadata->getAsObject();
  std::optional<llvm::StringRef> version = o ? o->getString("keras_version") : std::nullopt;
  return version && version->starts_with("2.") ? 2 : 3;
}

/// Turns verifier diagnostics into the importer's one-line error, naming the
/// layer from the op's location.
std::string describeDiagnostic(Diagnostic &diag) {
  std::string where;
  if (auto name = dyn_cast<NameLoc>(diag.getLocation()))
    where = name.getName().str() + ": ";
  return where + diag.str();
}

} // namespace
} // namespace kiln::keras

namespace kiln {

void registerImportDialects(DialectRegistry &registry) {
  registry.insert<KilnDialect, func::FuncDialect, ml_program::MLProgramDialect>();
}

OwningOpRef<ModuleOp> importKerasModel(MLIRContext &context, const std::string &path,
                                       const ImportOptions &options, std::string &error) {
  using namespace kiln::keras;
  context.loadDialect<KilnDialect, func::FuncDialect, ml_program::MLProgramDialect>();
  try {
    if (!llvm::sys::fs::exists(path))
      throw ImportError("", "no such file");
    if (isHdf5File(path))
      throw ImportError("", "legacy Keras 2 .h5 models are not supported yet; save the model "
                            "as .keras");
    KerasArchive archive = readKerasArchive(path);
    ModelSpec spec = parseModelConfig(archive.configJson, kerasMajorVersion(archive.metadataJson));
    std::unique_ptr<Hdf5File> h5;
    if (!archive.weightsH5.empty())
      h5 = std::make_unique<Hdf5File>(
          Hdf5File::fromMemory(archive.weightsH5, "model.weights.h5"));
    WeightStore store(std::move(h5), spec);
    OwningOpRef<ModuleOp> module = GraphBuilder(context, spec, store, options).build();

    std::string verifyError;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      if (verifyError.empty() && diag.getSeverity() == DiagnosticSeverity::Error)
        verifyError = describeDiagnostic(diag);
      return success();
    });
    if (failed(verify(*module))) {
      error = path + ": " + verifyError;
      return nullptr;
    }
    return module;
  } catch (const ImportError &e) {
    error = path + ": " + (e.layer.empty() ? "" : e.layer + ": ") + e.what();
    return nullptr;
  }
}

} // namespace kiln
