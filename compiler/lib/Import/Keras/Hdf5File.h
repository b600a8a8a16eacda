// A read-only view of an HDF5 file held in memory (model.weights.h5 from a
// .keras zip) or on disk (legacy .h5), through the HDF5 C API.
#ifndef KILN_IMPORT_KERAS_HDF5FILE_H
#define KILN_IMPORT_KERAS_HDF5FILE_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln::keras {

struct Hdf5Dataset {
  std::string path; // in its file
  std::vector<int64_t> shape;
  std::vector<float> values;
};

class Hdf5File {
public:
  /// Opens an in-memory image; `what` names it in error messages.
  static Hdf5File fromMemory(const std::string &bytes, const std::string &what);
  /// Opens a file on disk.
  static Hdf5File fromPath(const std::string &path);
  Hdf5File(Hdf5File &&other) noexcept;
  Hdf5File &operator=(Hdf5File &&) = delete;
  ~Hdf5File();

  bool hasGroup(const std::string &path) const;
  bool hasDataset(const std::string &path) const;
  /// Names of the direct children of a group, in HDF5's name order.
  std::vector<std::string> children(const std::string &group) const;
  /// A string attribute of an object (fixed or variable length), if present.
  std::optional<std::string> stringAttribute(const std::string &object,
                                             const std::string &name) const;
  /// A string or list-of-strings attribute (e.g. `weight_names`).
  std::optional<std::vector<std::string>>
  stringListAttribute(const std::string &object, const std::string &name) const;
  /// Reads a floating-point dataset, converting it to float32; throws
  /// ImportError for a missing dataset or a non-float type.
  Hdf5Dataset readFloatDataset(const std::string &path) const;

  const std::string &description() const { return what; }

private:
  Hdf5File(int64_t file, std::string what) : file(file), what(std::move(what)) {}
  int64_t file;
  std::string what;
};

} // namespace kiln::keras

#endif
