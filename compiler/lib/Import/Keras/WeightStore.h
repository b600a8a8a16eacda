// Finds each layer's variables in a weights file: model.weights.h5 of a
// .keras archive, or the model_weights group of a legacy .h5.
#ifndef KILN_IMPORT_KERAS_WEIGHTSTORE_H
#define KILN_IMPORT_KERAS_WEIGHTSTORE_H

#include "Hdf5File.h"
#include "ModelConfig.h"

#include <map>
#include <memory>

namespace kiln::keras {

class WeightStore {
public:
  virtual ~WeightStore() = default;

  /// Variable `index` of `layer` in Keras's creation order; `role` is the
  /// variable's Keras name ("kernel", "bias") and names it in errors.
  virtual Hdf5Dataset read(const LayerSpec &layer, int index,
                           const std::string &role) const = 0;

  /// The store of the nested model that `layer` of this model holds.
  virtual std::unique_ptr<WeightStore> nested(const LayerSpec &layer,
                                              const ModelSpec &nestedSpec) const = 0;

  /// The store of a part of `layer` that holds its own variables: an RNN's
  /// cell, a wrapped layer, an attention projection. In a `.keras` archive
  /// they sit under `<layer group>/<archivePath>`; in a legacy `.h5` their
  /// names continue the layer's path with `legacyPath` ("lstm/lstm_cell/
  /// kernel"). Reads through it ignore the layer they are given.
  virtual std::unique_ptr<WeightStore> part(const LayerSpec &layer,
                                            const std::string &archivePath,
                                            const std::vector<std::string> &legacyPath) const = 0;

  /// Keras 3 `.keras` archives: `layers/<key>/vars/<index>`. `file` is null
  /// when the archive has no weights file (reads then fail clearly).
  static std::unique_ptr<WeightStore> forArchive(std::shared_ptr<const Hdf5File> file,
                                                 const ModelSpec &spec);
  /// Legacy `.h5`: `model_weights/<layer name>` with `weight_names`.
  static std::unique_ptr<WeightStore> forLegacyH5(std::shared_ptr<const Hdf5File> file);
};

} // namespace kiln::keras

#endif
