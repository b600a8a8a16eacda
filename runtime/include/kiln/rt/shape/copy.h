// Data movement: copies, and writing one input of a concatenation into its
// slice of the result.
#ifndef KILN_RT_SHAPE_COPY_H
#define KILN_RT_SHAPE_COPY_H

#include <cstddef>
#include <cstring>

namespace kiln {
namespace rt {

inline void copy_f32(const float *x, float *y, std::size_t n) {
  if (x != y)
    std::memmove(y, x, n * sizeof(float));
}

/// Copies x, viewed as (outer, inner), into columns [offset, offset + inner)
/// of y viewed as (outer, y_inner).
inline void concat_slice_f32(const float *x, float *y, std::size_t outer,
                             std::size_t inner, std::size_t y_inner, std::size_t offset) {
  for (std::size_t o = 0; o < outer; ++o)
    std::memcpy(y + o * y_inner + offset, x + o * inner, inner * sizeof(float));
}

} // namespace rt
} // namespace kiln

#endif
