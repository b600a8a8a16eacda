// Broadcasting and its adjoint, for gradients of broadcast operands and of
// reductions. Shapes arrive collapsed to a 4-axis iteration space.
#ifndef KILN_RT_TRAIN_BROADCAST_H
#define KILN_RT_TRAIN_BROADCAST_H

#include <cstddef>

namespace kiln {
namespace rt {

/// The reverse of broadcasting: x has the iteration shape (d0..d3), y is
/// reached with strides ys (0 along summed axes) and holds y_size floats.
inline void sum_to_f32(const float *x, float *y, std::size_t d0, std::size_t d1,
                       std::size_t d2, std::size_t d3, std::size_t ys0, std::size_t ys1,
                       std::size_t ys2, std::size_t ys3, std::size_t y_size) {
  for (std::size_t i = 0; i < y_size; ++i)
    y[i] = 0.0f;
  for (std::size_t i0 = 0; i0 < d0; ++i0)
    for (std::size_t i1 = 0; i1 < d1; ++i1)
      for (std::size_t i2 = 0; i2 < d2; ++i2) {
        const float *xr = x + ((i0 * d1 + i1) * d2 + i2) * d3;
        float *yr = y + i0 * ys0 + i1 * ys1 + i2 * ys2;
        if (ys3 == 1) {
          for (std::size_t i3 = 0; i3 < d3; ++i3)
            yr[i3] += xr[i3];
        } else {
          for (std::size_t i3 = 0; i3 < d3; ++i3)
            yr[i3 * ys3] += xr[i3];
        }
      }
}

/// y (the iteration shape d0..d3) = scale · x reached with strides xs (0
/// along broadcast axes).
inline void broadcast_to_f32(const float *x, float *y, std::size_t d0, std::size_t d1,
                             std::size_t d2, std::size_t d3, std::size_t xs0, std::size_t xs1,
                             std::size_t xs2, std::size_t xs3, float scale) {
  for (std::size_t i0 = 0; i0 < d0; ++i0)
    for (std::size_t i1 = 0; i1 < d1; ++i1)
      for (std::size_t i2 = 0; i2 < d2; ++i2) {
        const float *xr = x + i0 * xs0 + i1 * xs1 + i2 * xs2;
        float *yr = y + ((i0 * d1 + i1) * d2 + i2) * d3;
        for (std::size_t i3 = 0; i3 < d3; ++i3)
          yr[i3] = scale * xr[i3 * xs3];
      }
}

} // namespace rt
} // namespace kiln

#endif
