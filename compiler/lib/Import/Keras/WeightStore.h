// Finds each layer's variables in model.weights.h5.
#ifndef KILN_IMPORT_KERAS_WEIGHTSTORE_H
#define KILN_IMPORT_KERAS_WEIGHTSTORE_H

#include "Hdf5File.h"
#include "ModelConfig.h"

#include <map>
#include <memory>
#include <optional>

namespace kiln::keras {

class WeightStore {
public:
  /// `file` is null when the archive has no weights file; reading a weight
  /// then fails with a clear error. `prefix` is the group of a nested model
  /// ("layers/functional/"), empty for the top level.
  WeightStore(std::shared_ptr<const Hdf5File> file, const ModelSpec &spec,
              const std::string &prefix = "");

  /// The store of a nested model that `layer` of this model holds.
  WeightStore nested(const LayerSpec &layer, const ModelSpec &nestedSpec) const;

  /// Variable `index` of a layer (`vars/<index>`, in Keras's creation
  /// order). `role` names it in errors ("kernel", "bias").
  Hdf5Dataset read(const LayerSpec &layer, int index, const std::string &role) const;

private:
  std::string groupOf(const LayerSpec &layer) const;

  std::shared_ptr<const Hdf5File> file;
  /// Layer name -> group path, from the `name` attribute of `vars` (Keras >= 3.6).
  std::map<std::string, std::string> byNameAttribute;
  /// Layer name -> group path, from Keras's class-name counters.
  std::map<std::string, std::string> byClassCounter;
};

} // namespace kiln::keras

#endif
