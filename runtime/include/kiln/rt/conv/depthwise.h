// Depthwise convolution (groups == input channels) over NHWC activations
// and a (KH, KW, 1, C * multiplier) kernel, as Keras's DepthwiseConv2D
// kernel (KH, KW, C, multiplier) reads in memory: output channel o comes
// from input channel o / multiplier. Channels are the vector axis: a block
// of kBlock output channels of one pixel is accumulated in registers over
// all taps, then bias, residual and activation are applied once.
#ifndef KILN_RT_CONV_DEPTHWISE_H
#define KILN_RT_CONV_DEPTHWISE_H

#include "kiln/rt/eltwise/activation.h"
#include "kiln/rt/parallel.h"

#include <cstddef>

namespace kiln {
namespace rt {

namespace detail {
/// acc[j] += x[j / mult] * w[j] for j < width, the channel block of one tap.
template <std::size_t Width>
inline void depthwiseTap(float *acc, const float *x, const float *w, std::size_t mult) {
  if (mult == 1)
    for (std::size_t j = 0; j < Width; ++j)
      acc[j] += x[j] * w[j];
  else
    for (std::size_t j = 0; j < Width; ++j)
      acc[j] += x[j / mult] * w[j];
}
} // namespace detail

/// y[n, oy, ox, o] = act(bias[o] + sum over ky, kx of
///   x[n, oy*sh + ky*dh - pt, ox*sw + kx*dw - pl, o / (f / c)] * w[ky, kx, o]
///   + residual[n, oy, ox, o]); output pixels are `ldy` floats apart (0: f).
template <Act A>
inline void depthwise_conv2d_f32(const float *x, const float *w, const float *bias, float *y,
                                 std::size_t n, std::size_t h, std::size_t wd, std::size_t c,
                                 std::size_t kh, std::size_t kw, std::size_t f, std::size_t oh,
                                 std::size_t ow, std::size_t sh, std::size_t sw, std::size_t dh,
                                 std::size_t dw, std::size_t pt, std::size_t pl,
                                 const float *residual = nullptr, std::size_t ldy = 0) {
  constexpr std::size_t kBlock = 64;
  const std::size_t mult = f / c;
  if (ldy == 0)
    ldy = f;
  parallel_for(n * oh, [&](std::size_t row) {
    const std::size_t b = row / oh, oy = row % oh;
    for (std::size_t ox = 0; ox < ow; ++ox) {
      const std::size_t pixel = row * ow + ox;
      for (std::size_t o0 = 0; o0 < f; o0 += kBlock) {
        const std::size_t width = f - o0 < kBlock ? f - o0 : kBlock;
        float acc[kBlock] = {};
        for (std::size_t ky = 0; ky < kh; ++ky) {
          const std::ptrdiff_t iy = std::ptrdiff_t(oy * sh + ky * dh) - std::ptrdiff_t(pt);
          if (iy < 0 || iy >= std::ptrdiff_t(h))
            continue;
          for (std::size_t kx = 0; kx < kw; ++kx) {
            const std::ptrdiff_t ix = std::ptrdiff_t(ox * sw + kx * dw) - std::ptrdiff_t(pl);
            if (ix < 0 || ix >= std::ptrdiff_t(wd))
              continue;
            const float *xp =
                x + ((b * h + std::size_t(iy)) * wd + std::size_t(ix)) * c + o0 / mult;
            const float *wp = w + (ky * kw + kx) * f + o0;
            if (width == kBlock)
              detail::depthwiseTap<kBlock>(acc, xp, wp, mult);
            else
              for (std::size_t j = 0; j < width; ++j)
                acc[j] += xp[j / mult] * wp[j];
          }
        }
        float *yp = y + pixel * ldy + o0;
        epilogue_row<A>(acc, bias ? bias + o0 : nullptr,
                        residual ? residual + pixel * f + o0 : nullptr, yp, width);
      }
    }
  });
}

} // namespace rt
} // namespace kiln

#endif
