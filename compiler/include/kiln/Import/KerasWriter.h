// Writes a trained model back as a .keras archive Keras can load.
#ifndef KILN_IMPORT_KERASWRITER_H
#define KILN_IMPORT_KERASWRITER_H

#include "kiln/Import/KerasImporter.h"

#include <map>
#include <string>
#include <vector>

namespace kiln {

/// New values (row-major) for one dataset of a model's weights file.
struct DatasetUpdate {
  std::vector<float> values;
  /// For a dataset the file may not have yet (optimizer slots): created
  /// with this shape when missing. Empty: the dataset must exist.
  std::vector<int64_t> createShape;
};

/// What to change in model.weights.h5: datasets by HDF5 path, and
/// optionally a group of numbered datasets ("optimizer/vars") of which only
/// the first `keepNumbered` may remain.
struct WeightsUpdate {
  std::map<std::string, DatasetUpdate> datasets;
  std::string numberedGroup;
  size_t keepNumbered = 0;
};

/// Writes `outPath`: the .keras archive at `modelPath` (config.json and
/// metadata.json as they are) with model.weights.h5 changed by `update`.
/// The archive is written to a temporary file and renamed, so `outPath` is
/// either the old file or the complete new one. On failure returns false
/// and sets `error`.
bool writeTrainedKerasModel(const std::string &modelPath, const WeightsUpdate &update,
                            const std::string &outPath, const ImportLimits &limits,
                            std::string &error);

} // namespace kiln

#endif
