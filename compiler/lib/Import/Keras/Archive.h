#ifndef KILN_IMPORT_KERAS_ARCHIVE_H
#define KILN_IMPORT_KERAS_ARCHIVE_H

#include "kiln/Import/KerasImporter.h"

#include <string>

namespace kiln::keras {

/// The members of a `.keras` zip that the importer reads.
struct KerasArchive {
  std::string configJson;
  std::string metadataJson; // empty when absent
  std::string weightsH5;    // bytes of model.weights.h5, empty when absent
};

/// Reads the archive; throws ImportError when it is not a readable zip,
/// lacks config.json, or a member is beyond `limits`.
KerasArchive readKerasArchive(const std::string &path, const ImportLimits &limits);
/// The same, from the archive's bytes in memory (the fuzz targets).
KerasArchive readKerasArchiveFromMemory(const std::string &bytes, const ImportLimits &limits);

/// True when the file starts with the HDF5 signature (a legacy .h5 model).
bool isHdf5File(const std::string &path);

} // namespace kiln::keras

#endif
