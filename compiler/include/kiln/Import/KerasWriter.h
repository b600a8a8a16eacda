// Writes a trained model back as a .keras archive Keras can load.
#ifndef KILN_IMPORT_KERASWRITER_H
#define KILN_IMPORT_KERASWRITER_H

#include "kiln/Import/KerasImporter.h"

#include <map>
#include <string>
#include <vector>

namespace kiln {

/// Writes `outPath`: the .keras archive at `modelPath` (config.json and
/// metadata.json as they are) whose model.weights.h5 has the datasets named
/// in `values` (HDF5 path -> values, row-major) replaced. The archive is
/// written to a temporary file and renamed, so `outPath` is either the old
/// file or the complete new one. On failure returns false and sets `error`.
bool writeTrainedKerasModel(const std::string &modelPath,
                            const std::map<std::string, std::vector<float>> &values,
                            const std::string &outPath, const ImportLimits &limits,
                            std::string &error);

} // namespace kiln

#endif
