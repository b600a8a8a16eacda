// -kiln-build-train-step: reverse-mode differentiation of @forward through
// the ops' GradientOpInterface, closed by losses and optimizer updates.
#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

namespace kiln {
#define GEN_PASS_DEF_BUILDTRAINSTEP
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
const llvm::StringSet<> kTrainingKeys = {"losses", "metrics", "optimizer"};
const llvm::StringSet<> kLossKeys = {"kind", "from_logits", "label_smoothing", "delta", "weight"};
const llvm::StringSet<> kMetricKeys = {"name", "metric", "threshold"};
const llvm::StringSet<> kOptimizerKeys = {
    "kind",    "learning_rate", "momentum", "nesterov",  "beta_1",   "beta_2",      "epsilon",
    "rho",     "amsgrad",       "centered", "clipnorm",  "clipvalue", "weight_decay"};

LogicalResult checkKeys(Operation *where, DictionaryAttr dict, const llvm::StringSet<> &keys,
                        StringRef what) {
  for (NamedAttribute entry : dict)
    if (!keys.contains(entry.getName().strref()))
      return where->emitError("kiln.training: unknown ") << what << " setting '"
                                                         << entry.getName().strref() << "'";
  return success();
}

/// Which Keras metric a kiln.training metric is, given the output it
/// watches and that output's loss (whose targets it reads): "accuracy"
/// resolves as Keras's get_metric does.
FailureOr<kiln::MetricKind> resolveMetric(Operation *where, DictionaryAttr metric,
                                          RankedTensorType output, kiln::LossKind loss) {
  auto name = metric.getAs<StringAttr>("name");
  auto function = metric.getAs<StringAttr>("metric");
  if (!name || !function)
    return where->emitError("kiln.training: every metric needs a `name` and a `metric`");
  bool sparseTargets = loss == kiln::LossKind::sparse_categorical_crossentropy;
  std::optional<kiln::MetricKind> kind = kiln::symbolizeMetricKind(function.strref());
  if (function.strref() == "accuracy")
    kind = output.getShape().back() == 1 ? kiln::MetricKind::binary_accuracy
           : sparseTargets               ? kiln::MetricKind::sparse_categorical_accuracy
                                         : kiln::MetricKind::categorical_accuracy;
  if (!kind)
    return where->emitError("kiln.training: unknown metric '") << function.strref() << "'";
  if ((*kind == kiln::MetricKind::sparse_categorical_accuracy) != sparseTargets)
    return where->emitError("kiln.training: metric '")
           << name.strref() << "' (" << kiln::stringifyMetricKind(*kind) << ") needs "
           << (sparseTargets ? "targets shaped like the output, but the output's loss takes "
                               "class ids"
                             : "class-id targets, which only sparse_categorical_crossentropy "
                               "takes");
  return *kind;
}

/// Gradients keyed by the value (or weight) they belong to; a second
/// contribution is added to the first.
struct GradientMap {
  llvm::MapVector<Value, Value> values;
  llvm::MapVector<StringAttr, Value> weights;

  Value add(OpBuilder &b, Location loc, Value previous, Value grad) {
    if (!previous)
      return grad;
    return kiln::BinaryOp::create(b, loc, grad.getType(), previous, grad,
                                  kiln::BinaryKind::add);
  }
  void addToValue(OpBuilder &b, Location loc, Value v, Value grad) {
    values[v] = add(b, loc, values.lookup(v), grad);
  }
  void addToWeight(OpBuilder &b, Location loc, StringAttr weight, Value grad) {
    weights[weight] = add(b, loc, weights.lookup(weight), grad);
  }
};

/// What a function compares its outputs with: one target argument per
/// output, each output's loss and its metrics.
struct Objectives {
  SmallVector<Value> targets, losses, metrics;
  SmallVector<StringAttr> lossNames, metricNames;
  Value regularization; // the penalties' sum, when the model has regularizers
};

/// Keras's regularization losses in `func`, summed before its terminator:
/// each trained weight's regularizer (kiln.regularizer), and each
/// kiln.activity_regularization divided by its batch size. With `grads`,
/// also adds each penalty's gradient (to a weight, or to the regularized
/// value when it depends on a trained weight).
FailureOr<Value> addRegularization(func::FuncOp func,
                                   const llvm::SetVector<StringAttr> &trainable, GradientMap *grads,
                                   const DenseSet<Value> *dependsOnWeights) {
  Block &body = func.getBody().front();
  OpBuilder b(body.getTerminator());
  auto scalarType = RankedTensorType::get({1}, b.getF32Type());
  Value total;
  /// Adds x's penalty to the total; returns its gradient when `withGrad`.
  auto addPenalty = [&](Location loc, Value x, FloatAttr l1, FloatAttr l2, float scale,
                        bool withGrad) -> Value {
    auto penalty = kiln::RegularizationOp::create(b, loc, scalarType, x, l1, l2,
                                                  b.getF32FloatAttr(scale));
    total = total ? kiln::BinaryOp::create(b, loc, scalarType, total, penalty,
                                           kiln::BinaryKind::add)
                        .getResult()
                  : penalty.getResult();
    if (!withGrad)
      return Value();
    return kiln::RegularizationGradOp::create(b, loc, x.getType(), x, l1, l2,
                                              b.getF32FloatAttr(scale));
  };
  SmallVector<kiln::ActivityRegularizationOp> activities;
  func.walk([&](kiln::ActivityRegularizationOp op) { activities.push_back(op); });
  for (kiln::ActivityRegularizationOp op : activities) {
    if (auto unsupported = op.getUnsupportedAttr())
      return op->emitError("kiln cannot train with the activity regularizer '")
             << unsupported.strref() << "': kiln trains with L1, L2 and L1L2";
    Value x = op.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    float scale = type.getRank() > 0 ? 1.0f / float(type.getDimSize(0)) : 1.0f;
    bool trained = grads && dependsOnWeights->contains(x);
    if (Value grad = addPenalty(op.getLoc(), x, op.getL1Attr(), op.getL2Attr(), scale, trained))
      grads->addToValue(b, op.getLoc(), x, grad);
  }
  auto module = func->getParentOfType<ModuleOp>();
  for (StringAttr weight : trainable) {
    auto global = module.lookupSymbol<ml_program::GlobalOp>(weight);
    Attribute regularizer = global->getAttr(kiln::attr::kRegularizer);
    if (!regularizer)
      continue;
    auto dict = dyn_cast<DictionaryAttr>(regularizer);
    auto l1 = dict ? dict.getAs<FloatAttr>("l1") : FloatAttr();
    auto l2 = dict ? dict.getAs<FloatAttr>("l2") : FloatAttr();
    if (!l1 || !l2) {
      auto name = dyn_cast<StringAttr>(regularizer);
      return global.emitError("kiln cannot train weight '")
             << weight.strref() << "' with the regularizer '"
             << (name ? name.strref() : StringRef("?"))
             << "': kiln trains with L1, L2 and L1L2";
    }
    Value w = ml_program::GlobalLoadOp::create(b, global.getLoc(), global.getType(),
                                               FlatSymbolRefAttr::get(weight));
    if (Value grad = addPenalty(global.getLoc(), w, l1, l2, 1.0f, grads != nullptr))
      grads->addToWeight(b, global.getLoc(), weight, grad);
  }
  return total;
}

/// Appends a target argument per output of `func` and computes each
/// output's loss (settings as in kiln.training, but the weight) and metrics
/// before its terminator.
FailureOr<Objectives> addObjectives(func::FuncOp func, ArrayAttr losses, ArrayAttr metrics) {
  Block &body = func.getBody().front();
  Operation *ret = body.getTerminator();
  OpBuilder b(ret);
  Objectives objectives;
  auto scalarType = RankedTensorType::get({1}, b.getF32Type());
  for (auto [k, output] : llvm::enumerate(ret->getOperands())) {
    auto settings = cast<DictionaryAttr>(losses[k]);
    auto kind = settings.getAs<kiln::LossKindAttr>("kind").getValue();
    auto outputType = cast<RankedTensorType>(output.getType());
    SmallVector<int64_t> targetShape(outputType.getShape());
    if (kind == kiln::LossKind::sparse_categorical_crossentropy)
      targetShape.pop_back();
    Value target =
        body.addArgument(RankedTensorType::get(targetShape, b.getF32Type()), output.getLoc());
    objectives.targets.push_back(target);
    SmallVector<NamedAttribute> attrs;
    for (NamedAttribute entry : settings)
      if (entry.getName() != "weight")
        attrs.push_back(entry);
    OperationState lossState(output.getLoc(), kiln::LossOp::getOperationName(),
                             ValueRange{output, target}, TypeRange{scalarType}, attrs);
    objectives.losses.push_back(b.create(lossState)->getResult(0));
    auto outputName = func.getResultAttrOfType<StringAttr>(k, kiln::attr::kName);
    objectives.lossNames.push_back(
        b.getStringAttr((outputName ? outputName.str() : "output_" + std::to_string(k)) +
                        "_loss"));
    if (!metrics)
      continue;
    for (auto metric : cast<ArrayAttr>(metrics[k]).getAsRange<DictionaryAttr>()) {
      FailureOr<kiln::MetricKind> metricKind =
          resolveMetric(func->getParentOp(), metric, outputType, kind);
      if (failed(metricKind))
        return failure();
      auto threshold = metric.getAs<FloatAttr>("threshold");
      objectives.metrics.push_back(kiln::MetricOp::create(
          b, output.getLoc(), scalarType, output, target,
          kiln::MetricKindAttr::get(b.getContext(), *metricKind),
          threshold ? b.getF32FloatAttr(threshold.getValueAsDouble())
                    : b.getF32FloatAttr(0.5f)));
      objectives.metricNames.push_back(metric.getAs<StringAttr>("name"));
    }
  }
  return objectives;
}

/// Makes `func` return the losses, then the metrics, all named; its target
/// arguments are named like the outputs they belong to.
void returnObjectives(func::FuncOp func, const Objectives &objectives) {
  Block &body = func.getBody().front();
  Operation *ret = body.getTerminator();
  OpBuilder b(ret);
  SmallVector<StringAttr> outputNames;
  for (unsigned k = 0; k < ret->getNumOperands(); ++k)
    outputNames.push_back(func.getResultAttrOfType<StringAttr>(k, kiln::attr::kName));
  SmallVector<Value> results(objectives.losses);
  if (objectives.regularization)
    results.push_back(objectives.regularization);
  results.append(objectives.metrics);
  func::ReturnOp::create(b, ret->getLoc(), results);
  ret->erase();
  SmallVector<Type> argTypes(body.getArgumentTypes());
  func.setFunctionType(FunctionType::get(func.getContext(), argTypes, TypeRange(results)));
  unsigned numInputs = argTypes.size() - objectives.targets.size();
  SmallVector<DictionaryAttr> argAttrs;
  for (unsigned i = 0; i < argTypes.size(); ++i) {
    DictionaryAttr attrs;
    if (i < numInputs)
      attrs = func.getArgAttrDict(i);
    else if (StringAttr name = outputNames[i - numInputs])
      attrs = b.getDictionaryAttr(b.getNamedAttr(kiln::attr::kName, name));
    argAttrs.push_back(attrs ? attrs : b.getDictionaryAttr({}));
  }
  func.setAllArgAttrs(argAttrs);
  SmallVector<DictionaryAttr> resultAttrs;
  for (StringAttr name : objectives.lossNames)
    resultAttrs.push_back(b.getDictionaryAttr(b.getNamedAttr(kiln::attr::kName, name)));
  if (objectives.regularization)
    resultAttrs.push_back(b.getDictionaryAttr(
        {b.getNamedAttr(kiln::attr::kName, b.getStringAttr("regularization_loss")),
         b.getNamedAttr(kiln::attr::kRegularizationResult, b.getUnitAttr())}));
  for (StringAttr name : objectives.metricNames)
    resultAttrs.push_back(b.getDictionaryAttr(b.getNamedAttr(kiln::attr::kName, name)));
  func.setAllResultAttrs(resultAttrs);
}

struct BuildTrainStepPass : kiln::impl::BuildTrainStepBase<BuildTrainStepPass> {
  void runOnOperation() override {
    if (failed(build()))
      signalPassFailure();
  }

  LogicalResult build() {
    ModuleOp module = getOperation();
    auto training = module->getAttrOfType<DictionaryAttr>(kiln::attr::kTraining);
    auto forward = module.lookupSymbol<func::FuncOp>(kiln::attr::kForwardFunc);
    if (!training || !forward)
      return module.emitError("-kiln-build-train-step needs a @forward function and the "
                              "module attribute kiln.training");
    auto losses = training.getAs<ArrayAttr>("losses");
    auto optimizer = training.getAs<DictionaryAttr>("optimizer");
    if (!losses || !optimizer || !optimizer.get("kind") || !optimizer.get("learning_rate"))
      return module.emitError("kiln.training needs `losses` and an `optimizer` with a kind and "
                              "a learning_rate");
    if (failed(checkKeys(module, training, kTrainingKeys, "training")) ||
        failed(checkKeys(module, optimizer, kOptimizerKeys, "optimizer")))
      return failure();
    auto metrics = training.getAs<ArrayAttr>("metrics");
    if (metrics && metrics.size() != forward.getNumResults())
      return module.emitError("kiln.training has ")
             << metrics.size() << " metric lists for " << forward.getNumResults() << " outputs";
    for (Attribute list : metrics ? metrics.getValue() : ArrayRef<Attribute>()) {
      auto array = dyn_cast<ArrayAttr>(list);
      if (!array || !llvm::all_of(array, [](Attribute a) { return isa<DictionaryAttr>(a); }))
        return module.emitError("kiln.training: `metrics` holds one list of dictionaries per "
                                "output");
      for (auto metric : array.getAsRange<DictionaryAttr>())
        if (failed(checkKeys(module, metric, kMetricKeys, "metric")))
          return failure();
    }
    if (losses.size() != forward.getNumResults())
      return module.emitError("kiln.training has ")
             << losses.size() << " losses for " << forward.getNumResults() << " outputs";
    for (Attribute loss : losses) {
      auto dict = dyn_cast<DictionaryAttr>(loss);
      if (!dict || !dict.getAs<kiln::LossKindAttr>("kind"))
        return module.emitError("kiln.training: every loss needs a #kiln.loss kind");
      if (failed(checkKeys(module, dict, kLossKeys, "loss")))
        return failure();
    }

    llvm::SetVector<StringAttr> trainable = makeTrainableMutable(module);
    // @evaluate: the inference-mode forward pass with losses and metrics.
    auto evaluate = cast<func::FuncOp>(forward->clone());
    evaluate.setName(kiln::attr::kEvaluateFunc);
    SymbolTable(module).insert(evaluate);
    FailureOr<Objectives> evaluated = addObjectives(evaluate, losses, metrics);
    if (failed(evaluated))
      return failure();
    FailureOr<Value> penalty =
        addRegularization(evaluate, trainable, nullptr, nullptr);
    if (failed(penalty))
      return failure();
    evaluated->regularization = *penalty;
    returnObjectives(evaluate, *evaluated);

    auto step = cast<func::FuncOp>(forward->clone());
    step.setName(kiln::attr::kTrainStepFunc);
    SymbolTable(module).insert(step);
    // Layers that compute differently in training take that form first.
    SmallVector<kiln::TrainingFormOpInterface> trainingForms;
    step.walk([&](kiln::TrainingFormOpInterface op) { trainingForms.push_back(op); });
    IRRewriter rewriter(module.getContext());
    for (kiln::TrainingFormOpInterface op : trainingForms)
      if (failed(op.replaceWithTrainingForm(rewriter)))
        return failure();
    loadMutableGlobalsAsMutable(module);
    return differentiate(step, losses, metrics, optimizer, trainable);
  }

  /// Float weights not marked frozen become mutable.
  llvm::SetVector<StringAttr> makeTrainableMutable(ModuleOp module) {
    llvm::SetVector<StringAttr> trainable;
    for (auto global : module.getOps<ml_program::GlobalOp>()) {
      auto type = dyn_cast<RankedTensorType>(global.getType());
      if (!type || !type.getElementType().isF32() || global->hasAttr(kiln::attr::kFrozen))
        continue;
      global.setIsMutable(true);
      trainable.insert(global.getSymNameAttr());
    }
    return trainable;
  }

  /// Loads of mutable globals (trained weights, moving statistics) in every
  /// function become ml_program.global_load: their values change.
  void loadMutableGlobalsAsMutable(ModuleOp module) {
    SmallVector<ml_program::GlobalLoadConstOp> loads;
    module.walk([&](ml_program::GlobalLoadConstOp load) {
      auto global = SymbolTable::lookupNearestSymbolFrom<ml_program::GlobalOp>(
          load, load.getGlobalAttr());
      if (global && global.getIsMutable())
        loads.push_back(load);
    });
    for (ml_program::GlobalLoadConstOp load : loads) {
      OpBuilder b(load);
      auto mutableLoad = ml_program::GlobalLoadOp::create(b, load.getLoc(), load.getType(),
                                                          load.getGlobalAttr());
      load.replaceAllUsesWith(mutableLoad.getResult());
      load.erase();
    }
  }

  /// Splits epilogue activations whose derivative needs their input back
  /// into a kiln.activation, so the gradient can read that input.
  void unfuseActivations(Block &body) {
    SmallVector<kiln::ActivationFusionOpInterface> fused;
    for (Operation &op : body)
      if (auto f = dyn_cast<kiln::ActivationFusionOpInterface>(op))
        if (!kiln::ActivationGradOp::derivableFromResult(f.getFusedActivation()))
          fused.push_back(f);
    for (kiln::ActivationFusionOpInterface op : fused) {
      kiln::ActivationKind kind = op.getFusedActivation();
      op.setFusedActivation(kiln::ActivationKind::linear);
      Value result = op->getResult(0);
      OpBuilder b(op->getContext());
      b.setInsertionPointAfter(op);
      auto act = kiln::ActivationOp::create(b, op->getLoc(), result,
                                            kiln::ActivationKindAttr::get(op->getContext(), kind));
      result.replaceAllUsesExcept(act.getResult(), act);
    }
  }

  LogicalResult differentiate(func::FuncOp step, ArrayAttr losses, ArrayAttr metrics,
                              DictionaryAttr optimizer,
                              const llvm::SetVector<StringAttr> &trainable) {
    Block &body = step.getBody().front();
    unfuseActivations(body);
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    SmallVector<Value> outputs(ret.getOperands());

    // Values that depend on a trainable weight: only they get gradients.
    DenseSet<Value> dependsOnWeights;
    SmallVector<Operation *> forwardOps;
    for (Operation &op : body.without_terminator()) {
      forwardOps.push_back(&op);
      bool depends = false;
      if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op))
        depends = trainable.contains(load.getGlobalAttr().getRootReference());
      else
        depends = llvm::any_of(op.getOperands(),
                               [&](Value v) { return dependsOnWeights.contains(v); });
      if (depends)
        dependsOnWeights.insert(op.result_begin(), op.result_end());
    }

    // The losses and metrics, then the losses' gradients.
    FailureOr<Objectives> objectives = addObjectives(step, losses, metrics);
    if (failed(objectives))
      return failure();
    OpBuilder b(ret);
    GradientMap grads;
    for (auto [k, output] : llvm::enumerate(outputs)) {
      auto settings = cast<DictionaryAttr>(losses[k]);
      float weight = 1.0f;
      if (auto w = settings.getAs<FloatAttr>("weight"))
        weight = w.getValueAsDouble();
      if (weight == 0.0f || !dependsOnWeights.contains(output))
        continue;
      SmallVector<NamedAttribute> attrs;
      for (NamedAttribute entry : settings)
        if (entry.getName() != "weight")
          attrs.push_back(entry);
      attrs.push_back(b.getNamedAttr("scale", b.getF32FloatAttr(weight)));
      OperationState gradState(output.getLoc(), kiln::LossGradOp::getOperationName(),
                               ValueRange{output, objectives->targets[k]},
                               TypeRange{output.getType()}, attrs);
      grads.addToValue(b, output.getLoc(), output, b.create(gradState)->getResult(0));
    }
    FailureOr<Value> penalty = addRegularization(step, trainable, &grads, &dependsOnWeights);
    if (failed(penalty))
      return failure();
    objectives->regularization = *penalty;

    // Backward, last op first.
    for (Operation *op : llvm::reverse(forwardOps)) {
      SmallVector<Value> resultGrads;
      for (Value r : op->getResults())
        resultGrads.push_back(grads.values.lookup(r));
      if (llvm::all_of(resultGrads, [](Value g) { return !g; }))
        continue;
      if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op)) {
        grads.addToWeight(b, op->getLoc(), load.getGlobalAttr().getRootReference(), resultGrads[0]);
        continue;
      }
      if (auto noOp = dyn_cast<kiln::InferenceNoOpInterface>(op)) {
        if (!isa<kiln::IdentityOp, kiln::ActivityRegularizationOp>(op))
          return op->emitError("kiln cannot train through '")
                 << op->getName() << "' yet: its training-time randomness is not implemented";
        grads.addToValue(b, op->getLoc(), noOp.getForwardedValue(), resultGrads[0]);
        continue;
      }
      auto differentiable = dyn_cast<kiln::GradientOpInterface>(op);
      if (!differentiable)
        return op->emitError("kiln cannot train through '")
               << op->getName() << "' yet: it has no gradient";
      SmallVector<bool> needed;
      for (Value v : op->getOperands())
        needed.push_back(dependsOnWeights.contains(v));
      SmallVector<Value> operandGrads(op->getNumOperands());
      if (failed(differentiable.buildGradients(b, resultGrads, needed, operandGrads)))
        return failure();
      for (auto [operand, grad] : llvm::zip(op->getOperands(), operandGrads))
        if (grad)
          grads.addToValue(b, op->getLoc(), operand, grad);
    }

    // One optimizer step per trained weight, slots one after another.
    ModuleOp module = getOperation();
    int64_t stateBytes = 0;
    for (StringAttr weight : trainable) {
      Value grad = grads.weights.lookup(weight);
      if (!grad)
        continue;
      SmallVector<NamedAttribute> attrs(optimizer.begin(), optimizer.end());
      attrs.push_back(b.getNamedAttr("weight", FlatSymbolRefAttr::get(weight)));
      attrs.push_back(b.getNamedAttr("state_offset", b.getI64IntegerAttr(stateBytes)));
      OperationState state(grad.getLoc(), kiln::OptimizerUpdateOp::getOperationName(),
                           ValueRange{grad}, TypeRange{}, attrs);
      auto update = cast<kiln::OptimizerUpdateOp>(b.create(state));
      auto type = cast<RankedTensorType>(grad.getType());
      stateBytes += update.getNumSlots() * kiln::alignBuffer(type.getNumElements() * 4);
    }
    module->setAttr(kiln::attr::kStateBytes, b.getI64IntegerAttr(stateBytes));

    returnObjectives(step, *objectives);
    return success();
  }
};
} // namespace
