// Backward kernels of convolution and pooling over NHWC activations, HWIO
// kernels (KH, KW, C / groups, F) as the forward kernels take them.
#ifndef KILN_RT_TRAIN_CONV_GRAD_H
#define KILN_RT_TRAIN_CONV_GRAD_H

#include "kiln/rt/gemm/packed.h"
#include "kiln/rt/gemm/vec.h"
#include "kiln/rt/pool/pool2d.h"
#include "kiln/rt/train/dense_grad.h"

#include <cstddef>
#include <cstdint>

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

namespace detail {
/// dx of any convolution: for each output position and tap, one dot
/// product over a group's output channels per input channel.
inline void conv2d_grad_input_taps(const float *dy, const float *k, float *dx,
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

/// Whether dx is a stride-1 convolution of dy (see conv2d_grad_input_f32).
inline bool gradInputIsConvolution(const ConvGeometry &g) {
  return g.groups == 1 && g.sh == 1 && g.sw == 1 && g.pt <= (g.kh - 1) * g.dh &&
         g.pl <= (g.kw - 1) * g.dw;
}
} // namespace detail

/// Floats of scratch conv2d_grad_input_f32 needs: the flipped kernel in
/// panels when dx is computed as a convolution, else none.
inline std::size_t conv2d_grad_input_scratch_floats(const ConvGeometry &g) {
  return detail::gradInputIsConvolution(g) ? packed_floats(g.kh * g.kw * g.f, g.c) : 0;
}

/// dx[n, ih, iw, g·Cg + c] = Σ over the taps reaching it of dy[n, oh, ow, g·Fg + :] ·
/// k[kh, kw, c, g·Fg + :]. With one group and stride 1 that is itself a
/// convolution: of dy, by the kernel flipped in space with C and F swapped,
/// padded by (kh - 1)·dh - pt on top (likewise on the left); it runs on
/// the packed implicit-GEMM kernel with that kernel packed into `scratch`
/// when it has room (conv2d_grad_input_scratch_floats). Other
/// convolutions take the taps one by one.
inline void conv2d_grad_input_f32(const float *dy, const float *k, float *dx,
                                  const ConvGeometry &g, float *scratch,
                                  std::size_t scratchFloats) {
  const std::size_t needed = conv2d_grad_input_scratch_floats(g);
  if (needed == 0 || !scratch || scratchFloats < needed) {
    detail::conv2d_grad_input_taps(dy, k, dx, g);
    return;
  }
  // Row (kh', kw', f) of the flipped kernel, column c: k[KH-1-kh', KW-1-kw', c, f].
  const std::size_t rows = g.kh * g.kw * g.f, panels = (g.c + kPanel - 1) / kPanel;
  for (std::size_t p = 0; p < panels; ++p)
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t tap = r / g.f, f = r % g.f;
      const std::size_t kh = g.kh - 1 - tap / g.kw, kw = g.kw - 1 - tap % g.kw;
      const float *src = k + (kh * g.kw + kw) * g.c * g.f + f;
      float *dst = scratch + (p * rows + r) * kPanel;
      for (std::size_t j = 0; j < kPanel; ++j) {
        const std::size_t c = p * kPanel + j;
        dst[j] = c < g.c ? src[c * g.f] : 0.0f;
      }
    }
  conv2d_packed_f32<Act::linear>(dy, scratch, nullptr, dx, g.n, g.oh, g.ow, g.f, g.kh, g.kw,
                                 g.c, g.h, g.w, 1, 1, g.dh, g.dw, (g.kh - 1) * g.dh - g.pt,
                                 (g.kw - 1) * g.dw - g.pl);
}

namespace detail {
/// dk of a one-group convolution: dk[tap] (C x F) accumulates x-runᵀ ·
/// dy-run over runs of output positions, for each output row and kh:
/// - one tap at a time, the positions whose tap lies inside the input
///   form one run with a fixed input stride;
/// - with few channels (a 3-channel stem, fewer than an outer-product
///   tile's 8 rows) and no dilation along w, per output position the KW·C
///   inputs of kernel row kh are contiguous and match dk[kh]'s KW·C rows:
///   one run of KW·C channels per chunk of output columns, whose inputs
///   are copied beside zeros where the taps reach the padding. C channels
///   one tap at a time would leave the register tiles mostly empty.
/// Either way every run goes through one call of outer_product_add_f32,
/// so that its register tiles are inlined here once: twice, they used up
/// GCC's inlining budget for a model's file and slowed other kernels.
inline void conv2d_grad_kernel_rows(const float *x, const float *dy, float *dk,
                                    const ConvGeometry &g) {
  constexpr std::size_t kColumns = 64, kFloats = 4096;
  const std::size_t f = g.f, c = g.c, span = g.kw * c, xStep = g.sw * c;
  const bool byRow =
      c < 8 && g.kw > 1 && g.dw == 1 && (kColumns * g.sw + g.kw) * c <= kFloats;
  const std::size_t runs = byRow ? (g.ow + kColumns - 1) / kColumns : g.kw;
  alignas(64) float segment[kFloats];
  for (std::size_t n = 0; n < g.n; ++n)
    for (std::size_t oh = 0; oh < g.oh; ++oh) {
      const float *dyRow = dy + (n * g.oh + oh) * g.ow * f;
      for (std::size_t kh = 0; kh < g.kh; ++kh) {
        std::size_t ih;
        if (!ConvGeometry::tap(oh, kh, g.sh, g.dh, g.pt, g.h, ih))
          continue;
        const float *xRow = x + (n * g.h + ih) * g.w * c;
        for (std::size_t r = 0; r < runs; ++r) {
          // Run r: `count` output columns from o0, reading x from xRun.
          std::size_t o0, count, channels;
          const float *xRun;
          float *dkRun;
          if (byRow) {
            o0 = r * kColumns;
            count = g.ow - o0 < kColumns ? g.ow - o0 : kColumns;
            // The input columns this chunk's windows read.
            xRun = inputColumns(xRow, g.w, c, std::ptrdiff_t(o0 * g.sw) - std::ptrdiff_t(g.pl),
                                (count - 1) * g.sw + g.kw, segment);
            channels = span;
            dkRun = dk + kh * span * f;
          } else {
            // Output columns [o0, o1) with 0 <= o·sw + kw·dw - pl < w.
            const long shift = long(r * g.dw) - long(g.pl), last = long(g.w) - 1 - shift;
            o0 = shift < 0 ? std::size_t((-shift + long(g.sw) - 1) / long(g.sw)) : 0;
            std::size_t o1 = last < 0 ? 0 : std::size_t(last) / g.sw + 1;
            o1 = o1 < g.ow ? o1 : g.ow;
            if (o0 >= o1)
              continue;
            count = o1 - o0;
            xRun = xRow + std::size_t(long(o0 * g.sw) + shift) * c;
            channels = c;
            dkRun = dk + (kh * g.kw + r) * c * f;
          }
          outer_product_add_f32(xRun, xStep, dyRow + o0 * f, count, channels, f, dkRun);
        }
      }
    }
}
} // namespace detail

/// dk[kh, kw, c, g·Fg + :] = Σ over the batch and output positions of
/// x[n, ih, iw, g·Cg + c] · dy[n, oh, ow, g·Fg + :].
inline void conv2d_grad_kernel_f32(const float *x, const float *dy, float *dk,
                                   const ConvGeometry &g) {
  for (std::size_t i = 0; i < g.kh * g.kw * g.cg() * g.f; ++i)
    dk[i] = 0.0f;
  if (g.groups == 1) {
    detail::conv2d_grad_kernel_rows(x, dy, dk, g);
    return;
  }
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

namespace detail {

/// Whether input index `i` lies in one of the `o` windows of size `k`,
/// stride `s`, that start `p` before index 0 (for windows no wider than
/// their stride, where only window (i + p) / s can hold i).
inline bool inDisjointWindow(std::size_t i, std::size_t p, std::size_t s, std::size_t k,
                             std::size_t o) {
  const std::size_t t = i + p, window = t / s;
  return window < o && t - window * s < k;
}

} // namespace detail

/// Pooling backward: max sends dy to the first largest input of its window
/// (padding never wins), average spreads dy over the window's real inputs.
/// Windows no wider than their stride never share an input, so their
/// writes replace instead of add, and only inputs outside every window are
/// zeroed beforehand.
template <Pool P>
inline void pool2d_grad_f32(const float *dy, const float *x, float *dx, std::size_t n,
                            std::size_t h, std::size_t w, std::size_t c, std::size_t kh,
                            std::size_t kw, std::size_t oh, std::size_t ow, std::size_t sh,
                            std::size_t sw, std::size_t pt, std::size_t pl) {
  constexpr std::size_t W = vec::kWidth;
  const bool disjoint = sh >= kh && sw >= kw;
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t i = 0; i < h; ++i) {
      const bool rowCovered = disjoint && detail::inDisjointWindow(i, pt, sh, kh, oh);
      for (std::size_t j = 0; j < w; ++j)
        if (!rowCovered || !detail::inDisjointWindow(j, pl, sw, kw, ow)) {
          float *p = dx + ((b * h + i) * w + j) * c;
          for (std::size_t k = 0; k < c; ++k)
            p[k] = 0.0f;
        }
    }
  auto put = [disjoint](float *d, vec::Vec v) {
    if (!disjoint)
      vec::add(v, vec::load(d));
    vec::store(d, v);
  };
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t y = 0; y < oh; ++y)
      for (std::size_t xo = 0; xo < ow; ++xo) {
        const float *g = dy + ((b * oh + y) * ow + xo) * c;
        long h0 = long(y * sh) - long(pt), w0 = long(xo * sw) - long(pl);
        long h1 = h0 + long(kh), w1 = w0 + long(kw);
        h0 = h0 < 0 ? 0 : h0;
        w0 = w0 < 0 ? 0 : w0;
        h1 = h1 > long(h) ? long(h) : h1;
        w1 = w1 > long(w) ? long(w) : w1;
        if (h0 >= h1 || w0 >= w1)
          continue;
        // Offset of the window's pixel (i, jw) in x and dx.
        const std::size_t image = b * h * w;
        auto at = [&](long i, long jw) {
          return (image + std::size_t(i) * w + std::size_t(jw)) * c;
        };
        std::size_t j = 0;
        if constexpr (P == Pool::max) {
          // Per register of channels: the maximum (a later position wins
          // only when strictly larger, as maxOr does), then dy to the first
          // position holding it. A NaN seeds a maximum that nothing
          // equals: then the first position, where it stands, takes dy.
          for (; j + W <= c; j += W) {
            vec::Vec top = vec::load(x + at(h0, w0) + j);
            for (long i = h0; i < h1; ++i)
              for (long jw = w0; jw < w1; ++jw)
                top = vec::maxOr(vec::load(x + at(i, jw) + j), top);
            // `left`: the dy not yet taken by an earlier position.
            const vec::Vec none = vec::zero(), all = vec::load(g + j);
            const vec::Vec firstTakes = vec::selectEq(top, top, none, all);
            const vec::Vec afterFirst = vec::selectEq(top, top, all, none);
            vec::Vec left = all;
            for (long i = h0; i < h1; ++i)
              for (long jw = w0; jw < w1; ++jw) {
                const bool first = i == h0 && jw == w0;
                const vec::Vec xv = vec::load(x + at(i, jw) + j);
                put(dx + at(i, jw) + j, vec::selectEq(xv, top, left, first ? firstTakes : none));
                left = vec::selectEq(xv, top, none, first ? afterFirst : left);
              }
          }
          for (; j < c; ++j) {
            float top = x[at(h0, w0) + j];
            std::size_t best = at(h0, w0);
            for (long i = h0; i < h1; ++i)
              for (long jw = w0; jw < w1; ++jw)
                if (x[at(i, jw) + j] > top) {
                  top = x[at(i, jw) + j];
                  best = at(i, jw);
                }
            for (long i = h0; i < h1; ++i)
              for (long jw = w0; jw < w1; ++jw) {
                const float mine = at(i, jw) == best ? g[j] : 0.0f;
                float &d = dx[at(i, jw) + j];
                d = disjoint ? mine : d + mine;
              }
          }
        } else {
          const float inverse = 1.0f / float((h1 - h0) * (w1 - w0));
          const vec::Vec scale = vec::splat(inverse);
          for (; j + W <= c; j += W) {
            const vec::Vec share = vec::load(g + j) * scale;
            for (long i = h0; i < h1; ++i)
              for (long jw = w0; jw < w1; ++jw)
                put(dx + at(i, jw) + j, share);
          }
          for (; j < c; ++j)
            for (long i = h0; i < h1; ++i)
              for (long jw = w0; jw < w1; ++jw) {
                float &d = dx[at(i, jw) + j];
                d = disjoint ? g[j] * inverse : d + g[j] * inverse;
              }
        }
      }
}

} // namespace rt
} // namespace kiln

#endif
