// Gradient of resize_f32 (Keras UpSampling2D): every output pixel's
// gradient goes back to the input pixels it was read from, with the weights
// it was read with.
#ifndef KILN_RT_TRAIN_RESIZE_GRAD_H
#define KILN_RT_TRAIN_RESIZE_GRAD_H

#include "kiln/rt/shape/pad.h"

#include <cstddef>
#include <cstring>

namespace kiln {
namespace rt {

namespace detail {
/// d[k] += w · g[k] over c channels.
inline void scaledAdd(float *__restrict d, const float *__restrict g, float w, std::size_t c) {
  for (std::size_t k = 0; k < c; ++k)
    d[k] += w * g[k];
}
} // namespace detail

/// dx (n, h, w, c) from dy (n, oh, ow, c), the adjoint of resize_f32<R>.
template <Resize R>
inline void resize_grad_f32(const float *dy, float *dx, std::size_t n, std::size_t h,
                            std::size_t w, std::size_t c, std::size_t oh, std::size_t ow) {
  std::memset(dx, 0, n * h * w * c * sizeof(float));
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t oy = 0; oy < oh; ++oy)
      for (std::size_t ox = 0; ox < ow; ++ox) {
        const float *g = dy + ((b * oh + oy) * ow + ox) * c;
        auto at = [&](std::size_t iy, std::size_t ix) { return dx + ((b * h + iy) * w + ix) * c; };
        if constexpr (R == Resize::nearest) {
          detail::scaledAdd(at(oy * h / oh, ox * w / ow), g, 1.0f, c);
        } else {
          std::size_t y0, y1, x0, x1;
          float ty, tx;
          detail::bilinearSource(oy, h, oh, y0, y1, ty);
          detail::bilinearSource(ox, w, ow, x0, x1, tx);
          // resize_f32 computes top + (bottom − top)·ty with top and bottom
          // lerped by tx: p00 weighs (1−tx)(1−ty), p01 tx(1−ty), p10
          // (1−tx)ty, p11 tx·ty.
          detail::scaledAdd(at(y0, x0), g, (1.0f - tx) * (1.0f - ty), c);
          detail::scaledAdd(at(y0, x1), g, tx * (1.0f - ty), c);
          detail::scaledAdd(at(y1, x0), g, (1.0f - tx) * ty, c);
          detail::scaledAdd(at(y1, x1), g, tx * ty, c);
        }
      }
}

} // namespace rt
} // namespace kiln

#endif
