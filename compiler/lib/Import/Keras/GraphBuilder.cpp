// Builds the kiln function for a parsed Keras model: one argument per model
// input, layer calls in dependency order, one result per model output.
#include "Archive.h"
#include "CompileConfig.h"
#include "LayerRegistry.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"
#include "kiln/Import/KerasImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"

#include <set>
#include <map>

using namespace mlir;

namespace kiln::keras {
namespace {

using CallKey = std::pair<std::string, int64_t>; // (layer, call index)

/// Builds the calls of one model (the top level, or a nested model being
/// inlined at one of its call sites) into the function under construction.
class ModelBuilder {
public:
  ModelBuilder(OpBuilder &builder, WeightCache &weights, llvm::DenseMap<Value, Value> &masks,
               const ModelSpec &spec, const WeightStore &store, std::string scope,
               bool trainable)
      : builder(builder), weights(weights), masks(masks), spec(spec), store(store),
        scope(std::move(scope)), trainable(trainable) {}

  /// Binds the model's inputs to `inputs`, builds every call and returns the
  /// values of output_layers followed by `extraOutputs` (layer names).
  SmallVector<Value> build(ArrayRef<Value> inputs,
                           ArrayRef<std::string> extraOutputs = {});

  /// Describes every layer of this model as model.summary() does.
  void fillReport(ModelReport &report) const;

  /// Where this model sits in the top-level model (WeightCache::layerPosition).
  std::vector<int64_t> position;

private:
  /// The value a reference names, or null if its call is not built yet.
  Value resolve(const TensorRef &ref, const std::string &user, bool fromModelIO) const;
  void buildCall(const LayerSpec &layer, size_t callIndex);
  /// Builds the call after the calls it reads from.
  void buildWithDependencies(const LayerSpec &layer, size_t callIndex);
  /// The first call `call` reads from that is not built yet, if any.
  std::optional<std::pair<const LayerSpec *, size_t>> missingInput(const LayerSpec &layer,
                                                                   const LayerCall &call) const;
  SmallVector<Value> buildNestedCall(const LayerSpec &layer, ArrayRef<Value> inputs);
  [[noreturn]] void reportUnbuildable(const LayerSpec &layer, const LayerCall &call);

  OpBuilder &builder;
  WeightCache &weights;
  /// The Keras mask riding on each value (Embedding(mask_zero), Masking),
  /// shared with nested models: masks flow in and out of them.
  llvm::DenseMap<Value, Value> &masks;
  const ModelSpec &spec;
  const WeightStore &store;
  std::string scope;
  bool trainable;
  std::map<CallKey, SmallVector<Value>> built;
};

Value ModelBuilder::resolve(const TensorRef &ref, const std::string &user,
                            bool fromModelIO) const {
  const LayerSpec *layer = spec.find(ref.layer);
  if (!layer)
    throw ImportError(user, "refers to layer '" + ref.layer + "', which is not in the model");
  // An InputLayer has one node, which produces the model input.
  int64_t call = callIndex(*layer, ref.node, fromModelIO, spec.kerasMajor);
  int64_t calls = layer->className == "InputLayer" ? 1 : int64_t(layer->calls.size());
  if (call < 0 || call >= calls)
    throw ImportError(user, "refers to node " + std::to_string(ref.node) + " of layer '" +
                                ref.layer + "', which has " + std::to_string(calls) +
                                " call(s)");
  auto it = built.find({ref.layer, call});
  if (it == built.end())
    return {};
  if (ref.tensor < 0 || ref.tensor >= int64_t(it->second.size()))
    throw ImportError(user, "refers to output " + std::to_string(ref.tensor) + " of layer '" +
                                ref.layer + "', which has " +
                                std::to_string(it->second.size()) + " output(s)");
  return it->second[ref.tensor];
}

SmallVector<Value> ModelBuilder::buildNestedCall(const LayerSpec &layer,
                                                 ArrayRef<Value> inputs) {
  // Inline the nested model at this call site. Its weights are keyed by
  // its scope, so a model called twice shares one copy.
  try {
    ModelSpec nested = parseNestedModel(layer, spec.kerasMajor, *spec.limits);
    std::unique_ptr<WeightStore> nestedStore = store.nested(layer, nested);
    bool nestedTrainable = trainable && layer.config->getBoolean("trainable").value_or(true);
    ModelBuilder inner(builder, weights, masks, nested, *nestedStore, scope + layer.name + "/",
                       nestedTrainable);
    inner.position = weights.layerPosition;
    if (inputs.size() != nested.inputs.size())
      throw ImportError("", "called with " + std::to_string(inputs.size()) +
                                " tensors, but the model has " +
                                std::to_string(nested.inputs.size()) + " inputs");
    return inner.build(inputs);
  } catch (const ImportError &e) {
    if (e.layer.rfind(layer.label(), 0) == 0)
      throw;
    throw ImportError(layer.label() + (e.layer.empty() ? "" : " / " + e.layer), e.what());
  }
}

/// Refuses a tensor with an empty or negative axis, or more elements than
/// the limit (counted without overflow): later stages size buffers by it.
void checkTensorSize(Type type, const std::string &label, const ImportLimits &limits) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return;
  std::string shape;
  for (int64_t d : tensor.getShape())
    shape += (shape.empty() ? "" : ", ") + (d < 0 ? std::string("?") : std::to_string(d));
  int64_t count = 1;
  for (int64_t d : tensor.getShape()) {
    if (d <= 0)
      throw ImportError(label, "gives a tensor of shape (" + shape +
                                   "); kiln compiles tensors whose every axis has a positive "
                                   "size");
    if (count > limits.tensorElements / d)
      throw ImportError(label, "gives a tensor of shape (" + shape + "), more elements" +
                                   overLimit("tensor-elements", limits.tensorElements));
    count *= d;
  }
}

void ModelBuilder::buildCall(const LayerSpec &layer, size_t callIndex) {
  const LayerCall &call = layer.calls[callIndex];
  SmallVector<Value> inputs;
  for (const TensorRef &ref : call.inputs)
    inputs.push_back(resolve(ref, layer.label(), /*fromModelIO=*/false));
  std::vector<std::pair<std::string, SmallVector<Value>>> keywordInputs;
  for (const auto &[keyword, refs] : call.keywordInputs) {
    SmallVector<Value> values;
    for (const TensorRef &ref : refs)
      values.push_back(resolve(ref, layer.label(), /*fromModelIO=*/false));
    keywordInputs.push_back({keyword, values});
  }
  if (!layer.registeredName.empty() && layer.registeredName.find('>') != std::string::npos)
    throw ImportError(layer.label(), "custom class '" + layer.registeredName +
                                         "' cannot be compiled: kiln never runs code from a "
                                         "model file");
  if (!layer.module.empty() && layer.module.rfind("keras", 0) != 0)
    throw ImportError(layer.label(), "class from module '" + layer.module +
                                         "' is not a Keras built-in and cannot be compiled: "
                                         "kiln never runs code from a model file");
  if (layer.className == "TFOpLambda" || layer.className == "SlicingOpLambda") {
    std::string function = "?";
    if (auto f = layer.config->getString("function"))
      function = f->str();
    throw ImportError(layer.label(), "Keras 2 recorded the TensorFlow function '" + function +
                                         "' here; TensorFlow ops are not supported: use Keras "
                                         "layers, or save the model with Keras 3");
  }
  if (layer.className == "Lambda")
    throw ImportError(layer.label(), "Lambda layers hold Python code and cannot be compiled; "
                                     "rewrite the function with Keras layers or ops");
  if (scope.empty())
    weights.owner = layer.name; // parameters count toward this top-level layer
  weights.layerPosition = position;
  weights.layerPosition.push_back(&layer - spec.layers.data());
  if (layer.isNestedModel()) {
    built[{layer.name, int64_t(callIndex)}] = buildNestedCall(layer, inputs);
    return;
  }
  bool rawOp = layer.module.rfind("keras.src.ops", 0) == 0;
  const LayerRegistry &registry = LayerRegistry::get();
  const LayerBuildFn *fn = rawOp ? registry.lookupOp(layer.className)
                                 : registry.lookup(layer.className);
  // Legacy .h5 configs name no module: a class that is no layer may be a
  // raw operation (Keras 3 records masks as NotEqual, Any, ...).
  if (!fn && layer.module.empty() && (fn = registry.lookupOp(layer.className)))
    rawOp = true;
  // Integer ids feed Embedding (and id comparisons) as they are; any other
  // layer sees them as floats, as Keras promotes them.
  if (!registry.takesIds(layer.className, rawOp))
    for (Value &v : inputs)
      if (!cast<RankedTensorType>(v.getType()).getElementType().isF32())
        v = CastOp::create(builder, NameLoc::get(builder.getStringAttr(scope + layer.label())),
                           RankedTensorType::get(cast<RankedTensorType>(v.getType()).getShape(),
                                                 builder.getF32Type()),
                           v);
  if (!fn)
    throw ImportError(layer.label(), std::string(rawOp ? "unsupported operation '"
                                                       : "unsupported layer class '") +
                                         layer.className + "'" +
                                         (layer.module.empty() ? "" : " from module '" +
                                         layer.module + "'"));
  LayerContext ctx(spec, layer, call, builder, weights, store, scope, trainable);
  ctx.keywordInputs = std::move(keywordInputs);
  for (Value v : inputs)
    ctx.inputMasks.push_back(masks.lookup(v));
  for (const auto &entry : ctx.keywordInputs)
    for (Value v : entry.second)
      if (Value m = masks.lookup(v))
        ctx.keywordMasks[v] = m;
  SmallVector<Value> results = (*fn)(ctx, inputs);
  addActivityRegularizers(ctx, results);
  // Keras sets the first output's mask from compute_mask; raw operations
  // produce unmasked arrays.
  Value outputMask;
  if (ctx.outputMask)
    outputMask = *ctx.outputMask;
  else if (!rawOp && registry.passesMask(layer.className))
    outputMask = ctx.previousMask();
  if (outputMask && !results.empty())
    masks[results.front()] = outputMask;
  for (Value v : results)
    checkTensorSize(v.getType(), layer.label(), *spec.limits);
  built[{layer.name, int64_t(callIndex)}] = std::move(results);
}

std::optional<std::pair<const LayerSpec *, size_t>>
ModelBuilder::missingInput(const LayerSpec &layer, const LayerCall &call) const {
  auto check = [&](const TensorRef &ref) -> std::optional<std::pair<const LayerSpec *, size_t>> {
    if (resolve(ref, layer.label(), /*fromModelIO=*/false))
      return std::nullopt;
    const LayerSpec *source = spec.find(ref.layer);
    return std::make_pair(source, size_t(callIndex(*source, ref.node, false, spec.kerasMajor)));
  };
  for (const TensorRef &ref : call.inputs)
    if (auto missing = check(ref))
      return missing;
  for (const auto &keyword : call.keywordInputs)
    for (const TensorRef &ref : keyword.second)
      if (auto missing = check(ref))
        return missing;
  return std::nullopt;
}

void ModelBuilder::buildWithDependencies(const LayerSpec &layer, size_t callIndex) {
  std::vector<std::pair<const LayerSpec *, size_t>> stack{{&layer, callIndex}};
  std::set<CallKey> onStack{{layer.name, int64_t(callIndex)}};
  while (!stack.empty()) {
    auto [top, call] = stack.back();
    if (built.count({top->name, int64_t(call)})) {
      onStack.erase({top->name, int64_t(call)});
      stack.pop_back();
      continue;
    }
    const LayerCall &pending = top->calls[call];
    auto missing = missingInput(*top, pending);
    if (!missing) {
      buildCall(*top, call);
      continue;
    }
    // An unbound input is never buildable; neither is a cycle, reported at
    // its member listed first in the config.
    auto [source, sourceCall] = *missing;
    if (source->className == "InputLayer")
      reportUnbuildable(*top, pending);
    if (!onStack.insert({source->name, int64_t(sourceCall)}).second) {
      auto from = std::find(stack.begin(), stack.end(), std::make_pair(source, sourceCall));
      auto first = std::min_element(from, stack.end()); // layers are stored in config order
      reportUnbuildable(*first->first, first->first->calls[first->second]);
    }
    stack.push_back({source, sourceCall});
  }
}

void ModelBuilder::reportUnbuildable(const LayerSpec &layer, const LayerCall &call) {
  for (const TensorRef &ref : call.inputs) {
    const LayerSpec *source = spec.find(ref.layer);
    if (source && source->className == "InputLayer" &&
        !resolve(ref, layer.label(), /*fromModelIO=*/false))
      throw ImportError(layer.label(), "depends on input '" + ref.layer +
                                           "', which is not an input of the model "
                                           "(the graph is disconnected)");
  }
  throw ImportError(layer.label(), "cannot be computed from the model inputs: its inputs "
                                   "form a cycle");
}

SmallVector<Value> ModelBuilder::build(ArrayRef<Value> inputs,
                                       ArrayRef<std::string> extraOutputs) {
  for (auto [ref, value] : llvm::zip(spec.inputs, inputs)) {
    const LayerSpec *layer = spec.find(ref.layer);
    if (!layer || layer->className != "InputLayer")
      throw ImportError("", "input_layers names '" + ref.layer + "', which is not an InputLayer");
    built[{layer->name, 0}] = {value};
  }

  // Calls in dependency order. Keras lists layers by depth, which is not a
  // topological order of calls when layers are shared: each call first
  // builds the calls it reads from, depth first on an explicit stack (a
  // hostile file may chain 100000 layers), so every call is visited a
  // bounded number of times.
  for (const LayerSpec &layer : spec.layers)
    if (layer.className != "InputLayer")
      for (size_t c = 0; c < layer.calls.size(); ++c)
        buildWithDependencies(layer, c);

  SmallVector<Value> results;
  for (const TensorRef &ref : spec.outputs) {
    Value v = resolve(ref, "output_layers", /*fromModelIO=*/true);
    if (!v)
      throw ImportError("", "output '" + ref.layer + "' is not computed by the model");
    results.push_back(v);
  }
  for (const std::string &name : extraOutputs) {
    const LayerSpec *layer = spec.find(name);
    if (!layer)
      throw ImportError("", "--outputs names layer '" + name + "', which is not in the model");
    Value v = resolve({name, 0, 0}, layer->label(), /*fromModelIO=*/false);
    if (!v)
      throw ImportError(layer->label(), "the layer is never called, so it has no output");
    results.push_back(v);
  }
  return results;
}

void ModelBuilder::fillReport(ModelReport &report) const {
  report.modelName = spec.name;
  report.sequential = spec.className == "Sequential";
  for (const TensorRef &ref : spec.outputs)
    report.outputLayers.push_back(ref.layer);
  for (const LayerSpec &layer : spec.layers) {
    LayerReport row;
    row.name = layer.name;
    row.className = layer.className;
    auto it = built.find({layer.name, 0});
    if (it != built.end())
      for (Value v : it->second)
        row.outputShapes.push_back(LayerContext::shapeString(v));
    auto params = weights.params.find(layer.name);
    if (params != weights.params.end()) {
      row.trainableParams = params->second.trainable;
      row.nonTrainableParams = params->second.nonTrainable;
    }
    for (const LayerCall &call : layer.calls)
      for (const TensorRef &ref : call.inputs) {
        row.connectedTo.push_back(ref.layer + "[" + std::to_string(ref.node) + "][" +
                                  std::to_string(ref.tensor) + "]");
        if (std::find(row.inboundLayers.begin(), row.inboundLayers.end(), ref.layer) ==
            row.inboundLayers.end())
          row.inboundLayers.push_back(ref.layer);
      }
    report.layers.push_back(std::move(row));
  }
}

/// The element type kiln uses for a Keras input dtype: float32 as is, and
/// integer ids (Embedding inputs) as int32 or int64 so the caller passes
/// them unconverted.
Type inputElementType(Builder &builder, const LayerSpec &input, const std::string &dtype) {
  if (dtype == "float32")
    return builder.getF32Type();
  if (dtype == "int32")
    return builder.getI32Type();
  if (dtype == "int64")
    return builder.getI64Type();
  throw ImportError(input.label(), "input dtype is '" + dtype +
                                       "'; kiln compiles float32, int32 and int64 inputs");
}

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : "x") + std::to_string(d);
  return s;
}

RankedTensorType inputType(Builder &builder, const LayerSpec &input, const std::string &name,
                           const ImportOptions &options) {
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
  else if (const llvm::json::Object *policy = config.getObject("dtype"))
    if (const llvm::json::Object *inner = policy->getObject("config"))
      if (auto n = inner->getString("name"))
        dtype = n->str();
  Type element = inputElementType(builder, input, dtype);
  auto given = options.inputShapes.find(name);
  if (given != options.inputShapes.end() && given->second.size() + 1 != dims->size())
    throw ImportError(input.label(), "--input-shape gives " +
                                         std::to_string(given->second.size()) +
                                         " axes for input '" + name + "', which has " +
                                         std::to_string(dims->size() - 1) +
                                         " (batch axis excluded)");
  SmallVector<int64_t> sizes{options.batch};
  for (size_t d = 1; d < dims->size(); ++d) {
    const llvm::json::Value &dim = (*dims)[d];
    std::optional<int64_t> n = dim.getAsInteger();
    if (!n && dim.kind() != llvm::json::Value::Null) {
      std::string found;
      llvm::raw_string_ostream(found) << dim;
      throw ImportError(input.label(), "input axis " + std::to_string(d) + " is " + found +
                                           "; expected a positive integer or null");
    }
    if (given != options.inputShapes.end()) {
      int64_t want = given->second[d - 1];
      if (n && *n != want)
        throw ImportError(input.label(), "--input-shape " + name + "=" +
                                             shapeText(given->second) + " sets axis " +
                                             std::to_string(d) + " to " + std::to_string(want) +
                                             ", but the model fixes it to " +
                                             std::to_string(*n));
      n = want;
    } else if (!n && options.openAxisSize > 0) {
      n = options.openAxisSize;
    }
    if (!n)
      throw ImportError(input.label(),
                        "input axis " + std::to_string(d) +
                            " has no fixed size (None); kiln compiles static shapes: give it "
                            "with --input-shape " + name + "=D1x...xDk (batch axis excluded)");
    if (*n <= 0)
      throw ImportError(input.label(), "input axis " + std::to_string(d) + " has size " +
                                           std::to_string(*n) + "; expected a positive size");
    sizes.push_back(*n);
  }
  return RankedTensorType::get(sizes, element);
}

/// The module: weights as globals and `func.func @forward` over the model.
OwningOpRef<ModuleOp> buildModule(MLIRContext &context, const ModelSpec &spec,
                                  const WeightStore &store, const ImportOptions &options) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(&context));
  OpBuilder builder(&context);
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const auto &[name, shape] : options.inputShapes)
    if (llvm::find(spec.inputNames, name) == spec.inputNames.end())
      throw ImportError("", "--input-shape names '" + name + "', which is not a model input");
  for (auto [ref, name] : llvm::zip(spec.inputs, spec.inputNames)) {
    const LayerSpec *layer = spec.find(ref.layer);
    if (!layer)
      throw ImportError("", "input_layers names '" + ref.layer + "', which is not in the model");
    if (layer->className != "InputLayer")
      throw ImportError(layer->label(), "listed in input_layers but is not an InputLayer");
    argTypes.push_back(inputType(builder, *layer, name, options));
    checkTensorSize(argTypes.back(), layer->label(), options.limits);
    argNames.push_back(name);
  }
  if (argTypes.empty())
    throw ImportError("", "the model has no inputs");
  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(builder, module->getLoc(), "forward",
                                   builder.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToEnd(body);
  for (auto [i, name] : llvm::enumerate(argNames))
    func.setArgAttr(i, attr::kName, builder.getStringAttr(name));

  WeightCache weights(*module);
  weights.frozenLayers.insert(options.training.freeze.begin(), options.training.freeze.end());
  weights.recordPaths = options.training.enabled;
  llvm::DenseMap<Value, Value> masks;
  ModelBuilder top(builder, weights, masks, spec, store, "", /*trainable=*/true);
  SmallVector<Value> args(body->getArguments().begin(), body->getArguments().end());
  SmallVector<Value> results = top.build(args, options.extraOutputs);
  if (options.report)
    top.fillReport(*options.report);
  SmallVector<std::string> names(spec.outputNames.begin(), spec.outputNames.end());
  names.append(options.extraOutputs.begin(), options.extraOutputs.end());

  func::ReturnOp::create(builder, module->getLoc(), results);
  func.setFunctionType(builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [k, name] : llvm::enumerate(names))
    func.setResultAttr(k, attr::kName, builder.getStringAttr(name));
  if (options.training.enabled) {
    if (!options.extraOutputs.empty())
      throw ImportError("", "--outputs cannot be combined with --train");
    for (const std::string &layer : options.training.freeze)
      if (!spec.find(layer))
        throw ImportError("", "--freeze names '" + layer + "', which is not a layer of the model");
    std::vector<std::string> outputs(spec.outputNames.begin(), spec.outputNames.end());
    (*module)->setAttr(attr::kTraining,
                       trainingAttr(&context, spec.root.get(), outputs, options.training));
  }
  return module;
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
    uint64_t fileBytes = 0;
    if (llvm::sys::fs::file_size(path, fileBytes))
      throw ImportError("", "cannot read the file's size");
    if (fileBytes > uint64_t(options.limits.fileBytes))
      throw ImportError("", "the file is " + std::to_string(fileBytes) + " bytes" +
                                overLimit("file-bytes", options.limits.fileBytes));
    ModelSpec spec;
    std::unique_ptr<WeightStore> store;
    if (isHdf5File(path)) {
      // Legacy .h5: the config is the root's model_config attribute.
      auto h5 = std::make_shared<Hdf5File>(Hdf5File::fromPath(path));
      auto configList = h5->stringListAttribute("/", "model_config");
      if (!configList)
        throw ImportError("", "HDF5 file without a model_config attribute: a weights-only "
                              "file, not a saved model");
      if (configList->size() != 1)
        throw ImportError("", "the model_config attribute is not one string");
      std::optional<std::string> config = configList->front();
      std::optional<std::string> version = h5->stringAttribute("/", "keras_version");
      int major = version && version->rfind("2.", 0) == 0 ? 2 : 3;
      spec = parseModelConfig(*config, "the model_config attribute", major, options.limits);
      store = WeightStore::forLegacyH5(h5);
    } else {
      KerasArchive archive = readKerasArchive(path, options.limits);
      spec = parseModelConfig(archive.configJson, "config.json",
                              kerasMajorVersion(archive.metadataJson), options.limits);
      std::shared_ptr<Hdf5File> h5;
      if (!archive.weightsH5.empty())
        h5 = std::make_shared<Hdf5File>(
            Hdf5File::fromMemory(archive.weightsH5, "model.weights.h5"));
      store = WeightStore::forArchive(h5, spec);
    }
    OwningOpRef<ModuleOp> module = buildModule(context, spec, *store, options);

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
  } catch (const std::bad_alloc &) {
    error = path + ": ran out of memory importing the model (are its sizes plausible?)";
    return nullptr;
  } catch (const std::length_error &) {
    error = path + ": a size in the model is too large to hold in memory";
    return nullptr;
  }
}

} // namespace kiln
