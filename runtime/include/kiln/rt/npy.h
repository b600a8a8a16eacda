// Minimal .npy (format 1.0-3.0) reader and writer for float32 tensors, used by
// the generated executables and the tests. Host-side only: allocates, uses stdio.
#ifndef KILN_RT_NPY_H
#define KILN_RT_NPY_H

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace kiln {
namespace rt {

struct NpyArray {
  std::vector<std::int64_t> shape;
  std::vector<float> data; // the values converted to float
  /// The values as stored: descr is '<f4', '<f8', '<i4' or '<i8'.
  std::string descr;
  std::vector<unsigned char> raw;
};

namespace detail {
inline bool npyHeaderValue(const std::string &header, const char *key,
                           std::string &value) {
  std::size_t pos = header.find(std::string("'") + key + "'");
  if (pos == std::string::npos)
    return false;
  pos = header.find(':', pos);
  if (pos == std::string::npos)
    return false;
  ++pos;
  while (pos < header.size() && header[pos] == ' ')
    ++pos;
  std::size_t end = pos;
  if (pos < header.size() && header[pos] == '(') {
    end = header.find(')', pos);
    if (end == std::string::npos)
      return false;
    ++end;
  } else if (pos < header.size() && header[pos] == '\'') {
    end = header.find('\'', pos + 1);
    if (end == std::string::npos)
      return false;
    ++end;
  } else {
    while (end < header.size() && header[end] != ',' && header[end] != '}')
      ++end;
  }
  value = header.substr(pos, end - pos);
  return true;
}

template <typename T>
inline void npyConvert(const std::vector<unsigned char> &raw, std::vector<float> &out) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    T v;
    std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
    out[i] = static_cast<float>(v);
  }
}
} // namespace detail

/// Reads a little-endian, C-ordered .npy holding float32, float64, int32 or
/// int64 values, converting them to float. On failure returns false and says
/// why in `error`.
inline bool readNpy(const std::string &path, NpyArray &array, std::string &error) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    error = "cannot open '" + path + "'";
    return false;
  }
  struct Closer { FILE *f; ~Closer() { std::fclose(f); } } closer{f};
  unsigned char magic[8];
  if (std::fread(magic, 1, 8, f) != 8 || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    error = "'" + path + "' is not a .npy file";
    return false;
  }
  std::uint32_t headerLen = 0;
  if (magic[6] == 1) {
    unsigned char len[2];
    if (std::fread(len, 1, 2, f) != 2) { error = "truncated header in '" + path + "'"; return false; }
    headerLen = len[0] | (len[1] << 8);
  } else {
    unsigned char len[4];
    if (std::fread(len, 1, 4, f) != 4) { error = "truncated header in '" + path + "'"; return false; }
    headerLen = len[0] | (len[1] << 8) | (len[2] << 16) | (std::uint32_t(len[3]) << 24);
  }
  if (headerLen > (1u << 20)) { error = "oversized header in '" + path + "'"; return false; }
  std::string header(headerLen, '\0');
  if (std::fread(&header[0], 1, headerLen, f) != headerLen) {
    error = "truncated header in '" + path + "'";
    return false;
  }
  std::string descr, order, shape;
  if (!detail::npyHeaderValue(header, "descr", descr) ||
      !detail::npyHeaderValue(header, "fortran_order", order) ||
      !detail::npyHeaderValue(header, "shape", shape)) {
    error = "malformed header in '" + path + "'";
    return false;
  }
  if (order != "False") {
    error = "'" + path + "' is Fortran-ordered; save it C-ordered";
    return false;
  }
  array.shape.clear();
  std::uint64_t count = 1;
  for (std::size_t i = 1; i < shape.size();) {
    if (shape[i] >= '0' && shape[i] <= '9') {
      std::int64_t d = 0;
      while (i < shape.size() && shape[i] >= '0' && shape[i] <= '9') {
        d = d * 10 + (shape[i] - '0');
        if (d > (std::int64_t(1) << 40)) { error = "absurd shape in '" + path + "'"; return false; }
        ++i;
      }
      array.shape.push_back(d);
      count *= std::uint64_t(d);
      if (count > (std::uint64_t(1) << 34)) { error = "'" + path + "' is too large"; return false; }
    } else {
      ++i;
    }
  }
  std::size_t elem = 0;
  if (descr == "'<f4'" || descr == "'<i4'") elem = 4;
  else if (descr == "'<f8'" || descr == "'<i8'") elem = 8;
  else {
    error = "'" + path + "' has dtype " + descr + "; expected float32 ('<f4')";
    return false;
  }
  std::vector<unsigned char> raw(count * elem);
  if (std::fread(raw.data(), 1, raw.size(), f) != raw.size()) {
    error = "'" + path + "' is truncated: expected " + std::to_string(count) + " elements";
    return false;
  }
  array.data.resize(count);
  array.descr = descr.substr(1, 3);
  if (descr == "'<f4'") detail::npyConvert<float>(raw, array.data);
  else if (descr == "'<i4'") detail::npyConvert<std::int32_t>(raw, array.data);
  else if (descr == "'<f8'") detail::npyConvert<double>(raw, array.data);
  else detail::npyConvert<std::int64_t>(raw, array.data);
  array.raw = std::move(raw);
  return true;
}

/// The values of an array as integers, for id inputs. Float arrays must hold
/// whole numbers; on failure returns false and says why in `error`.
template <typename Int>
inline bool npyIntegers(const NpyArray &array, std::vector<Int> &out, std::string &error) {
  std::size_t n = array.data.size();
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (array.descr == "i4" || array.descr == "i8") {
      std::int64_t v = 0;
      if (array.descr == "i4") {
        std::int32_t w;
        std::memcpy(&w, array.raw.data() + 4 * i, 4);
        v = w;
      } else {
        std::memcpy(&v, array.raw.data() + 8 * i, 8);
      }
      out[i] = static_cast<Int>(v);
      if (static_cast<std::int64_t>(out[i]) != v) {
        error = "value " + std::to_string(v) + " does not fit the input's integer type";
        return false;
      }
    } else {
      float v = array.data[i];
      if (v != static_cast<float>(static_cast<Int>(v))) {
        error = "value " + std::to_string(v) + " is not a whole number; the input holds ids";
        return false;
      }
      out[i] = static_cast<Int>(v);
    }
  }
  return true;
}

/// Writes float32 data as a version 1.0 .npy file.
inline bool writeNpy(const std::string &path, const std::vector<std::int64_t> &shape,
                     const float *data, std::string &error) {
  std::string dims;
  std::uint64_t count = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    dims += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
    if (i + 1 < shape.size()) dims += " ";
    count *= std::uint64_t(shape[i]);
  }
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) {
    error = "cannot write '" + path + "'";
    return false;
  }
  unsigned char prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                              static_cast<unsigned char>(header.size() & 0xff),
                              static_cast<unsigned char>(header.size() >> 8)};
  bool ok = std::fwrite(prefix, 1, 10, f) == 10 &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            std::fwrite(data, sizeof(float), count, f) == count;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok)
    error = "failed writing '" + path + "'";
  return ok;
}

} // namespace rt
} // namespace kiln

#endif
