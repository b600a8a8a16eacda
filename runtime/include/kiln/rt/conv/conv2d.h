// Direct convolutions over NHWC activations and HWIO kernels (as Keras
// stores them). Output channels are the innermost loop, contiguous in both
// the kernel and the result, so it vectorizes.
#ifndef KILN_RT_CONV_CONV2D_H
#define KILN_RT_CONV_CONV2D_H

#include "kiln/rt/eltwise/activation.h"

#include <cstddef>

namespace kiln {
namespace rt {

/// y[n, oh, ow, f] = act(bias[f] + sum over kh, kw, c of
///   x[n, oh*sh + kh*dh - pt, ow*sw + kw*dw - pl, g*cg + c] * w[kh, kw, c, f]
///   + residual[n, oh, ow, f])
/// with g = f / (F / groups), cg = C / groups; out-of-range pixels are zero.
/// `bias` and `residual` may be null; y aliases neither x nor residual.
/// Output pixels are `ldy` floats apart (0: f, contiguous), so y can be a
/// channel slice of a concatenation.
template <Act A>
inline void conv2d_f32(const float *x, const float *w, const float *bias, float *y,
                       std::size_t n, std::size_t h, std::size_t wd, std::size_t c,
                       std::size_t kh, std::size_t kw, std::size_t f, std::size_t oh,
                       std::size_t ow, std::size_t sh, std::size_t sw, std::size_t dh,
                       std::size_t dw, std::size_t pt, std::size_t pl, std::size_t groups,
                       const float *residual = nullptr, std::size_t ldy = 0) {
  const std::size_t cg = c / groups, fg = f / groups;
  if (ldy == 0)
    ldy = f;
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t oy = 0; oy < oh; ++oy)
      for (std::size_t ox = 0; ox < ow; ++ox) {
        const std::size_t pixel = (b * oh + oy) * ow + ox;
        float *yp = y + pixel * ldy;
        for (std::size_t o = 0; o < f; ++o)
          yp[o] = bias ? bias[o] : 0.0f;
        for (std::size_t ky = 0; ky < kh; ++ky) {
          const std::ptrdiff_t iy = std::ptrdiff_t(oy * sh + ky * dh) - std::ptrdiff_t(pt);
          if (iy < 0 || iy >= std::ptrdiff_t(h))
            continue;
          for (std::size_t kx = 0; kx < kw; ++kx) {
            const std::ptrdiff_t ix = std::ptrdiff_t(ox * sw + kx * dw) - std::ptrdiff_t(pl);
            if (ix < 0 || ix >= std::ptrdiff_t(wd))
              continue;
            const float *xp = x + ((b * h + std::size_t(iy)) * wd + std::size_t(ix)) * c;
            const float *wp = w + (ky * kw + kx) * cg * f;
            for (std::size_t g = 0; g < groups; ++g)
              for (std::size_t ci = 0; ci < cg; ++ci) {
                const float xv = xp[g * cg + ci];
                const float *wr = wp + ci * f + g * fg;
                float *yr = yp + g * fg;
                for (std::size_t o = 0; o < fg; ++o)
                  yr[o] += xv * wr[o];
              }
          }
        }
        epilogue_row<A>(yp, nullptr, residual ? residual + pixel * f : nullptr, yp, f);
      }
}

/// Transposed convolution: every input pixel (iy, ix) adds
/// x[n, iy, ix, :] . w[ky, kx, :, :]^T to output pixel
/// (iy*sh + ky*dh - ct, ix*sw + kx*dw - cl); w is (KH, KW, F, C).
template <Act A>
inline void conv2d_transpose_f32(const float *x, const float *w, const float *bias, float *y,
                                 std::size_t n, std::size_t h, std::size_t wd, std::size_t c,
                                 std::size_t kh, std::size_t kw, std::size_t f,
                                 std::size_t oh, std::size_t ow, std::size_t sh,
                                 std::size_t sw, std::size_t dh, std::size_t dw,
                                 std::size_t ct, std::size_t cl) {
  for (std::size_t i = 0; i < n * oh * ow; ++i)
    for (std::size_t o = 0; o < f; ++o)
      y[i * f + o] = bias ? bias[o] : 0.0f;
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t iy = 0; iy < h; ++iy)
      for (std::size_t ix = 0; ix < wd; ++ix) {
        const float *xp = x + ((b * h + iy) * wd + ix) * c;
        for (std::size_t ky = 0; ky < kh; ++ky) {
          const std::ptrdiff_t oy = std::ptrdiff_t(iy * sh + ky * dh) - std::ptrdiff_t(ct);
          if (oy < 0 || oy >= std::ptrdiff_t(oh))
            continue;
          for (std::size_t kx = 0; kx < kw; ++kx) {
            const std::ptrdiff_t ox = std::ptrdiff_t(ix * sw + kx * dw) - std::ptrdiff_t(cl);
            if (ox < 0 || ox >= std::ptrdiff_t(ow))
              continue;
            float *yp = y + ((b * oh + std::size_t(oy)) * ow + std::size_t(ox)) * f;
            const float *wp = w + (ky * kw + kx) * f * c;
            for (std::size_t o = 0; o < f; ++o) {
              const float *wr = wp + o * c;
              float acc = 0.0f;
              for (std::size_t ci = 0; ci < c; ++ci)
                acc += xp[ci] * wr[ci];
              yp[o] += acc;
            }
          }
        }
      }
  if (A != Act::linear)
    for (std::size_t i = 0; i < n * oh * ow * f; ++i)
      y[i] = activate<A>(y[i]);
}

} // namespace rt
} // namespace kiln

#endif
