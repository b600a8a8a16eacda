// Backward kernels of convolution and pooling over NHWC activations, HWIO
// kernels (KH, KW, C / groups, F) as the forward kernels take them.
#ifndef KILN_RT_TRAIN_CONV_GRAD_H
#define KILN_RT_TRAIN_CONV_GRAD_H

#include "kiln/rt/pool/pool2d.h"
#include "kiln/rt/train/dense_grad.h"

#include <cstddef>

namespace kiln {
namespace rt {

/// Geometry of a forward convolution: input (n, h, w, c), output (oh, ow, f).
struct ConvGeometry {
  std::size_t n, h, w, c, kh, kw, f, oh, ow, sh, sw, dh, dw, pt, pl, groups;
  std::size_t cg() const { return c / groups; }
  std::size_t fg() const { return f / groups; }
  /// Input row/column of output position o and tap k, or false when it
  /// falls in the padding.
  static bool tap(std::size_t o, std::size_t k, std::size_t stride, std::size_t dil,
                  std::size_t pad, std::size_t size, std::size_t &i) {
    long v = long(o * stride + k * dil) - long(pad);
    if (v < 0 || v >= long(size))
      return false;
    i = std::size_t(v);
    return true;
  }
};

/// dx[n, ih, iw, g·Cg + c] = Σ over the taps reaching it of dy[n, oh, ow, g·Fg + :] ·
/// k[kh, kw, c, g·Fg + :]: one dot product over a group's output channels
/// (contiguous in both) per input channel and tap.
inline void conv2d_grad_input_f32(const float *dy, const float *k, float *dx,
                                  const ConvGeometry &g) {
  for (std::size_t i = 0; i < g.n * g.h * g.w * g.c; ++i)
    dx[i] = 0.0f;
  for (std::size_t n = 0; n < g.n; ++n)
    for (std::size_t oh = 0; oh < g.oh; ++oh)
      for (std::size_t ow = 0; ow < g.ow; ++ow) {
        const float *dyp = dy + ((n * g.oh + oh) * g.ow + ow) * g.f;
        for (std::size_t kh = 0; kh < g.kh; ++kh) {
          std::size_t ih;
          if (!ConvGeometry::tap(oh, kh, g.sh, g.dh, g.pt, g.h, ih))
            continue;
          for (std::size_t kw = 0; kw < g.kw; ++kw) {
            std::size_t iw;
            if (!ConvGeometry::tap(ow, kw, g.sw, g.dw, g.pl, g.w, iw))
              continue;
            float *dxp = dx + ((n * g.h + ih) * g.w + iw) * g.c;
            const float *kp = k + (kh * g.kw + kw) * g.cg() * g.f;
            for (std::size_t grp = 0; grp < g.groups; ++grp)
              for (std::size_t c = 0; c < g.cg(); ++c)
                dxp[grp * g.cg() + c] +=
                    dot_f32(dyp + grp * g.fg(), kp + c * g.f + grp * g.fg(), g.fg());
          }
        }
      }
}

/// dk[kh, kw, c, g·Fg + :] += x[n, ih, iw, g·Cg + c] · dy[n, oh, ow, g·Fg + :],
/// an axpy over output channels per tap, position and input channel.
inline void conv2d_grad_kernel_f32(const float *x, const float *dy, float *dk,
                                   const ConvGeometry &g) {
  for (std::size_t i = 0; i < g.kh * g.kw * g.cg() * g.f; ++i)
    dk[i] = 0.0f;
  for (std::size_t n = 0; n < g.n; ++n)
    for (std::size_t oh = 0; oh < g.oh; ++oh)
      for (std::size_t ow = 0; ow < g.ow; ++ow) {
        const float *dyp = dy + ((n * g.oh + oh) * g.ow + ow) * g.f;
        for (std::size_t kh = 0; kh < g.kh; ++kh) {
          std::size_t ih;
          if (!ConvGeometry::tap(oh, kh, g.sh, g.dh, g.pt, g.h, ih))
            continue;
          for (std::size_t kw = 0; kw < g.kw; ++kw) {
            std::size_t iw;
            if (!ConvGeometry::tap(ow, kw, g.sw, g.dw, g.pl, g.w, iw))
              continue;
            const float *xp = x + ((n * g.h + ih) * g.w + iw) * g.c;
            float *kp = dk + (kh * g.kw + kw) * g.cg() * g.f;
            for (std::size_t grp = 0; grp < g.groups; ++grp)
              for (std::size_t c = 0; c < g.cg(); ++c) {
                const float xv = xp[grp * g.cg() + c];
                float *row = kp + c * g.f + grp * g.fg();
                const float *dyg = dyp + grp * g.fg();
                for (std::size_t f = 0; f < g.fg(); ++f)
                  row[f] += xv * dyg[f];
              }
          }
        }
      }
}

/// Pooling backward: max sends dy to the first largest input of its window
/// (padding never wins), average spreads dy over the window's real inputs.
template <Pool P>
inline void pool2d_grad_f32(const float *dy, const float *x, float *dx, std::size_t n,
                            std::size_t h, std::size_t w, std::size_t c, std::size_t kh,
                            std::size_t kw, std::size_t oh, std::size_t ow, std::size_t sh,
                            std::size_t sw, std::size_t pt, std::size_t pl) {
  for (std::size_t i = 0; i < n * h * w * c; ++i)
    dx[i] = 0.0f;
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t y = 0; y < oh; ++y)
      for (std::size_t xo = 0; xo < ow; ++xo) {
        const float *dyp = dy + ((b * oh + y) * ow + xo) * c;
        long h0 = long(y * sh) - long(pt), w0 = long(xo * sw) - long(pl);
        long h1 = h0 + long(kh), w1 = w0 + long(kw);
        h0 = h0 < 0 ? 0 : h0;
        w0 = w0 < 0 ? 0 : w0;
        h1 = h1 > long(h) ? long(h) : h1;
        w1 = w1 > long(w) ? long(w) : w1;
        for (std::size_t ch = 0; ch < c; ++ch) {
          if constexpr (P == Pool::max) {
            long best = -1;
            float top = 0.0f;
            for (long i = h0; i < h1; ++i)
              for (long j = w0; j < w1; ++j) {
                float v = x[((b * h + std::size_t(i)) * w + std::size_t(j)) * c + ch];
                if (best < 0 || v > top) {
                  top = v;
                  best = i * long(w) + j;
                }
              }
            if (best >= 0)
              dx[(b * h * w + std::size_t(best)) * c + ch] += dyp[ch];
          } else {
            float share = dyp[ch] / float((h1 - h0) * (w1 - w0));
            for (long i = h0; i < h1; ++i)
              for (long j = w0; j < w1; ++j)
                dx[((b * h + std::size_t(i)) * w + std::size_t(j)) * c + ch] += share;
          }
        }
      }
}

} // namespace rt
} // namespace kiln

#endif
