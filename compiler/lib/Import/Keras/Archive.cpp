#include "Archive.h"
#include "ImportError.h"

#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <memory>

namespace kiln::keras {
namespace {
struct ZipCloser {
  void operator()(zip_t *z) const { zip_discard(z); }
};

/// Members this large must not expand more than limits.zipRatio times.
constexpr zip_uint64_t kRatioCheckedBytes = zip_uint64_t(16) << 20;

std::string readMember(zip_t *zip, const char *name, bool required, int64_t maxBytes,
                       const char *limitName, const ImportLimits &limits) {
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat(zip, name, 0, &stat) != 0) {
    if (required)
      throw ImportError("", std::string("the archive has no ") + name +
                                "; expected a Keras 3 .keras file (a zip with "
                                "config.json and model.weights.h5)");
    return "";
  }
  // The sizes come from the archive's directory, which a hostile file can
  // forge: check them before allocating, and trust only what zip_fread
  // delivers (it checks the CRC at the end).
  if (!(stat.valid & ZIP_STAT_SIZE) || !(stat.valid & ZIP_STAT_COMP_SIZE))
    throw ImportError("", std::string(name) + " in the archive has no recorded size");
  if (stat.size > zip_uint64_t(maxBytes))
    throw ImportError("", std::string(name) + " in the archive expands to " +
                              std::to_string(stat.size) + " bytes" +
                              overLimit(limitName, maxBytes));
  if (stat.size > kRatioCheckedBytes &&
      stat.size / std::max<zip_uint64_t>(stat.comp_size, 1) > zip_uint64_t(limits.zipRatio))
    throw ImportError("", std::string(name) + " in the archive expands from " +
                              std::to_string(stat.comp_size) + " to " +
                              std::to_string(stat.size) + " bytes (a zip bomb?)" +
                              overLimit("zip-ratio", limits.zipRatio));
  std::unique_ptr<zip_file_t, int (*)(zip_file_t *)> file(zip_fopen_index(zip, stat.index, 0),
                                                          zip_fclose);
  if (!file)
    throw ImportError("", std::string("cannot read ") + name + " from the archive: " +
                              zip_strerror(zip));
  std::string data(stat.size, '\0');
  zip_int64_t n = zip_fread(file.get(), data.data(), stat.size);
  if (n < 0 || zip_uint64_t(n) != stat.size)
    throw ImportError("", std::string(name) + " in the archive is truncated or corrupt");
  // libzip does not check stored members against their CRC.
  if ((stat.valid & ZIP_STAT_CRC) &&
      crc32_z(0, reinterpret_cast<const Bytef *>(data.data()), data.size()) != stat.crc)
    throw ImportError("", std::string(name) + " in the archive is corrupt (its CRC does not "
                                              "match)");
  return data;
}

[[noreturn]] void openFailed(int err) {
  zip_error_t error;
  zip_error_init_with_code(&error, err);
  std::string why = zip_error_strerror(&error);
  zip_error_fini(&error);
  if (err == ZIP_ER_NOZIP)
    throw ImportError("", "not a zip archive; expected a .keras file (zip) or a legacy .h5 file");
  throw ImportError("", "cannot open the archive: " + why);
}

KerasArchive readMembers(zip_t *zip, const ImportLimits &limits);
} // namespace

KerasArchive readKerasArchive(const std::string &path, const ImportLimits &limits) {
  int err = 0;
  std::unique_ptr<zip_t, ZipCloser> zip(zip_open(path.c_str(), ZIP_RDONLY, &err));
  if (!zip)
    openFailed(err);
  return readMembers(zip.get(), limits);
}

KerasArchive readKerasArchiveFromMemory(const std::string &bytes, const ImportLimits &limits) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t *source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!source) {
    zip_error_fini(&error);
    throw ImportError("", "cannot read the archive from memory");
  }
  std::unique_ptr<zip_t, ZipCloser> zip(zip_open_from_source(source, ZIP_RDONLY, &error));
  if (!zip) {
    zip_source_free(source);
    int err = zip_error_code_zip(&error);
    zip_error_fini(&error);
    openFailed(err);
  }
  zip_error_fini(&error);
  return readMembers(zip.get(), limits);
}

namespace {
KerasArchive readMembers(zip_t *zip, const ImportLimits &limits) {
  KerasArchive archive;
  archive.configJson =
      readMember(zip, "config.json", true, limits.configBytes, "config-bytes", limits);
  archive.metadataJson =
      readMember(zip, "metadata.json", false, limits.configBytes, "config-bytes", limits);
  archive.weightsH5 =
      readMember(zip, "model.weights.h5", false, limits.fileBytes, "file-bytes", limits);
  return archive;
}
} // namespace

bool isHdf5File(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  return in.gcount() == 8 && std::string(magic, 8) == "\x89HDF\r\n\x1a\n";
}

} // namespace kiln::keras
