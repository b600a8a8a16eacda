// Depthwise convolution (groups == input channels) over NHWC activations
// and a (KH, KW, 1, C * multiplier) kernel, as Keras's DepthwiseConv2D
// kernel (KH, KW, C, multiplier) reads in memory: output channel o comes
// from input channel o / multiplier.
//
// Channels are the vector axis, one register (vec.h: 16, 8 or 4 floats)
// at a time. With multiplier 1, each channel vector of an output row is
// computed up to 16 pixels at a time (12 on AVX2): per tap, one weight
// vector feeds that many accumulators, which stay in registers over all
// taps; for common kernel widths and strides, each input vector a tap row
// shares between those pixels is loaded once and feeds all of them.
// Pixels whose window crosses the left or right edge, the last channels
// past a multiple of the vector width, and multipliers above 1 take a path
// that checks every tap. Every output sums its taps in (ky, kx) order from
// zero, then adds bias and residual and applies the activation, on every
// path.
#ifndef KILN_RT_CONV_DEPTHWISE_H
#define KILN_RT_CONV_DEPTHWISE_H

#include "kiln/rt/eltwise/activation.h"
#include "kiln/rt/gemm/vec.h"
#include "kiln/rt/parallel.h"

#include <cstddef>

namespace kiln {
namespace rt {

namespace detail {
/// Geometry of one depthwise call, in the argument order of
/// depthwise_conv2d_f32, and the channels the vector paths cover.
struct DepthwiseShape {
  std::size_t h, wd, c, kh, kw, f, oh, ow, sh, sw, dh, dw, pt, pl, ldy, vectorChannels;
};

/// Input row of tap row ky for output row oy, or -1 outside the input.
inline std::ptrdiff_t depthwiseInputRow(const DepthwiseShape &s, std::size_t oy, std::size_t ky) {
  const std::ptrdiff_t iy = std::ptrdiff_t(oy * s.sh + ky * s.dh) - std::ptrdiff_t(s.pt);
  return iy < 0 || iy >= std::ptrdiff_t(s.h) ? -1 : iy;
}

/// Stores one pixel's channel vector: sums + bias + residual, activated.
template <Act A>
KILN_RT_ALWAYS_INLINE void depthwiseStore(vec::Vec v, const float *bias, const float *residual,
                                          float *y) {
  if (bias)
    vec::add(v, vec::load(bias));
  if (residual)
    vec::add(v, vec::load(residual));
  if constexpr (A == Act::relu)
    vec::relu(v);
  else if constexpr (A == Act::relu6)
    vec::clamp(v, 0.0f, 6.0f);
  else if constexpr (kHasLaneForm<A>)
    v = activateLanes<A>(v);
  vec::store(y, v);
  if constexpr (A != Act::linear && A != Act::relu && A != Act::relu6 && !kHasLaneForm<A>)
    activation_f32<A>(y, y, vec::kWidth);
}

/// kOutX pixels from ox, every channel vector below s.vectorChannels, every
/// tap inside the row horizontally (multiplier 1, so channel o reads
/// channel o). With KW = 0 the kernel's width, stride and dilation are
/// read from s and every tap loads its kOutX inputs. With a KW-wide kernel
/// at stride SW (dilation 1) the pixels' windows overlap: each of a tap
/// row's SW*(kOutX-1)+KW input vectors is loaded once and feeds every pixel
/// that reads it (for 3x3 at stride 1 over 12 pixels, 14 loads where the
/// other way makes 36), so only the sums, the row's KW weights and one
/// input are live. Going through the inputs in order keeps each pixel's
/// taps in kx order.
template <Act A, std::size_t kOutX, std::size_t KW = 0, std::size_t SW = 0>
inline void depthwiseBlock(const float *x, const float *w, const float *bias,
                           const float *residual, float *y, const DepthwiseShape &s,
                           std::size_t b, std::size_t oy, std::size_t ox) {
  // Known at compile time where KW and SW are given.
  const std::size_t kw = KW ? KW : s.kw, sw = SW ? SW : s.sw;
  const float *x0 = x + ((b * s.h) * s.wd + ox * sw - s.pl) * s.c;
  const std::size_t pixel = (b * s.oh + oy) * s.ow + ox;
  for (std::size_t c0 = 0; c0 < s.vectorChannels; c0 += vec::kWidth) {
    // Every loop over acc is unrolled, so the compiler keeps it in
    // registers rather than on the stack.
    vec::Vec acc[kOutX];
    unrolled<kOutX>([&](auto i) { acc[i] = vec::zero(); });
    for (std::size_t ky = 0; ky < s.kh; ++ky) {
      const std::ptrdiff_t iy = depthwiseInputRow(s, oy, ky);
      if (iy < 0)
        continue;
      const float *row = x0 + std::size_t(iy) * s.wd * s.c + c0;
      const float *wk = w + ky * kw * s.f + c0;
      if constexpr (KW == 0) {
        const std::size_t pixelStep = sw * s.c;
        for (std::size_t kx = 0; kx < s.kw; ++kx) {
          const vec::Vec wv = vec::load(wk + kx * s.f);
          const float *xp = row + kx * s.dw * s.c;
          unrolled<kOutX>(
              [&](auto i) { vec::fma(acc[i], vec::load(xp + i * pixelStep), wv); });
        }
      } else {
        vec::Vec wv[KW];
        unrolled<KW>([&](auto kx) { wv[kx] = vec::load(wk + kx * s.f); });
        unrolled<SW *(kOutX - 1) + KW>([&](auto j) {
          const vec::Vec xv = vec::load(row + j * s.c);
          unrolled<kOutX>([&](auto i) {
            if constexpr (j >= SW * i && j - SW * i < KW)
              vec::fma(acc[i], xv, wv[j - SW * i]);
          });
        });
      }
    }
    unrolled<kOutX>([&](auto i) {
      depthwiseStore<A>(acc[i], bias ? bias + c0 : nullptr,
                        residual ? residual + (pixel + i) * s.f + c0 : nullptr,
                        y + (pixel + i) * s.ldy + c0);
    });
  }
}

/// Calls tap(xp, wp) for every tap of output pixel (b, oy, ox) that lies
/// inside the input, in (ky, kx) order: xp is that input pixel's channel 0,
/// wp the tap's kernel channel 0.
template <class Tap>
KILN_RT_ALWAYS_INLINE void forEachCheckedTap(const float *x, const float *w,
                                             const DepthwiseShape &s, std::size_t b,
                                             std::size_t oy, std::size_t ox, const Tap &tap) {
  for (std::size_t ky = 0; ky < s.kh; ++ky) {
    const std::ptrdiff_t iy = depthwiseInputRow(s, oy, ky);
    if (iy < 0)
      continue;
    for (std::size_t kx = 0; kx < s.kw; ++kx) {
      const std::ptrdiff_t ix = std::ptrdiff_t(ox * s.sw + kx * s.dw) - std::ptrdiff_t(s.pl);
      if (ix < 0 || ix >= std::ptrdiff_t(s.wd))
        continue;
      tap(x + ((b * s.h + std::size_t(iy)) * s.wd + std::size_t(ix)) * s.c,
          w + (ky * s.kw + kx) * s.f);
    }
  }
}

/// One pixel, every channel vector below s.vectorChannels (multiplier 1),
/// taps checked once: each tap inside the input runs over all the vectors,
/// summing in the output pixel itself (the same fused multiply-adds in the
/// same order as a register sum), then the epilogue runs over it.
template <Act A>
inline void depthwisePixel(const float *x, const float *w, const float *bias,
                           const float *residual, float *y, const DepthwiseShape &s,
                           std::size_t b, std::size_t oy, std::size_t ox) {
  const std::size_t pixel = (b * s.oh + oy) * s.ow + ox;
  float *yp = y + pixel * s.ldy;
  for (std::size_t c0 = 0; c0 < s.vectorChannels; c0 += vec::kWidth)
    vec::store(yp + c0, vec::zero());
  forEachCheckedTap(x, w, s, b, oy, ox, [&](const float *xp, const float *wp) {
    for (std::size_t c0 = 0; c0 < s.vectorChannels; c0 += vec::kWidth) {
      vec::Vec acc = vec::load(yp + c0);
      vec::fma(acc, vec::load(xp + c0), vec::load(wp + c0));
      vec::store(yp + c0, acc);
    }
  });
  for (std::size_t c0 = 0; c0 < s.vectorChannels; c0 += vec::kWidth)
    depthwiseStore<A>(vec::load(yp + c0), bias ? bias + c0 : nullptr,
                      residual ? residual + pixel * s.f + c0 : nullptr, yp + c0);
}

/// One pixel, output channels o0 .. o1 (any multiplier), scalar, taps checked.
template <Act A>
inline void depthwiseChannels(const float *x, const float *w, const float *bias,
                              const float *residual, float *y, const DepthwiseShape &s,
                              std::size_t b, std::size_t oy, std::size_t ox, std::size_t o0,
                              std::size_t o1) {
  const std::size_t mult = s.f / s.c;
  float acc[16];
  for (std::size_t blk = o0; blk < o1; blk += 16) {
    const std::size_t width = o1 - blk < 16 ? o1 - blk : 16;
    for (std::size_t j = 0; j < width; ++j)
      acc[j] = 0.0f;
    forEachCheckedTap(x, w, s, b, oy, ox, [&](const float *xp, const float *wp) {
      for (std::size_t j = 0; j < width; ++j)
        acc[j] += xp[(blk + j) / mult] * wp[blk + j];
    });
    const std::size_t pixel = (b * s.oh + oy) * s.ow + ox;
    epilogue_row<A>(acc, bias ? bias + blk : nullptr,
                    residual ? residual + pixel * s.f + blk : nullptr, y + pixel * s.ldy + blk,
                    width);
  }
}

/// One output row's arguments, for the block loops below.
struct DepthwiseRow {
  const float *x, *w, *bias, *residual;
  float *y;
  const DepthwiseShape *s;
  std::size_t b, oy;
};

/// Pixels per depthwiseBlock for a KW-wide kernel (0: the generic block):
/// as many sums as the registers hold beside the tap row's weights (one
/// for the generic block) and an input, up to 16. Each tap's fused
/// multiply-adds are independent across the pixels, and 8 chains do not
/// hide the FMA latency on AVX2; 12 measured 1.3x faster there.
template <std::size_t KW> constexpr std::size_t blockPixels() {
  const std::size_t fit = vec::kRegisters - (KW ? KW : 1) - 1;
  return fit > 16 ? 16 : fit < 4 ? 4 : fit;
}

/// Interior pixels from ox towards hi in blocks (of blockPixels<KW>(),
/// then 8, 4, 2 and 1) over every channel vector, for a KW-wide kernel at stride SW
/// (0: read from the shape); returns the first pixel left.
template <Act A, std::size_t KW = 0, std::size_t SW = 0>
inline std::size_t depthwiseBlocks(const DepthwiseRow &r, std::size_t ox, std::size_t hi) {
  constexpr std::size_t kWide = blockPixels<KW>();
  for (; ox + kWide <= hi; ox += kWide)
    depthwiseBlock<A, kWide, KW, SW>(r.x, r.w, r.bias, r.residual, r.y, *r.s, r.b, r.oy, ox);
  if constexpr (kWide > 8)
    for (; ox + 8 <= hi; ox += 8)
      depthwiseBlock<A, 8, KW, SW>(r.x, r.w, r.bias, r.residual, r.y, *r.s, r.b, r.oy, ox);
  if constexpr (kWide > 4)
    for (; ox + 4 <= hi; ox += 4)
      depthwiseBlock<A, 4, KW, SW>(r.x, r.w, r.bias, r.residual, r.y, *r.s, r.b, r.oy, ox);
  for (; ox + 2 <= hi; ox += 2)
    depthwiseBlock<A, 2, KW, SW>(r.x, r.w, r.bias, r.residual, r.y, *r.s, r.b, r.oy, ox);
  if (ox < hi)
    depthwiseBlock<A, 1, KW, SW>(r.x, r.w, r.bias, r.residual, r.y, *r.s, r.b, r.oy, ox++);
  return ox;
}

/// Output columns [lo, hi) whose every tap lies inside the input row.
inline void depthwiseInterior(const DepthwiseShape &s, std::size_t &lo, std::size_t &hi) {
  lo = (s.pl + s.sw - 1) / s.sw;
  const std::size_t reach = (s.kw - 1) * s.dw; // last tap's offset from the first
  hi = s.wd + s.pl < reach + 1 ? 0 : (s.wd - 1 + s.pl - reach) / s.sw + 1;
  if (hi > s.ow)
    hi = s.ow;
  if (lo > hi)
    lo = hi;
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
  // The vector paths need multiplier 1; they cover the channels up to the
  // last multiple of the vector width.
  const std::size_t vectorChannels = f == c ? f / vec::kWidth * vec::kWidth : 0;
  const detail::DepthwiseShape s{h,  wd, c,  kh, kw, f,  oh,           ow,
                                 sh, sw, dh, dw, pt, pl, ldy ? ldy : f, vectorChannels};
  std::size_t lo, hi;
  detail::depthwiseInterior(s, lo, hi);
  parallel_for(n * oh, [&](std::size_t row) {
    const std::size_t b = row / oh, oy = row % oh;
    // Pixels outside, channels inside: a block's input window (a few
    // pixels of kh rows, all channels) stays in L1 across the channels.
    auto pixel = [&](std::size_t ox) {
      detail::depthwisePixel<A>(x, w, bias, residual, y, s, b, oy, ox);
    };
    std::size_t ox = 0;
    for (; ox < lo; ++ox)
      pixel(ox);
    // The interior in blocks of pixels; MobileNet's and EfficientNet's
    // kernels share input loads between a block's pixels.
    const detail::DepthwiseRow r{x, w, bias, residual, y, &s, b, oy};
    if (dw == 1 && kw == 3 && sw == 1)
      ox = detail::depthwiseBlocks<A, 3, 1>(r, ox, hi);
    else if (dw == 1 && kw == 3 && sw == 2)
      ox = detail::depthwiseBlocks<A, 3, 2>(r, ox, hi);
    else if (dw == 1 && kw == 5 && sw == 1)
      ox = detail::depthwiseBlocks<A, 5, 1>(r, ox, hi);
    else if (dw == 1 && kw == 5 && sw == 2)
      ox = detail::depthwiseBlocks<A, 5, 2>(r, ox, hi);
    else
      ox = detail::depthwiseBlocks<A>(r, ox, hi);
    for (; ox < ow; ++ox)
      pixel(ox);
    if (vectorChannels < f)
      for (ox = 0; ox < ow; ++ox)
        detail::depthwiseChannels<A>(x, w, bias, residual, y, s, b, oy, ox, vectorChannels, f);
  });
}

} // namespace rt
} // namespace kiln

#endif
