// Token ids: embedding lookup, id masks, and ids used as floats.
#ifndef KILN_RT_SEQ_EMBEDDING_H
#define KILN_RT_SEQ_EMBEDDING_H

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

namespace kiln {
namespace rt {

namespace detail {
/// Keras casts float ids to int32 (truncation toward zero).
template <typename Id> inline std::int64_t idValue(Id id) {
  return static_cast<std::int64_t>(id);
}
template <> inline std::int64_t idValue<float>(float id) {
  return static_cast<std::int64_t>(static_cast<std::int32_t>(id));
}
} // namespace detail

/// y[i, :] = table[ids[i], :] for `count` ids. A negative id counts from the
/// end once; an id outside the table gives NaN (Keras's JAX take).
template <typename Id>
inline void embedding_f32(const Id *ids, const float *table, float *y, std::size_t count,
                          std::size_t vocab, std::size_t dim) {
  for (std::size_t i = 0; i < count; ++i) {
    std::int64_t id = detail::idValue(ids[i]);
    if (id < 0)
      id += static_cast<std::int64_t>(vocab);
    float *row = y + i * dim;
    if (id < 0 || id >= static_cast<std::int64_t>(vocab)) {
      for (std::size_t j = 0; j < dim; ++j)
        row[j] = std::numeric_limits<float>::quiet_NaN();
    } else {
      std::memcpy(row, table + static_cast<std::size_t>(id) * dim, dim * sizeof(float));
    }
  }
}

/// Masks as float 0/1: y = (x == value) or (x != value).
template <typename T>
inline void compare_f32(const T *x, float *y, std::size_t n, double value, bool notEqual) {
  for (std::size_t i = 0; i < n; ++i) {
    bool equal = static_cast<double>(x[i]) == value;
    y[i] = equal != notEqual ? 1.0f : 0.0f;
  }
}

/// Integer ids as float32.
template <typename T> inline void cast_f32(const T *x, float *y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    y[i] = static_cast<float>(x[i]);
}

} // namespace rt
} // namespace kiln

#endif
