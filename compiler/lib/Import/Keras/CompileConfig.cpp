// The model's compile_config (loss, loss_weights, metrics, optimizer) and kiln
// compile's training flags → the module attribute kiln.training that
// -kiln-build-train-step reads.
#include "CompileConfig.h"

#include "ImportError.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <map>

namespace kiln::keras {
namespace {
using llvm::json::Object;
using llvm::json::Value;

const char kWhere[] = "compile_config";

/// A loss given by name: Keras's function names and their aliases.
std::optional<LossKind> lossByName(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<LossKind>>(name)
      .Cases({"mse", "MSE", "mean_squared_error", "MeanSquaredError"},
             LossKind::mean_squared_error)
      .Cases({"mae", "MAE", "mean_absolute_error", "MeanAbsoluteError"},
             LossKind::mean_absolute_error)
      .Cases({"huber", "Huber"}, LossKind::huber)
      .Cases({"bce", "BCE", "binary_crossentropy", "BinaryCrossentropy"},
             LossKind::binary_crossentropy)
      .Cases({"categorical_crossentropy", "CategoricalCrossentropy"},
             LossKind::categorical_crossentropy)
      .Cases({"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"},
             LossKind::sparse_categorical_crossentropy)
      .Default(std::nullopt);
}

const char kSupportedLosses[] =
    "mean_squared_error, mean_absolute_error, huber, binary_crossentropy, "
    "categorical_crossentropy, sparse_categorical_crossentropy";

double number(const Object &config, llvm::StringRef key, double fallback) {
  const Value *v = config.get(key);
  if (!v || v->kind() == Value::Null)
    return fallback;
  if (auto d = v->getAsNumber())
    return *d;
  throw ImportError(kWhere, "'" + key.str() + "' is not a number");
}

/// One output's loss: a name, or a loss object's envelope.
mlir::DictionaryAttr lossAttr(mlir::Builder &b, const Value &loss, float weight,
                              const std::string &output) {
  std::string name;
  const Object *config = nullptr;
  if (auto s = loss.getAsString()) {
    name = s->str();
  } else if (const Object *envelope = loss.getAsObject()) {
    name = envelope->getString("class_name").value_or("").str();
    config = envelope->getObject("config");
    // A loss function saved as {"class_name": "function", "config": NAME}.
    if (name == "function")
      if (const Value *fn = envelope->get("config"); fn && fn->getAsString()) {
        name = fn->getAsString()->str();
        config = nullptr;
      }
  } else {
    throw ImportError(kWhere, "the loss of output '" + output +
                                  "' is missing (compile the model with a loss, or give "
                                  "--loss)");
  }
  std::optional<LossKind> kind = lossByName(name);
  if (!kind)
    throw ImportError(kWhere, "loss '" + name + "' of output '" + output +
                                  "' is not one kiln trains with (" + kSupportedLosses + ")");
  llvm::SmallVector<mlir::NamedAttribute> attrs{
      b.getNamedAttr("kind", LossKindAttr::get(b.getContext(), *kind)),
      b.getNamedAttr("weight", b.getF32FloatAttr(weight))};
  if (config) {
    if (auto reduction = config->getString("reduction");
        reduction && *reduction != "sum_over_batch_size")
      throw ImportError(kWhere, "loss '" + name + "' uses reduction '" + reduction->str() +
                                    "'; kiln trains with sum_over_batch_size only");
    if (config->getBoolean("from_logits").value_or(false))
      attrs.push_back(b.getNamedAttr("from_logits", b.getUnitAttr()));
    double smoothing = number(*config, "label_smoothing", 0.0);
    if (smoothing != 0.0)
      attrs.push_back(b.getNamedAttr("label_smoothing", b.getF32FloatAttr(smoothing)));
    if (*kind == LossKind::huber)
      attrs.push_back(b.getNamedAttr("delta", b.getF32FloatAttr(number(*config, "delta", 1.0))));
    if (auto axis = config->getInteger("axis"); axis && *axis != -1)
      throw ImportError(kWhere, "loss '" + name + "' over axis " + std::to_string(*axis) +
                                    "; kiln's losses run over the last axis");
    if (const Value *ignore = config->get("ignore_class"); ignore && ignore->kind() != Value::Null)
      throw ImportError(kWhere, "loss '" + name + "' with ignore_class is not supported");
  }
  return b.getDictionaryAttr(attrs);
}

/// The entry of a per-output setting given as one value, a list in output
/// order or a dict by output name (null when absent).
const Value *perOutput(const Value *setting, size_t k, const std::string &output,
                       size_t numOutputs, const char *what) {
  if (!setting || setting->kind() == Value::Null)
    return nullptr;
  if (const llvm::json::Array *list = setting->getAsArray()) {
    if (list->size() != numOutputs)
      throw ImportError(kWhere, std::string(what) + " lists " + std::to_string(list->size()) +
                                    " entries for " + std::to_string(numOutputs) + " outputs");
    return &(*list)[k];
  }
  if (const Object *dict = setting->getAsObject(); dict && !dict->get("class_name"))
    return dict->get(output);
  return setting;
}

/// Keras's metric names and aliases → the function kiln computes; "accuracy"
/// stays, since which accuracy it is depends on the output and its loss
/// (-kiln-build-train-step decides, as Keras's get_metric does).
std::optional<llvm::StringRef> metricByName(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<llvm::StringRef>>(name)
      .Cases({"accuracy", "acc"}, "accuracy")
      .Cases({"binary_accuracy", "BinaryAccuracy"}, "binary_accuracy")
      .Cases({"categorical_accuracy", "CategoricalAccuracy"}, "categorical_accuracy")
      .Cases({"sparse_categorical_accuracy", "SparseCategoricalAccuracy"},
             "sparse_categorical_accuracy")
      .Cases({"mae", "MAE", "mean_absolute_error", "MeanAbsoluteError"}, "mean_absolute_error")
      .Cases({"mse", "MSE", "mean_squared_error", "MeanSquaredError"}, "mean_squared_error")
      .Default(std::nullopt);
}

/// A metric of one output before Keras names it in the logs: its own name
/// (the string it was given, or the metric object's name) and its settings.
struct MetricEntry {
  std::string name;
  llvm::SmallVector<mlir::NamedAttribute> settings;
};
using MetricsPerOutput = llvm::SmallVector<llvm::SmallVector<MetricEntry>>;

/// One metric of an output. Metrics kiln does not compute are left out with
/// a warning, so that they do not stop training.
void addMetric(mlir::Builder &b, const Value &metric, llvm::SmallVectorImpl<MetricEntry> &out) {
  std::string id, name;
  const Object *config = nullptr;
  if (auto s = metric.getAsString()) {
    id = name = s->str();
  } else if (const Object *envelope = metric.getAsObject()) {
    id = envelope->getString("class_name").value_or("").str();
    config = envelope->getObject("config");
    if (id == "function") {
      if (const Value *fn = envelope->get("config"); fn && fn->getAsString())
        id = fn->getAsString()->str();
      config = nullptr;
      name = id;
    } else {
      name = config ? config->getString("name").value_or(id).str() : id;
    }
  } else {
    throw ImportError(kWhere, "a metric is neither a name nor a Keras object");
  }
  std::optional<llvm::StringRef> function = metricByName(id);
  if (!function) {
    llvm::errs() << "kiln: warning: " << kWhere << ": metric '" << id
                 << "' is not one kiln computes (accuracy, binary_accuracy, "
                    "categorical_accuracy, sparse_categorical_accuracy, mae, mse); it is left out\n";
    return;
  }
  MetricEntry entry{name, {b.getNamedAttr("metric", b.getStringAttr(*function))}};
  if (config && *function == "binary_accuracy")
    entry.settings.push_back(
        b.getNamedAttr("threshold", b.getF32FloatAttr(number(*config, "threshold", 0.5))));
  out.push_back(std::move(entry));
}

/// compile_config's `metrics` or `weighted_metrics` (`field`), one list per
/// output. A single output takes every metric; several take a list with one
/// entry per output or a dict by output name, each entry one metric or a
/// list of them.
MetricsPerOutput collectMetrics(mlir::Builder &b, const Value *metrics, llvm::StringRef field,
                                const std::vector<std::string> &outputNames) {
  const size_t numOutputs = outputNames.size();
  MetricsPerOutput perOutput(numOutputs);
  std::function<void(const Value &, size_t)> addAll = [&](const Value &entry, size_t k) {
    if (const llvm::json::Array *list = entry.getAsArray()) {
      for (const Value &m : *list)
        addAll(m, k);
    } else if (entry.kind() != Value::Null) {
      addMetric(b, entry, perOutput[k]);
    }
  };
  if (!metrics || metrics->kind() == Value::Null)
    return perOutput;
  const llvm::json::Array *list = metrics->getAsArray();
  const Object *dict = metrics->getAsObject();
  if (numOutputs == 1) {
    addAll(dict && !dict->get("class_name") && dict->size() == 1 ? dict->begin()->second
                                                                   : *metrics,
           0);
  } else if (list && list->size() == numOutputs) {
    for (size_t k = 0; k < numOutputs; ++k)
      addAll((*list)[k], k);
  } else if (dict && !dict->get("class_name")) {
    for (const auto &[key, entry] : *dict) {
      auto it = llvm::find(outputNames, key.str());
      if (it == outputNames.end())
        throw ImportError(kWhere, field.str() + " name '" + key.str() + "', which is not an output");
      addAll(entry, size_t(it - outputNames.begin()));
    }
  } else {
    throw ImportError(kWhere, field.str() + " of a model with " + std::to_string(numOutputs) +
                                  " outputs must be a list with one entry per output or a "
                                  "dict by output name");
  }
  return perOutput;
}

/// Every metric of `metrics` then `weighted_metrics`, one list per output,
/// each named as Keras's CompileMetrics.result() logs it: "OUTPUT_" in front
/// with several outputs; a repeated name gets "_1", "_2", ..., and a weighted
/// metric whose name is taken becomes "weighted_NAME". kiln takes no sample
/// weights, so a weighted metric computes what its unweighted form does.
mlir::ArrayAttr metricsAttr(mlir::Builder &b, const Object &compile,
                            const std::vector<std::string> &outputNames) {
  const size_t numOutputs = outputNames.size();
  MetricsPerOutput plain = collectMetrics(b, compile.get("metrics"), "metrics", outputNames);
  MetricsPerOutput weighted =
      collectMetrics(b, compile.get("weighted_metrics"), "weighted_metrics", outputNames);
  std::map<std::string, int> counters;
  llvm::SmallVector<llvm::SmallVector<mlir::Attribute>> lists(numOutputs);
  auto name = [&](const MetricEntry &entry, size_t k, bool isWeighted) {
    std::string prefix = numOutputs > 1 ? outputNames[k] + "_" : "";
    std::string logName = prefix + entry.name;
    if (counters.emplace(logName, 1).second)
      return logName;
    if (isWeighted) {
      logName = prefix + "weighted_" + entry.name;
      if (counters.emplace(logName, 1).second)
        return logName;
    }
    return logName + "_" + std::to_string(counters[logName]++);
  };
  for (bool isWeighted : {false, true})
    for (size_t k = 0; k < numOutputs; ++k)
      for (const MetricEntry &entry : (isWeighted ? weighted : plain)[k]) {
        llvm::SmallVector<mlir::NamedAttribute> attrs(entry.settings);
        attrs.push_back(b.getNamedAttr("name", b.getStringAttr(name(entry, k, isWeighted))));
        lists[k].push_back(b.getDictionaryAttr(attrs));
      }
  llvm::SmallVector<mlir::Attribute> result;
  for (auto &metricsOfOutput : lists)
    result.push_back(b.getArrayAttr(metricsOfOutput));
  return b.getArrayAttr(result);
}

mlir::DictionaryAttr optimizerAttr(mlir::Builder &b, const Object &envelope,
                                   const TrainingOptions &options) {
  std::string name = envelope.getString("class_name").value_or("").str();
  const Object *config = envelope.getObject("config");
  Object empty;
  if (!config)
    config = &empty;
  std::optional<OptimizerKind> kind = llvm::StringSwitch<std::optional<OptimizerKind>>(name)
                                          .Cases({"SGD", "sgd"}, OptimizerKind::sgd)
                                          .Cases({"Adam", "adam"}, OptimizerKind::adam)
                                          .Cases({"AdamW", "adamw"}, OptimizerKind::adamw)
                                          .Cases({"RMSprop", "rmsprop"}, OptimizerKind::rmsprop)
                                          .Default(std::nullopt);
  if (!kind)
    throw ImportError(kWhere, "optimizer '" + name +
                                  "' is not one kiln trains with (SGD, Adam, AdamW, RMSprop)");
  for (const char *unsupported :
       {"global_clipnorm", "loss_scale_factor", "gradient_accumulation_steps"})
    if (const Value *v = config->get(unsupported); v && v->kind() != Value::Null)
      throw ImportError(kWhere, "optimizer " + name + " sets '" + unsupported +
                                    "', which kiln does not implement yet");
  if (config->getBoolean("use_ema").value_or(false))
    throw ImportError(kWhere, "optimizer " + name + " uses EMA, which kiln does not implement yet");
  if (const Value *lr = config->get("learning_rate"); lr && lr->getAsObject())
    throw ImportError(kWhere, "optimizer " + name +
                                  " has a learning-rate schedule; kiln trains with a constant "
                                  "rate (give --learning-rate)");
  // Keras's defaults per optimizer.
  bool sgd = *kind == OptimizerKind::sgd, rms = *kind == OptimizerKind::rmsprop;
  double lr = options.learningRate.value_or(
      number(*config, "learning_rate", sgd ? 0.01 : 0.001));
  llvm::SmallVector<mlir::NamedAttribute> attrs{
      b.getNamedAttr("kind", OptimizerKindAttr::get(b.getContext(), *kind)),
      b.getNamedAttr("learning_rate", b.getF32FloatAttr(lr))};
  auto f32 = [&](const char *key, double fallback) {
    attrs.push_back(b.getNamedAttr(key, b.getF32FloatAttr(number(*config, key, fallback))));
  };
  auto flag = [&](const char *key) {
    if (config->getBoolean(key).value_or(false))
      attrs.push_back(b.getNamedAttr(key, b.getUnitAttr()));
  };
  auto optional = [&](const char *key) {
    if (const Value *v = config->get(key); v && v->kind() != Value::Null)
      attrs.push_back(b.getNamedAttr(key, b.getF32FloatAttr(number(*config, key, 0.0))));
  };
  if (sgd || rms)
    f32("momentum", 0.0);
  if (sgd)
    flag("nesterov");
  if (!sgd)
    f32("epsilon", 1e-7);
  if (rms) {
    f32("rho", 0.9);
    flag("centered");
  } else if (!sgd) {
    f32("beta_1", 0.9);
    f32("beta_2", 0.999);
    flag("amsgrad");
  }
  optional("clipnorm");
  optional("clipvalue");
  if (*kind == OptimizerKind::adamw)
    f32("weight_decay", 0.004);
  else
    optional("weight_decay");
  return b.getDictionaryAttr(attrs);
}
} // namespace

mlir::DictionaryAttr trainingAttr(mlir::MLIRContext *ctx, const Value *root,
                                  const std::vector<std::string> &outputNames,
                                  const TrainingOptions &options) {
  mlir::Builder b(ctx);
  const Object *top = root ? root->getAsObject() : nullptr;
  const Object *compile = top ? top->getObject("compile_config") : nullptr;
  Object empty;
  if (!compile)
    compile = &empty;

  Value flagLoss(options.loss);
  const Value *loss = options.loss.empty() ? compile->get("loss") : &flagLoss;
  const Value *weights = compile->get("loss_weights");
  llvm::SmallVector<mlir::Attribute> losses;
  for (size_t k = 0; k < outputNames.size(); ++k) {
    const std::string &output = outputNames[k];
    const Value *entry = perOutput(loss, k, output, outputNames.size(), "loss");
    float weight = 1.0f;
    if (const Value *w = perOutput(weights, k, output, outputNames.size(), "loss_weights")) {
      if (!w->getAsNumber())
        throw ImportError(kWhere, "the loss weight of output '" + output + "' is not a number");
      weight = float(*w->getAsNumber());
    }
    losses.push_back(lossAttr(b, entry ? *entry : Value(nullptr), weight, output));
  }

  Object flagOptimizer{{"class_name", options.optimizer}};
  const Object *optimizer = options.optimizer.empty() ? compile->getObject("optimizer")
                                                      : &flagOptimizer;
  if (!optimizer && compile->getString("optimizer"))
    throw ImportError(kWhere, "optimizer given by name only; give --optimizer");
  if (!optimizer)
    throw ImportError(kWhere, "the model was saved without an optimizer (compile it before "
                              "saving, or give --optimizer and --learning-rate)");
  return b.getDictionaryAttr(
      {b.getNamedAttr("losses", b.getArrayAttr(losses)),
       b.getNamedAttr("metrics", metricsAttr(b, *compile, outputNames)),
       b.getNamedAttr("optimizer", optimizerAttr(b, *optimizer, options))});
}

} // namespace kiln::keras
