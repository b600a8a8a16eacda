// Zero padding and spatial resizing of NHWC tensors.
#ifndef KILN_RT_SHAPE_PAD_H
#define KILN_RT_SHAPE_PAD_H

#include <cmath>
#include <cstddef>
#include <cstring>

namespace kiln {
namespace rt {

/// Zero-pads a 4-D tensor (d0..d3) by low/high per axis.
inline void pad_f32(const float *x, float *y, std::size_t d0, std::size_t d1, std::size_t d2,
                    std::size_t d3, std::size_t l0, std::size_t l1, std::size_t l2,
                    std::size_t l3, std::size_t h0, std::size_t h1, std::size_t h2,
                    std::size_t h3) {
  const std::size_t o1 = d1 + l1 + h1, o2 = d2 + l2 + h2, o3 = d3 + l3 + h3;
  std::memset(y, 0, (d0 + l0 + h0) * o1 * o2 * o3 * sizeof(float));
  for (std::size_t a = 0; a < d0; ++a)
    for (std::size_t b = 0; b < d1; ++b)
      for (std::size_t c = 0; c < d2; ++c)
        std::memcpy(y + (((a + l0) * o1 + b + l1) * o2 + c + l2) * o3 + l3,
                    x + ((a * d1 + b) * d2 + c) * d3, d3 * sizeof(float));
}

// Names match `#kiln.resize<...>`.
enum class Resize { nearest, bilinear };

namespace detail {
/// The two input pixels i0 <= i1 output pixel o of a bilinear resize from
/// `in` to `out` pixels reads, and the weight t of i1: half-pixel centers,
/// clamped to the edge pixels.
inline void bilinearSource(std::size_t o, std::size_t in, std::size_t out, std::size_t &i0,
                           std::size_t &i1, float &t) {
  float s = (float(o) + 0.5f) * float(in) / float(out) - 0.5f;
  if (s < 0.0f)
    s = 0.0f;
  const float top = float(in - 1);
  if (s > top)
    s = top;
  i0 = std::size_t(s);
  i1 = i0 + 1 < in ? i0 + 1 : i0;
  t = s - float(i0);
}
} // namespace detail

/// Resizes (n, h, w, c) to (n, oh, ow, c). Nearest picks floor(o * in / out);
/// bilinear samples at half-pixel centers, clamped to the edge pixels.
template <Resize R>
inline void resize_f32(const float *x, float *y, std::size_t n, std::size_t h, std::size_t w,
                       std::size_t c, std::size_t oh, std::size_t ow) {
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t oy = 0; oy < oh; ++oy)
      for (std::size_t ox = 0; ox < ow; ++ox) {
        float *yp = y + ((b * oh + oy) * ow + ox) * c;
        if constexpr (R == Resize::nearest) {
          const std::size_t iy = oy * h / oh, ix = ox * w / ow;
          std::memcpy(yp, x + ((b * h + iy) * w + ix) * c, c * sizeof(float));
        } else {
          std::size_t y0, y1, x0, x1;
          float ty, tx;
          detail::bilinearSource(oy, h, oh, y0, y1, ty);
          detail::bilinearSource(ox, w, ow, x0, x1, tx);
          const float *p00 = x + ((b * h + y0) * w + x0) * c, *p01 = x + ((b * h + y0) * w + x1) * c;
          const float *p10 = x + ((b * h + y1) * w + x0) * c, *p11 = x + ((b * h + y1) * w + x1) * c;
          for (std::size_t k = 0; k < c; ++k) {
            const float top = p00[k] + (p01[k] - p00[k]) * tx;
            const float bottom = p10[k] + (p11[k] - p10[k]) * tx;
            yp[k] = top + (bottom - top) * ty;
          }
        }
      }
}

} // namespace rt
} // namespace kiln

#endif
