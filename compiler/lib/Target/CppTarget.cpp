#include "CppSources.h"

#include "kiln/Conversion/Passes.h"
#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"
#include "kiln/rt/conv/winograd.h"
#include "kiln/rt/gemm/packed.h"

#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/Cpp/CppEmitter.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace kiln {
namespace {
/// The forward function: the only one, or @forward beside @train_step.
func::FuncOp entryFunction(ModuleOp module) {
  if (auto forward = module.lookupSymbol<func::FuncOp>(attr::kForwardFunc);
      forward && module.lookupSymbol<func::FuncOp>(attr::kTrainStepFunc))
    return forward;
  auto funcs = module.getOps<func::FuncOp>();
  return std::distance(funcs.begin(), funcs.end()) == 1 ? *funcs.begin() : func::FuncOp();
}

TensorInterface describeTensor(Type type, StringAttr name, const std::string &fallback) {
  auto tensor = cast<RankedTensorType>(type);
  TensorInterface t;
  t.name = name ? name.str() : fallback;
  t.sampleShape.assign(tensor.getShape().begin() + 1, tensor.getShape().end());
  for (int64_t d : t.sampleShape)
    t.sampleSize *= d;
  if (tensor.getElementType().isInteger()) { // integer ids
    unsigned bits = tensor.getElementType().getIntOrFloatBitWidth();
    t.elementType = "std::int" + std::to_string(bits) + "_t";
    t.elementBytes = bits / 8;
    t.dtypeTag = "kiln::rt::DType::i" + std::to_string(bits);
  }
  return t;
}

/// The training half, when the module has a @train_step.
LogicalResult readTraining(ModuleOp module, ModelInterface &model, std::string &error) {
  auto step = module.lookupSymbol<func::FuncOp>(attr::kTrainStepFunc);
  if (!step)
    return success();
  auto plan = step->getAttrOfType<IntegerAttr>(attr::kArenaBytes);
  auto state = module->getAttrOfType<IntegerAttr>(attr::kStateBytes);
  auto training = module->getAttrOfType<DictionaryAttr>(attr::kTraining);
  auto losses = training ? training.getAs<ArrayAttr>("losses") : ArrayAttr();
  if (!plan || !state || !losses || losses.size() != model.outputs.size()) {
    error = "the training module has no memory plan or losses";
    return failure();
  }
  TrainingInterface t;
  t.planBytes = plan.getInt();
  t.stateBytes = state.getInt();
  if (auto bound = step->getAttrOfType<IntegerAttr>(attr::kLivenessLowerBound))
    t.livenessLowerBound = bound.getInt();
  FunctionType type = step.getFunctionType();
  for (size_t k = 0; k < model.outputs.size(); ++k) {
    unsigned arg = model.inputs.size() + k;
    t.targets.push_back(describeTensor(type.getInput(arg),
                                       step.getArgAttrOfType<StringAttr>(arg, attr::kName),
                                       model.outputs[k].name));
    auto weight = cast<DictionaryAttr>(losses[k]).getAs<FloatAttr>("weight");
    t.lossWeights.push_back(weight ? float(weight.getValueAsDouble()) : 1.0f);
  }
  unsigned firstMetric = model.outputs.size();
  if (firstMetric < type.getNumResults() &&
      step.getResultAttr(firstMetric, attr::kRegularizationResult)) {
    t.regularized = true;
    ++firstMetric;
  }
  for (unsigned r = firstMetric; r < type.getNumResults(); ++r) {
    auto name = step.getResultAttrOfType<StringAttr>(r, attr::kName);
    t.metricNames.push_back(name ? name.str() : "metric_" + std::to_string(r));
  }
  auto evaluate = module.lookupSymbol<func::FuncOp>(attr::kEvaluateFunc);
  auto evaluatePlan =
      evaluate ? evaluate->getAttrOfType<IntegerAttr>(attr::kArenaBytes) : IntegerAttr();
  if (!evaluatePlan || evaluate.getNumResults() != type.getNumResults()) {
    error = "the training module has no planned @evaluate matching @train_step";
    return failure();
  }
  step.walk([&](kiln::FlopCountOpInterface op) { t.flops += op.getFlops(); });
  if (auto optimizer = training.getAs<DictionaryAttr>("optimizer"))
    if (auto kind = optimizer.getAs<kiln::OptimizerKindAttr>("kind"))
      t.optimizer = kiln::stringifyOptimizerKind(kind.getValue()).str();
  step.walk([&](kiln::OptimizerUpdateOp update) {
    for (WeightInterface &w : model.weights)
      if (w.name == update.getWeight()) {
        w.stateOffset = int64_t(update.getStateOffset());
        w.numSlots = update.getNumSlots();
      }
  });
  model.arenaBytes = std::max({model.arenaBytes, t.planBytes, evaluatePlan.getInt()});
  model.training = std::move(t);
  return success();
}

static_assert(kiln::rt::kPanel == kiln::kPanelWidth,
              "the compiler packs panels as wide as the runtime reads them");
static_assert(kiln::rt::winograd_f43_kernel_floats(20, 37) == kiln::winogradKernelFloats(20, 37) &&
                  kiln::rt::winograd_f43_scratch_floats(12, 20, 37) ==
                      kiln::winogradScratchFloats(12, 20, 37),
              "the compiler plans Winograd kernels and scratch as the runtime lays them out");
static_assert(kiln::rt::winograd_f43_hwio_scratch_floats(12, 20, 37) ==
                  kiln::winogradAtRunTimeScratchFloats(12, 20, 37),
              "the compiler plans Winograd kernels and scratch as the runtime lays them out");

/// Raw little-endian bytes of a weight's initial value.
FailureOr<ArrayRef<char>> weightBytes(ml_program::GlobalOp global, std::string &storage) {
  Attribute value = global.getValueAttr();
  if (auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    return blob->getData();
  }
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(value)) {
    auto type = cast<ShapedType>(dense.getType());
    size_t elementBytes = type.getElementTypeBitWidth() / 8;
    if (!dense.isSplat())
      return dense.getRawData();
    storage.clear();
    for (int64_t i = 0; i < type.getNumElements(); ++i)
      storage.append(dense.getRawData().data(), elementBytes);
    return ArrayRef<char>(storage.data(), storage.size());
  }
  return failure();
}
} // namespace

FailureOr<ModelInterface> readModelInterface(ModuleOp module, const std::string &name,
                                             std::string &error) {
  func::FuncOp func = entryFunction(module);
  if (!func) {
    error = "expected exactly one function in the module";
    return failure();
  }
  auto arena = func->getAttrOfType<IntegerAttr>(attr::kArenaBytes);
  auto bound = func->getAttrOfType<IntegerAttr>(attr::kLivenessLowerBound);
  auto weights = module->getAttrOfType<IntegerAttr>(attr::kWeightBytes);
  if (!arena || !bound || !weights) {
    error = "the module has no memory plan; run the inference pipeline first";
    return failure();
  }
  ModelInterface model;
  model.name = name;
  FunctionType type = func.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i)
    model.inputs.push_back(describeTensor(type.getInput(i),
                                          func.getArgAttrOfType<StringAttr>(i, attr::kName),
                                          "input_" + std::to_string(i)));
  for (unsigned k = 0; k < type.getNumResults(); ++k)
    model.outputs.push_back(describeTensor(
        type.getResult(k), func.getResultAttrOfType<StringAttr>(k, attr::kName),
        "output_" + std::to_string(k)));
  if (model.inputs.empty() || model.outputs.empty()) {
    error = "the model needs at least one input and one output";
    return failure();
  }
  for (const TensorInterface &t : model.outputs)
    if (t.elementType != "float") {
      error = "output '" + t.name + "' holds integer ids (an input returned as is); kiln "
              "models output float32";
      return failure();
    }
  model.batch = cast<RankedTensorType>(type.getInput(0)).getDimSize(0);
  model.planBytes = arena.getInt();
  model.arenaBytes = model.planBytes;
  if (model.batch > 1)
    for (const auto *list : {&model.inputs, &model.outputs})
      for (const TensorInterface &t : *list)
        model.arenaBytes += alignBuffer(model.batch * t.sampleSize * t.elementBytes);
  model.livenessLowerBound = bound.getInt();
  func.walk([&](kiln::FlopCountOpInterface op) { model.flops += op.getFlops(); });
  if (auto profile = func->getAttrOfType<ArrayAttr>(attr::kProfile))
    for (auto slot : profile.getAsRange<DictionaryAttr>()) {
      auto layers = slot.getAs<StringAttr>("layers");
      auto flops = slot.getAs<IntegerAttr>("flops");
      if (!layers || !flops) {
        error = "malformed kiln.profile entry";
        return failure();
      }
      model.profile.push_back({layers.str(), flops.getInt()});
    }
  model.weightBytes = weights.getInt();
  for (auto global : module.getOps<ml_program::GlobalOp>())
    if (auto offset = global->getAttrOfType<IntegerAttr>(attr::kWeightOffset)) {
      auto type = cast<RankedTensorType>(global.getType());
      auto path = global->getAttrOfType<StringAttr>(attr::kWeightPath);
      auto order = global->getAttrOfType<DenseI64ArrayAttr>(attr::kKerasOrder);
      model.weights.push_back({global.getSymName().str(), offset.getInt(),
                               std::vector<int64_t>(type.getShape()), global.getIsMutable(),
                               path ? path.str() : "",
                               order ? std::vector<int64_t>(order.asArrayRef()) :
                                       std::vector<int64_t>()});
    }
  if (failed(readTraining(module, model, error)))
    return failure();
  return model;
}

LogicalResult lowerToEmitC(ModuleOp module, const std::string &symbol) {
  // The entry point is file-local in the generated source; give it a name
  // that cannot clash with the user's code.
  auto step = module.lookupSymbol<func::FuncOp>(attr::kTrainStepFunc);
  if (func::FuncOp func = entryFunction(module))
    func.setName("kiln_forward");
  if (step)
    step.setName("kiln_train_step");
  if (auto evaluate = module.lookupSymbol<func::FuncOp>(attr::kEvaluateFunc))
    evaluate.setName("kiln_evaluate");
  PassManager pm(module.getContext());
  ConvertKilnToEmitCOptions options;
  options.weightsSymbol = symbol;
  pm.addPass(createConvertKilnToEmitC(options));
  return pm.run(module);
}

FailureOr<SourceFiles> generateCpp(ModuleOp module, const ModelInterface &model,
                                   const std::string &modelPath, std::string &error,
                                   bool benchHarness) {
  // The weight blob: every planned global at its offset.
  std::string blob(model.weightBytes, '\0');
  std::string storage;
  for (auto global : module.getOps<ml_program::GlobalOp>()) {
    auto offset = global->getAttrOfType<IntegerAttr>(attr::kWeightOffset);
    if (!offset)
      continue;
    FailureOr<ArrayRef<char>> bytes = weightBytes(global, storage);
    auto type = cast<RankedTensorType>(global.getType());
    bool panels = global->hasAttr(attr::kPanelWidth);
    if (failed(bytes) || offset.getInt() + storedGlobalBytes(global) > model.weightBytes) {
      error = "weight '" + global.getSymName().str() + "' has no readable value";
      return failure();
    }
    if (global->hasAttr(attr::kWinograd)) {
      // U = G g Gᵀ, as conv2d_winograd_f43_f32 reads it (kiln/rt/conv/winograd.h).
      const std::size_t c = type.getDimSize(2), f = type.getDimSize(3);
      std::vector<float> values(9 * c * f), transformed(rt::winograd_f43_kernel_floats(c, f));
      std::memcpy(values.data(), bytes->data(), values.size() * sizeof(float));
      rt::winograd_f43_pack(values.data(), c, f, transformed.data());
      std::memcpy(blob.data() + offset.getInt(), transformed.data(),
                  transformed.size() * sizeof(float));
      continue;
    }
    if (panels) {
      // The panel layout the packed kernels read (kiln/rt/gemm/packed.h).
      std::size_t n = type.getShape().back(), k = type.getNumElements() / n;
      std::vector<float> values(k * n), packed(rt::packed_floats(k, n));
      std::memcpy(values.data(), bytes->data(), values.size() * sizeof(float));
      rt::pack_panels(values.data(), k, n, packed.data());
      std::memcpy(blob.data() + offset.getInt(), packed.data(), packed.size() * sizeof(float));
      continue;
    }
    std::copy(bytes->begin(), bytes->end(), blob.begin() + offset.getInt());
  }

  if (failed(lowerToEmitC(module, weightsSymbol(model)))) {
    error = "lowering to EmitC failed";
    return failure();
  }
  std::string forward;
  llvm::raw_string_ostream os(forward);
  if (failed(emitc::translateToCpp(module, os))) {
    error = "emitting C++ failed";
    return failure();
  }

  SourceFiles files;
  files[model.name + ".h"] = headerSource(model, modelPath);
  files[model.name + ".cpp"] = implementationSource(model, modelPath, forward);
  files[model.name + ".weights.bin"] = std::move(blob);
  files[model.name + "_main.cpp"] = mainSource(model);
  files[kHarnessFile] = harnessSource();
  files["CMakeLists.txt"] = cmakeSource(model);
  if (model.training) {
    files[model.name + "_train.cpp"] = trainMainSource(model);
    files[kTrainHarnessFile] = trainHarnessSource();
  }
  if (benchHarness)
    files[model.name + "_bench.cpp"] = benchSource(model);
  for (const auto &[path, contents] : runtimeHeaders())
    files[path] = contents;
  return files;
}

} // namespace kiln
