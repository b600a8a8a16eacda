#include "ModelConfig.h"
#include "ImportError.h"

#include "llvm/Support/raw_ostream.h"

#include <set>
#include <cctype>

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

namespace kiln::keras {
namespace {

std::string describe(const Value &v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << v;
  if (s.size() > 80)
    s = s.substr(0, 77) + "...";
  return s;
}

const Object &requireObject(const Value *v, const std::string &where) {
  if (!v || !v->getAsObject())
    throw ImportError("", where + " must be a JSON object" +
                              (v ? ", found " + describe(*v) : ", but it is missing"));
  return *v->getAsObject();
}

std::string stringOr(const Object &o, llvm::StringRef key, std::string fallback = "") {
  if (auto s = o.getString(key))
    return s->str();
  return fallback;
}

/// A leaf of input_layers/output_layers/inbound refs: ["name", node, tensor].
bool isTensorTriple(const Value &v) {
  const Array *a = v.getAsArray();
  return a && a->size() >= 3 && (*a)[0].getAsString() && (*a)[1].getAsInteger() &&
         (*a)[2].getAsInteger();
}

TensorRef tripleRef(const Value &v) {
  const Array &a = *v.getAsArray();
  return {a[0].getAsString()->str(), *a[1].getAsInteger(), *a[2].getAsInteger()};
}

/// Flattens a nested list/dict of triples (input_layers, output_layers),
/// naming each by its dict key, or by its layer when it has none.
void collectTriples(const Value &v, std::vector<TensorRef> &out,
                    std::vector<std::string> &names, const std::string &where,
                    const std::string &key = "") {
  if (isTensorTriple(v)) {
    out.push_back(tripleRef(v));
    names.push_back(key.empty() ? out.back().layer : key);
  } else if (const Array *a = v.getAsArray()) {
    for (const Value &e : *a)
      collectTriples(e, out, names, where);
  } else if (const Object *o = v.getAsObject()) {
    // Keras flattens dicts in sorted key order (optree), as model.inputs
    // and model.outputs list them.
    std::vector<std::pair<std::string, const Value *>> entries;
    for (const auto &kv : *o)
      entries.push_back({kv.first.str(), &kv.second});
    std::sort(entries.begin(), entries.end());
    for (auto &e : entries)
      collectTriples(*e.second, out, names, where, e.first);
  } else {
    throw ImportError("", where + " must hold [layer, node, tensor] references, found " +
                              describe(v));
  }
}

/// Keras 3 call arguments: every `__keras_tensor__` in order.
void collectKerasTensors(const Value &v, std::vector<TensorRef> &out) {
  if (const Object *o = v.getAsObject()) {
    if (o->getString("class_name") == llvm::StringRef("__keras_tensor__")) {
      const Object *config = o->getObject("config");
      const Value *history = config ? config->get("keras_history") : nullptr;
      if (!history || !isTensorTriple(*history))
        throw ImportError("", "a __keras_tensor__ has no valid keras_history: " + describe(v));
      out.push_back(tripleRef(*history));
      return;
    }
    for (const auto &kv : *o)
      collectKerasTensors(kv.second, out);
  } else if (const Array *a = v.getAsArray()) {
    for (const Value &e : *a)
      collectKerasTensors(e, out);
  }
}

LayerCall parseKeras3Call(const Value &node, const std::string &label) {
  const Object *o = node.getAsObject();
  if (!o)
    throw ImportError(label, "inbound node must be {\"args\": ..., \"kwargs\": ...}, found " +
                                 describe(node));
  LayerCall call;
  if (const Value *args = o->get("args")) {
    collectKerasTensors(*args, call.inputs);
    call.args = args->getAsArray();
  }
  call.kwargs = o->getObject("kwargs");
  if (call.kwargs)
    for (const auto &kv : *call.kwargs) {
      std::vector<TensorRef> refs;
      collectKerasTensors(kv.second, refs);
      if (!refs.empty())
        call.keywordInputs.push_back({kv.first.str(), std::move(refs)});
    }
  // Sorted, so the build does not depend on the JSON's key order.
  std::sort(call.keywordInputs.begin(), call.keywordInputs.end(),
            [](const auto &a, const auto &b) { return a.first < b.first; });
  return call;
}

/// Keras 2: a call is a list of [name, node, tensor, kwargs] entries.
LayerCall parseKeras2Call(const Value &node, const std::string &label) {
  LayerCall call;
  const Array *entries = node.getAsArray();
  if (!entries)
    throw ImportError(label, "inbound node must be a list, found " + describe(node));
  auto addEntry = [&](const Value &e) {
    if (!isTensorTriple(e))
      throw ImportError(label, "inbound node entry must be [layer, node, tensor, kwargs], "
                               "found " + describe(e));
    const Array &a = *e.getAsArray();
    if (*a[0].getAsString() == "_CONSTANT_VALUE")
      return;
    call.inputs.push_back(tripleRef(e));
    if (a.size() > 3 && !call.kwargs)
      call.kwargs = a[3].getAsObject();
  };
  if (isTensorTriple(node)) // TFOpLambda's one-level form
    addEntry(node);
  else
    for (const Value &e : *entries)
      addEntry(e);
  return call;
}

LayerSpec parseLayer(const Value &v, int kerasMajor, size_t index) {
  const Object &o = requireObject(&v, "layers[" + std::to_string(index) + "]");
  LayerSpec layer;
  layer.className = stringOr(o, "class_name");
  layer.module = stringOr(o, "module");
  layer.registeredName = stringOr(o, "registered_name");
  layer.config = o.getObject("config");
  layer.entry = &o;
  std::string configName = layer.config ? stringOr(*layer.config, "name") : "";
  layer.name = stringOr(o, "name", configName);
  if (layer.className.empty() || layer.name.empty() || !layer.config)
    throw ImportError("", "layers[" + std::to_string(index) +
                              "] needs class_name, name and config, found " + describe(v));
  if (const Value *nodes = o.get("inbound_nodes")) {
    const Array *list = nodes->getAsArray();
    if (!list)
      throw ImportError(layer.label(), "inbound_nodes must be a list");
    for (const Value &node : *list)
      layer.calls.push_back(kerasMajor >= 3 && node.getAsObject()
                                ? parseKeras3Call(node, layer.label())
                                : parseKeras2Call(node, layer.label()));
  }
  return layer;
}

/// The config of an InputLayer standing in for a Sequential's missing one.
Object makeInputConfig(const Value &batchShape, const std::string &name) {
  Object config;
  config["name"] = name;
  config["batch_shape"] = batchShape;
  config["dtype"] = "float32";
  return config;
}

/// Checked before the layers are parsed, so a huge list costs nothing.
void checkLayerCount(const ModelSpec &spec, const Array &layers) {
  if (spec.limits && int64_t(layers.size()) > spec.limits->layers)
    throw ImportError("", "the model lists " + std::to_string(layers.size()) + " layers" +
                              overLimit("layers", spec.limits->layers));
}

void parseSequential(ModelSpec &spec, const Object &config) {
  const Value *layers = config.get("layers");
  if (!layers || !layers->getAsArray())
    throw ImportError("", "Sequential config has no layers list");
  checkLayerCount(spec, *layers->getAsArray());
  std::vector<LayerSpec> parsed;
  for (size_t i = 0; i < layers->getAsArray()->size(); ++i)
    parsed.push_back(parseLayer((*layers->getAsArray())[i], spec.kerasMajor, i));
  if (parsed.empty())
    throw ImportError("", "Sequential model has no layers");
  if (parsed.front().className != "InputLayer") {
    // Keras 3 writes build_input_shape; Keras 2 puts batch_input_shape on
    // the first layer.
    const Value *shape = config.get("build_input_shape");
    if (!shape || !shape->getAsArray())
      shape = parsed.front().config->get("batch_input_shape");
    if (!shape || !shape->getAsArray())
      throw ImportError(parsed.front().label(),
                        "the Sequential model has no InputLayer and no input shape; "
                        "expected build_input_shape or batch_input_shape");
    std::string name = spec.name + "_input";
    spec.synthesized.push_back(makeInputConfig(*shape, name));
    LayerSpec input;
    input.name = name;
    input.className = "InputLayer";
    input.config = &spec.synthesized.back();
    parsed.insert(parsed.begin(), std::move(input));
  }
  // A Sequential is an implicit chain: layer i is called once on layer i-1.
  for (size_t i = 1; i < parsed.size(); ++i) {
    parsed[i].calls.clear();
    LayerCall call;
    call.inputs.push_back({parsed[i - 1].name, 0, 0});
    parsed[i].calls.push_back(call);
  }
  spec.inputs.push_back({parsed.front().name, 0, 0});
  spec.outputs.push_back({parsed.back().name, 0, 0});
  spec.inputNames.push_back(parsed.front().name);
  spec.outputNames.push_back(parsed.back().name);
  spec.layers = std::move(parsed);
}

void parseFunctional(ModelSpec &spec, const Object &config) {
  const Value *layers = config.get("layers");
  if (!layers || !layers->getAsArray())
    throw ImportError("", "model config has no layers list");
  checkLayerCount(spec, *layers->getAsArray());
  for (size_t i = 0; i < layers->getAsArray()->size(); ++i)
    spec.layers.push_back(parseLayer((*layers->getAsArray())[i], spec.kerasMajor, i));
  const Value *inputs = config.get("input_layers");
  const Value *outputs = config.get("output_layers");
  if (!inputs || !outputs)
    throw ImportError("", "model config needs input_layers and output_layers");
  collectTriples(*inputs, spec.inputs, spec.inputNames, "input_layers");
  collectTriples(*outputs, spec.outputs, spec.outputNames, "output_layers");
}
} // namespace

const LayerSpec *ModelSpec::find(const std::string &layerName) const {
  // Indexed on first use: models with many layers look names up often.
  if (byName.size() != layers.size()) {
    byName.clear();
    for (size_t i = 0; i < layers.size(); ++i)
      byName.emplace(layers[i].name, i);
  }
  auto it = byName.find(layerName);
  return it == byName.end() ? nullptr : &layers[it->second];
}

namespace {
void parseModelObject(ModelSpec &spec, const Object &top) {
  spec.className = stringOr(top, "class_name");
  const Object &config = requireObject(top.get("config"), "the model's config");
  spec.name = stringOr(config, "name", "model");
  if (spec.className == "Sequential")
    parseSequential(spec, config);
  else if (spec.className == "Functional" || spec.className == "Model")
    parseFunctional(spec, config);
  else
    throw ImportError("", "the model is a '" + spec.className +
                              "'; expected a Functional or Sequential model "
                              "(subclassed models cannot be compiled from their config)");
  std::set<std::string> names;
  for (const LayerSpec &layer : spec.layers)
    if (!names.insert(layer.name).second)
      throw ImportError(layer.label(), "duplicate layer name '" + layer.name + "'");
}
} // namespace

namespace {
/// The deepest nesting of arrays and objects in `json`. llvm::json::parse
/// recurses once per level, so a hostile file could exhaust the stack; this
/// scan does not recurse.
int64_t jsonDepth(llvm::StringRef json) {
  int64_t depth = 0, deepest = 0;
  bool inString = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

} // namespace

ModelSpec parseModelConfig(const std::string &json, const std::string &source, int kerasMajor,
                           const ImportLimits &limits) {
  if (int64_t(json.size()) > limits.configBytes)
    throw ImportError("", source + " is " + std::to_string(json.size()) + " bytes" +
                              overLimit("config-bytes", limits.configBytes));
  if (int64_t depth = jsonDepth(json); depth > limits.jsonDepth)
    throw ImportError("", source + " nests " + std::to_string(depth) + " levels deep" +
                              overLimit("json-depth", limits.jsonDepth));
  llvm::Expected<Value> parsed = llvm::json::parse(json);
  if (!parsed)
    throw ImportError("", source + " is not valid JSON: " +
                              llvm::toString(parsed.takeError()));
  ModelSpec spec;
  spec.limits = &limits;
  spec.kerasMajor = kerasMajor;
  spec.root = std::make_unique<Value>(std::move(*parsed));
  parseModelObject(spec, requireObject(spec.root.get(), "the model config"));
  return spec;
}

ModelSpec parseNestedModel(const LayerSpec &layer, int kerasMajor, const ImportLimits &limits) {
  ModelSpec spec;
  spec.limits = &limits;
  spec.kerasMajor = kerasMajor;
  try {
    parseModelObject(spec, *layer.entry);
  } catch (const ImportError &e) {
    // Name the nested model too, so the user can find the inner layer.
    throw ImportError(layer.label() + (e.layer.empty() ? "" : " / " + e.layer), e.what());
  }
  return spec;
}

bool LayerSpec::sequentialHasInputLayer() const {
  const Value *layers = config ? config->get("layers") : nullptr;
  const Array *list = layers ? layers->getAsArray() : nullptr;
  if (!list || list->empty() || !(*list)[0].getAsObject())
    return false;
  return (*list)[0].getAsObject()->getString("class_name") == llvm::StringRef("InputLayer");
}

int64_t callIndex(const LayerSpec &layer, int64_t node, bool fromModelInputsOrOutputs,
                  int kerasMajor) {
  bool functional = layer.className == "Functional" || layer.className == "Model";
  bool oneBased = kerasMajor >= 3
                      ? functional && fromModelInputsOrOutputs
                      : functional || (layer.className == "Sequential" &&
                                       layer.sequentialHasInputLayer());
  return oneBased ? node - 1 : node;
}

std::string toSnakeCase(const std::string &className) {
  std::string name;
  for (char c : className)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_')
      name += c;
  // (.)([A-Z][a-z]+) -> \1_\2
  std::string a;
  for (size_t i = 0; i < name.size(); ++i) {
    if (i > 0 && std::isupper(static_cast<unsigned char>(name[i])) && i + 1 < name.size() &&
        std::islower(static_cast<unsigned char>(name[i + 1])))
      a += '_';
    a += name[i];
  }
  // ([a-z])([A-Z]) -> \1_\2, then lower-case.
  std::string b;
  for (size_t i = 0; i < a.size(); ++i) {
    if (i > 0 && std::islower(static_cast<unsigned char>(a[i - 1])) &&
        std::isupper(static_cast<unsigned char>(a[i])))
      b += '_';
    b += char(std::tolower(static_cast<unsigned char>(a[i])));
  }
  return b;
}

} // namespace kiln::keras
