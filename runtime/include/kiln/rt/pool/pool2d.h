// Max and average pooling over NHWC. Padded positions never count.
#ifndef KILN_RT_POOL_POOL2D_H
#define KILN_RT_POOL_POOL2D_H

#include <cstddef>

namespace kiln {
namespace rt {

// Names match `#kiln.pool<...>`.
enum class Pool { max, avg };

template <Pool P>
inline void pool2d_f32(const float *x, float *y, std::size_t n, std::size_t h,
                       std::size_t w, std::size_t c, std::size_t kh, std::size_t kw,
                       std::size_t oh, std::size_t ow, std::size_t sh, std::size_t sw,
                       std::size_t pt, std::size_t pl) {
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t oy = 0; oy < oh; ++oy)
      for (std::size_t ox = 0; ox < ow; ++ox) {
        float *yp = y + ((b * oh + oy) * ow + ox) * c;
        std::size_t count = 0;
        for (std::size_t ky = 0; ky < kh; ++ky) {
          const std::ptrdiff_t iy = std::ptrdiff_t(oy * sh + ky) - std::ptrdiff_t(pt);
          if (iy < 0 || iy >= std::ptrdiff_t(h))
            continue;
          for (std::size_t kx = 0; kx < kw; ++kx) {
            const std::ptrdiff_t ix = std::ptrdiff_t(ox * sw + kx) - std::ptrdiff_t(pl);
            if (ix < 0 || ix >= std::ptrdiff_t(w))
              continue;
            const float *xp = x + ((b * h + std::size_t(iy)) * w + std::size_t(ix)) * c;
            if (count == 0) {
              for (std::size_t k = 0; k < c; ++k)
                yp[k] = xp[k];
            } else if (P == Pool::max) {
              for (std::size_t k = 0; k < c; ++k)
                yp[k] = xp[k] > yp[k] ? xp[k] : yp[k];
            } else {
              for (std::size_t k = 0; k < c; ++k)
                yp[k] += xp[k];
            }
            ++count;
          }
        }
        if (P == Pool::avg) {
          const float inv = 1.0f / float(count);
          for (std::size_t k = 0; k < c; ++k)
            yp[k] *= inv;
        }
      }
}

} // namespace rt
} // namespace kiln

#endif
