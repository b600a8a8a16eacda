#include "kiln/Import/KerasWriter.h"

#include "Archive.h"
#include "ImportError.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <hdf5.h>
#include <zip.h>

#include <fstream>

namespace kiln {
namespace {
/// A float32 dataset `name` of `shape` in `file` (its groups exist).
hid_t createDataset(hid_t file, const std::string &name, const std::vector<int64_t> &shape) {
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  hid_t space = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
  if (space < 0)
    return H5I_INVALID_HID;
  hid_t ds = H5Dcreate2(file, name.c_str(), H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT,
                        H5P_DEFAULT);
  H5Sclose(space);
  return ds;
}

/// Deletes the datasets "GROUP/N" with N >= keep.
bool pruneNumbered(hid_t file, const std::string &group, size_t keep, std::string &error) {
  for (size_t n = keep;; ++n) {
    std::string name = group + "/" + std::to_string(n);
    if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0)
      return true;
    if (H5Ldelete(file, name.c_str(), H5P_DEFAULT) < 0) {
      error = "cannot remove dataset '" + name + "'";
      return false;
    }
  }
}

/// Applies `update` to the HDF5 file at `path` in place.
bool updateDatasets(const std::string &path, const WeightsUpdate &update, std::string &error) {
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) {
    error = "cannot open the weights for writing";
    return false;
  }
  bool ok = update.numberedGroup.empty() ||
            pruneNumbered(file, update.numberedGroup, update.keepNumbered, error);
  for (const auto &[name, data] : update.datasets) {
    if (!ok)
      break;
    bool exists = H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0;
    hid_t ds = exists ? H5Dopen2(file, name.c_str(), H5P_DEFAULT)
               : data.createShape.empty() ? H5I_INVALID_HID
                                          : createDataset(file, name, data.createShape);
    hid_t space = ds >= 0 ? H5Dget_space(ds) : H5I_INVALID_HID;
    hssize_t count = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (count != hssize_t(data.values.size())) {
      error = "weight dataset '" + name + "' is missing or has " + std::to_string(count) +
              " values, not " + std::to_string(data.values.size());
      ok = false;
    } else if (H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                        data.values.data()) < 0) {
      // HDF5 converts to the dataset's type (the optimizer's integer step count).
      error = "cannot write weight dataset '" + name + "'";
      ok = false;
    }
    if (space >= 0)
      H5Sclose(space);
    if (ds >= 0)
      H5Dclose(ds);
  }
  if (H5Fclose(file) < 0 && ok) {
    error = "cannot finish writing the weights";
    ok = false;
  }
  return ok;
}

bool addMember(zip_t *zip, const char *name, const std::string &bytes) {
  zip_source_t *source = zip_source_buffer(zip, bytes.data(), bytes.size(), 0);
  if (!source)
    return false;
  if (zip_file_add(zip, name, source, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) < 0) {
    zip_source_free(source);
    return false;
  }
  return true;
}
} // namespace

bool writeTrainedKerasModel(const std::string &modelPath, const WeightsUpdate &update,
                            const std::string &outPath, const ImportLimits &limits,
                            std::string &error) {
  keras::KerasArchive archive;
  try {
    archive = keras::readKerasArchive(modelPath, limits);
  } catch (const keras::ImportError &e) {
    error = modelPath + ": " + e.what();
    return false;
  }
  if (archive.weightsH5.empty()) {
    error = modelPath + ": the archive has no model.weights.h5 to update";
    return false;
  }
  std::string weightsPath = outPath + ".weights.tmp";
  std::string zipPath = outPath + ".tmp";
  auto cleanup = [&] {
    llvm::sys::fs::remove(weightsPath);
    llvm::sys::fs::remove(zipPath);
  };
  {
    std::ofstream os(weightsPath, std::ios::binary | std::ios::trunc);
    os.write(archive.weightsH5.data(), std::streamsize(archive.weightsH5.size()));
    if (!os) {
      error = "cannot write '" + weightsPath + "'";
      cleanup();
      return false;
    }
  }
  if (!updateDatasets(weightsPath, update, error)) {
    error = outPath + ": " + error;
    cleanup();
    return false;
  }
  auto weights = llvm::MemoryBuffer::getFile(weightsPath, /*IsText=*/false,
                                             /*RequiresNullTerminator=*/false);
  if (!weights) {
    error = "cannot read back '" + weightsPath + "'";
    cleanup();
    return false;
  }
  std::string weightsBytes = (*weights)->getBuffer().str();
  int zipError = 0;
  zip_t *zip = zip_open(zipPath.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &zipError);
  bool ok = zip && addMember(zip, "metadata.json", archive.metadataJson) &&
            addMember(zip, "config.json", archive.configJson) &&
            addMember(zip, "model.weights.h5", weightsBytes);
  if (zip && !ok)
    zip_discard(zip);
  else if (zip && zip_close(zip) < 0) {
    zip_discard(zip);
    ok = false;
  }
  if (!ok) {
    error = "cannot write '" + zipPath + "'";
    cleanup();
    return false;
  }
  if (auto ec = llvm::sys::fs::rename(zipPath, outPath)) {
    error = "cannot write '" + outPath + "': " + ec.message();
    cleanup();
    return false;
  }
  llvm::sys::fs::remove(weightsPath);
  return true;
}

} // namespace kiln
