#include "WeightStore.h"
#include "ImportError.h"

namespace kiln::keras {
namespace {

/// Keras 3 `model.weights.h5`: each layer's variables are `vars/0..k` of a
/// group found by its `name` attribute (Keras >= 3.6) or class-name counters.
class ArchiveWeightStore : public WeightStore {
public:
  ArchiveWeightStore(std::shared_ptr<const Hdf5File> h5, const ModelSpec &spec,
                     const std::string &prefix)
      : file(std::move(h5)) {
    if (!file)
      return;
    for (const std::string &key : file->children(prefix + "layers")) {
      std::string group = prefix + "layers/" + key;
      if (auto name = file->stringAttribute(group + "/vars", "name"))
        byNameAttribute.emplace(*name, group);
    }
    // Older files: group keys are snake_case class names made unique in
    // model.layers order, which is the config's layer list without raw ops
    // (and without the InputLayer of a Sequential).
    std::map<std::string, int> counters;
    for (const LayerSpec &layer : spec.layers) {
      if (layer.module.rfind("keras.src.ops", 0) == 0)
        continue;
      if (spec.className == "Sequential" && layer.className == "InputLayer")
        continue;
      std::string base = toSnakeCase(layer.className);
      int n = counters[base]++;
      byClassCounter.emplace(layer.name,
                             prefix + "layers/" + (n ? base + "_" + std::to_string(n) : base));
    }
  }

  /// The store of one group: a part of a layer (see WeightStore::part).
  ArchiveWeightStore(std::shared_ptr<const Hdf5File> h5, std::string group)
      : file(std::move(h5)), fixedGroup(std::move(group)) {}

  Hdf5Dataset read(const LayerSpec &layer, int index, const std::string &role) const override {
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

  std::unique_ptr<WeightStore> nested(const LayerSpec &layer,
                                      const ModelSpec &nestedSpec) const override {
    return std::make_unique<ArchiveWeightStore>(file, nestedSpec,
                                                file ? groupOf(layer) + "/" : "");
  }

  std::unique_ptr<WeightStore> part(const LayerSpec &layer, const std::string &archivePath,
                                    const std::vector<std::string> &) const override {
    if (!file)
      return std::make_unique<ArchiveWeightStore>(file, "");
    return std::make_unique<ArchiveWeightStore>(file, groupOf(layer) + "/" + archivePath);
  }

private:
  std::string groupOf(const LayerSpec &layer) const {
    if (!fixedGroup.empty())
      return fixedGroup;
    auto it = byNameAttribute.find(layer.name);
    if (it != byNameAttribute.end())
      return it->second;
    it = byClassCounter.find(layer.name);
    if (it != byClassCounter.end())
      return it->second;
    throw ImportError(layer.label(), "no weight group for this layer in model.weights.h5");
  }

  std::shared_ptr<const Hdf5File> file;
  std::map<std::string, std::string> byNameAttribute;
  std::map<std::string, std::string> byClassCounter;
  std::string fixedGroup; // set for the store of a layer's part
};

/// Legacy `.h5`: `model_weights/<top-level layer>` lists its variables in
/// `weight_names` ("dense/kernel:0" in Keras 2, "dense/kernel" in Keras 3),
/// each also the dataset's path inside the group. A nested model's
/// variables all sit in its top-level group, named by the inner layer.
class LegacyWeightStore : public WeightStore {
public:
  LegacyWeightStore(std::shared_ptr<const Hdf5File> h5, std::string group,
                    std::vector<std::string> path = {})
      : file(std::move(h5)), group(std::move(group)), path(std::move(path)) {}

  Hdf5Dataset read(const LayerSpec &layer, int, const std::string &role) const override {
    std::string layerGroup = group.empty() ? "model_weights/" + layer.name : group;
    auto names = file->stringListAttribute(layerGroup, "weight_names");
    if (!names)
      throw ImportError(layer.label(), "no weight group '" + layerGroup + "' in the .h5 file");
    const std::string *found = nullptr;
    for (const std::string &name : *names) {
      std::string bare = name.substr(0, name.rfind(':')); // Keras 2 adds ":0"
      // The variable `role` of this layer: ".../<layer>/<role>", or of a
      // part of a layer: ".../<layer>/<part>/<role>".
      std::string suffix;
      for (const std::string &component : path.empty() ? std::vector<std::string>{layer.name}
                                                       : path)
        suffix += component + "/";
      suffix += role;
      bool matches = bare == suffix ||
                     (bare.size() > suffix.size() &&
                      bare.compare(bare.size() - suffix.size(), suffix.size(), suffix) == 0 &&
                      bare[bare.size() - suffix.size() - 1] == '/');
      if (!matches)
        continue;
      if (found)
        throw ImportError(layer.label(), "weight '" + role + "' is ambiguous in '" +
                                             layerGroup + "': both '" + *found + "' and '" +
                                             name + "' match");
      found = &name;
    }
    if (!found)
      throw ImportError(layer.label(), "weight '" + role + "' is missing from '" + layerGroup +
                                           "' of the .h5 file");
    try {
      return file->readFloatDataset(layerGroup + "/" + *found);
    } catch (const ImportError &e) {
      throw ImportError(layer.label(), e.what());
    }
  }

  std::unique_ptr<WeightStore> nested(const LayerSpec &layer, const ModelSpec &) const override {
    return std::make_unique<LegacyWeightStore>(
        file, group.empty() ? "model_weights/" + layer.name : group);
  }

  std::unique_ptr<WeightStore> part(const LayerSpec &layer, const std::string &,
                                    const std::vector<std::string> &legacyPath) const override {
    std::vector<std::string> partPath = path.empty() ? std::vector<std::string>{layer.name}
                                                     : path;
    partPath.insert(partPath.end(), legacyPath.begin(), legacyPath.end());
    return std::make_unique<LegacyWeightStore>(
        file, group.empty() ? "model_weights/" + layer.name : group, partPath);
  }

private:
  std::shared_ptr<const Hdf5File> file;
  std::string group; // empty at the top level: each layer has its own
  std::vector<std::string> path; // a part's names, replacing the layer name
};

} // namespace

std::unique_ptr<WeightStore> WeightStore::forArchive(std::shared_ptr<const Hdf5File> file,
                                                     const ModelSpec &spec) {
  return std::make_unique<ArchiveWeightStore>(std::move(file), spec, "");
}

std::unique_ptr<WeightStore> WeightStore::forLegacyH5(std::shared_ptr<const Hdf5File> file) {
  return std::make_unique<LegacyWeightStore>(std::move(file), "");
}

} // namespace kiln::keras
