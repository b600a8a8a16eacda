#include "WeightStore.h"
#include "ImportError.h"

namespace kiln::keras {

WeightStore::WeightStore(std::shared_ptr<const Hdf5File> h5, const ModelSpec &spec,
                         const std::string &prefix)
    : file(std::move(h5)) {
  if (!file)
    return;
  // Keras >= 3.6 tags each `vars` group with the layer's name.
  for (const std::string &key : file->children(prefix + "layers")) {
    std::string group = prefix + "layers/" + key;
    if (auto name = file->stringAttribute(group + "/vars", "name"))
      byNameAttribute.emplace(*name, group);
  }
  // Older files: group keys are snake_case class names made unique in
  // model.layers order, which is the config's layer list without raw ops.
  std::map<std::string, int> counters;
  for (const LayerSpec &layer : spec.layers) {
    if (layer.module.rfind("keras.src.ops", 0) == 0)
      continue;
    if (spec.className == "Sequential" && layer.className == "InputLayer")
      continue;
    std::string base = toSnakeCase(layer.className);
    int n = counters[base]++;
    byClassCounter.emplace(layer.name, n ? base + "_" + std::to_string(n) : base);
  }
  for (auto &entry : byClassCounter)
    entry.second = prefix + "layers/" + entry.second;
}

WeightStore WeightStore::nested(const LayerSpec &layer, const ModelSpec &nestedSpec) const {
  if (!file)
    return WeightStore(nullptr, nestedSpec);
  return WeightStore(file, nestedSpec, groupOf(layer) + "/");
}

std::string WeightStore::groupOf(const LayerSpec &layer) const {
  auto it = byNameAttribute.find(layer.name);
  if (it != byNameAttribute.end())
    return it->second;
  it = byClassCounter.find(layer.name);
  if (it != byClassCounter.end() && !byNameAttribute.count(layer.name))
    return it->second;
  throw ImportError(layer.label(), "no weight group for this layer in model.weights.h5");
}

Hdf5Dataset WeightStore::read(const LayerSpec &layer, int index,
                              const std::string &role) const {
  if (!file)
    throw ImportError(layer.label(), "the archive has no model.weights.h5, but the layer "
                                     "needs its " + role);
  std::string path = groupOf(layer) + "/vars/" + std::to_string(index);
  if (!file->hasDataset(path))
    throw ImportError(layer.label(), "weight '" + role + "' (" + path +
                                         ") is missing from model.weights.h5");
  try {
    return file->readFloatDataset(path);
  } catch (const ImportError &e) {
    throw ImportError(layer.label(), e.what());
  }
}

} // namespace kiln::keras
