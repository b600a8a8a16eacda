#include "Hdf5File.h"
#include "ImportError.h"

#include <hdf5.h>

#include <memory>

namespace kiln::keras {
namespace {
/// Closes an HDF5 handle with the matching close function on scope exit.
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Handle() {
    if (id >= 0)
      close(id);
  }
  operator hid_t() const { return id; }
};

void silenceHdf5Errors() {
  // HDF5 prints its error stack to stderr by default; kiln reports errors
  // itself, in one line.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

bool linkExists(hid_t file, const std::string &path) {
  // Check each prefix, as H5Lexists fails on a missing intermediate group.
  std::string::size_type pos = 0;
  while (true) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    if (!prefix.empty() && prefix != "/" && H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0)
      return false;
    if (pos == std::string::npos)
      return true;
  }
}

bool objectIs(hid_t file, const std::string &path, H5O_type_t type) {
  if (!linkExists(file, path))
    return false;
#if H5_VERSION_GE(1, 12, 0)
  H5O_info2_t info;
  if (H5Oget_info_by_name3(file, path.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
    return false;
#else
  H5O_info_t info;
  if (H5Oget_info_by_name2(file, path.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
    return false;
#endif
  return info.type == type;
}

std::vector<std::string> readStrings(hid_t attr) {
  Handle type{H5Aget_type(attr), H5Tclose};
  Handle space{H5Aget_space(attr), H5Sclose};
  if (type < 0 || space < 0 || H5Tget_class(type) != H5T_STRING)
    return {};
  hssize_t count = H5Sget_simple_extent_npoints(space);
  if (count < 0 || count > (1 << 20))
    return {};
  std::vector<std::string> out;
  if (H5Tis_variable_str(type) > 0) {
    std::vector<char *> ptrs(count, nullptr);
    Handle memType{H5Tcopy(H5T_C_S1), H5Tclose};
    H5Tset_size(memType, H5T_VARIABLE);
    H5Tset_cset(memType, H5Tget_cset(type));
    if (H5Aread(attr, memType, ptrs.data()) < 0)
      return {};
    for (char *p : ptrs)
      out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(memType, space, H5P_DEFAULT, ptrs.data());
  } else {
    size_t size = H5Tget_size(type);
    std::vector<char> buf(size * count + 1, '\0');
    if (H5Aread(attr, type, buf.data()) < 0)
      return {};
    for (hssize_t i = 0; i < count; ++i) {
      std::string s(buf.data() + i * size, size);
      s.erase(s.find_last_not_of('\0') + 1);
      out.push_back(s);
    }
  }
  return out;
}
} // namespace

Hdf5File Hdf5File::fromMemory(const std::string &bytes, const std::string &what) {
  silenceHdf5Errors();
  Handle fapl{H5Pcreate(H5P_FILE_ACCESS), H5Pclose};
  H5Pset_fapl_core(fapl, 64 * 1024, 0);
  H5Pset_file_image(fapl, const_cast<char *>(bytes.data()), bytes.size());
  hid_t file = H5Fopen("kiln-in-memory.h5", H5F_ACC_RDONLY, fapl);
  if (file < 0)
    throw ImportError("", what + " is not a readable HDF5 file");
  return Hdf5File(file, what);
}

Hdf5File Hdf5File::fromPath(const std::string &path) {
  silenceHdf5Errors();
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0)
    throw ImportError("", "not a readable HDF5 file");
  return Hdf5File(file, "the file");
}

Hdf5File::Hdf5File(Hdf5File &&other) noexcept : file(other.file), what(std::move(other.what)) {
  other.file = -1;
}

Hdf5File::~Hdf5File() {
  if (file >= 0)
    H5Fclose(file);
}

bool Hdf5File::hasGroup(const std::string &path) const {
  return path == "/" || objectIs(file, path, H5O_TYPE_GROUP);
}

bool Hdf5File::hasDataset(const std::string &path) const {
  return objectIs(file, path, H5O_TYPE_DATASET);
}

std::vector<std::string> Hdf5File::children(const std::string &group) const {
  std::vector<std::string> names;
  if (!hasGroup(group))
    return names;
  Handle g{H5Gopen2(file, group.c_str(), H5P_DEFAULT), H5Gclose};
  H5G_info_t info;
  if (g < 0 || H5Gget_info(g, &info) < 0)
    return names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0,
                                     H5P_DEFAULT);
    if (len < 0)
      continue;
    std::string name(len + 1, '\0');
    H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), len + 1,
                       H5P_DEFAULT);
    name.resize(len);
    names.push_back(name);
  }
  return names;
}

std::optional<std::vector<std::string>>
Hdf5File::stringListAttribute(const std::string &object, const std::string &name) const {
  if (!hasGroup(object) && !hasDataset(object))
    return std::nullopt;
  if (H5Aexists_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT) <= 0)
    return std::nullopt;
  Handle attr{H5Aopen_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose};
  if (attr < 0)
    return std::nullopt;
  return readStrings(attr);
}

std::optional<std::string> Hdf5File::stringAttribute(const std::string &object,
                                                     const std::string &name) const {
  auto list = stringListAttribute(object, name);
  if (!list || list->size() != 1)
    return std::nullopt;
  return list->front();
}

Hdf5Dataset Hdf5File::readFloatDataset(const std::string &path) const {
  if (!hasDataset(path))
    throw ImportError("", "dataset '" + path + "' is missing from " + what);
  Handle ds{H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose};
  Handle type{H5Dget_type(ds), H5Tclose};
  Handle space{H5Dget_space(ds), H5Sclose};
  if (ds < 0 || type < 0 || space < 0)
    throw ImportError("", "cannot open dataset '" + path + "' in " + what);
  if (H5Tget_class(type) != H5T_FLOAT)
    throw ImportError("", "dataset '" + path + "' in " + what +
                              " does not hold floating-point values");
  int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0 || rank > 16)
    throw ImportError("", "dataset '" + path + "' has an unsupported rank");
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  Hdf5Dataset out;
  out.path = path;
  uint64_t count = 1;
  for (hsize_t d : dims) {
    out.shape.push_back(int64_t(d));
    count *= d;
    if (count > (uint64_t(1) << 32))
      throw ImportError("", "dataset '" + path + "' is implausibly large");
  }
  out.values.resize(count);
  if (count && H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                       out.values.data()) < 0)
    throw ImportError("", "cannot read dataset '" + path + "' in " + what);
  return out;
}

} // namespace kiln::keras
