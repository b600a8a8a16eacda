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

/// y (row-major over d0..d5) = x[offset + s0*i0 + ... + s5*i5]: transposes,
/// slices with steps, integer indexing and reversals (negative strides).
/// The compiler collapses higher ranks.
inline void strided_copy_f32(const float *x, float *y, std::ptrdiff_t offset,
                             std::ptrdiff_t d0, std::ptrdiff_t d1, std::ptrdiff_t d2,
                             std::ptrdiff_t d3, std::ptrdiff_t d4, std::ptrdiff_t d5,
                             std::ptrdiff_t s0, std::ptrdiff_t s1, std::ptrdiff_t s2,
                             std::ptrdiff_t s3, std::ptrdiff_t s4, std::ptrdiff_t s5) {
  x += offset;
  for (std::ptrdiff_t i0 = 0; i0 < d0; ++i0)
    for (std::ptrdiff_t i1 = 0; i1 < d1; ++i1)
      for (std::ptrdiff_t i2 = 0; i2 < d2; ++i2)
        for (std::ptrdiff_t i3 = 0; i3 < d3; ++i3)
          for (std::ptrdiff_t i4 = 0; i4 < d4; ++i4) {
            const float *xr = x + i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3 + i4 * s4;
            if (s5 == 1) {
              for (std::ptrdiff_t i5 = 0; i5 < d5; ++i5)
                y[i5] = xr[i5];
            } else {
              for (std::ptrdiff_t i5 = 0; i5 < d5; ++i5)
                y[i5] = xr[i5 * s5];
            }
            y += d5;
          }
}

} // namespace rt
} // namespace kiln

#endif
