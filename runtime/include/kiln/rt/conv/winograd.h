// 3x3 convolutions at stride 1 by Winograd's minimal filtering F(4x4, 3x3)
// (Lavin and Gray, 2015): each 4x4 block of output pixels is computed from
// a 6x6 block of input as Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, so the 36 products
// per tile and channel pair replace 144 multiply-adds. The products over
// channels are 36 independent GEMMs (one per point ξ of the 6x6 transform
// domain): V_ξ (tiles x C) · U_ξ (C x F), run on the packed GEMM of
// gemm/tile.h. The kernel transform U = G g Gᵀ is done once, at compile
// time (winograd_f43_pack); inputs and outputs are transformed per call,
// 16 channels at a time, over blocks of tiles that keep V and M in cache.
#ifndef KILN_RT_CONV_WINOGRAD_H
#define KILN_RT_CONV_WINOGRAD_H

#include "kiln/rt/eltwise/activation.h"
#include "kiln/rt/gemm/packed.h"
#include "kiln/rt/parallel.h"

#include <cassert>
#include <cstddef>

namespace kiln {
namespace rt {

/// Points of the transform domain: a 6x6 input tile per 4x4 output tile.
constexpr std::size_t kWinogradPoints = 36;

/// Floats of a (3, 3, c, f) kernel once transformed and packed: one
/// panel-packed (c x f) matrix per point.
constexpr std::size_t winograd_f43_kernel_floats(std::size_t c, std::size_t f) {
  return kWinogradPoints * packed_floats(c, f);
}

/// Floats from one point's rows to the next in scratch, for `floats` of
/// rows: rounded up to an odd number of 64-byte lines, so that the 36 rows
/// a tile's transforms store and load (one per point) fall in 36
/// different cache sets. A multiple of 4 KiB apart (64 tiles of 16
/// channels), they shared one set and the transforms ran 7 % slower
/// (runtime/bench BM_Winograd at 32x32x16).
constexpr std::size_t winograd_point_stride(std::size_t floats) {
  return ((floats + 15) / 16 | 1) * 16;
}

/// Floats of scratch a call over blocks of `tileBlock` tiles needs: the
/// transformed input (36 points of tileBlock x c) and the products (36
/// points of tileBlock x f), at winograd_point_stride apart.
constexpr std::size_t winograd_f43_scratch_floats(std::size_t tileBlock, std::size_t c,
                                                  std::size_t f) {
  return kWinogradPoints *
         (winograd_point_stride(tileBlock * c) + winograd_point_stride(tileBlock * f));
}

/// U_ξ = G g Gᵀ for every input/output channel pair of a HWIO (3, 3, c, f)
/// kernel, each of the 36 (c x f) matrices packed in panels; `out` holds
/// winograd_f43_kernel_floats(c, f) floats. Sums in double: the kernel is
/// transformed once, at compile time.
inline void winograd_f43_pack(const float *w, std::size_t c, std::size_t f, float *out) {
  static constexpr double G[6][3] = {{1.0 / 4, 0, 0},
                                     {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                     {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                     {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                     {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                     {0, 0, 1}};
  const std::size_t panels = (f + kPanel - 1) / kPanel;
  for (std::size_t i = 0; i < 6; ++i)
    for (std::size_t j = 0; j < 6; ++j) {
      float *point = out + (i * 6 + j) * packed_floats(c, f);
      for (std::size_t ci = 0; ci < c; ++ci)
        for (std::size_t fo = 0; fo < panels * kPanel; ++fo) {
          double sum = 0;
          for (std::size_t a = 0; a < 3 && fo < f; ++a)
            for (std::size_t b = 0; b < 3; ++b)
              sum += G[i][a] * double(w[((a * 3 + b) * c + ci) * f + fo]) * G[j][b];
          // As pack_panels: panel fo / 16, row ci, zero past f.
          point[(fo / kPanel * c + ci) * kPanel + fo % kPanel] = float(sum);
        }
    }
}

/// winograd_f43_pack at run time, in float, for kernels that change every
/// training step: g[a][b] of the pair (ci, fo) is w[a·sa + b·sb + ci·sc +
/// fo·sf], so a kernel read flipped or with its channels swapped needs no
/// copy. G g Gᵀ goes in two passes (6x3 then 6x6), 162 products per pair
/// rather than 324, 16 output channels at a time; panels run in parallel.
inline void winograd_f43_transform(const float *w, std::ptrdiff_t sa, std::ptrdiff_t sb,
                                   std::ptrdiff_t sc, std::ptrdiff_t sf, std::size_t c,
                                   std::size_t f, float *out) {
  static constexpr float G[6][3] = {{1.0f / 4, 0, 0},
                                    {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                                    {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                                    {1.0f / 24, 1.0f / 12, 1.0f / 6},
                                    {1.0f / 24, -1.0f / 12, 1.0f / 6},
                                    {0, 0, 1}};
  const std::size_t panels = (f + kPanel - 1) / kPanel, point = packed_floats(c, f);
  parallel_for(panels, [&](std::size_t p) {
    const std::size_t width = f - p * kPanel < kPanel ? f - p * kPanel : kPanel;
    for (std::size_t ci = 0; ci < c; ++ci) {
      float g[3][3][kPanel] = {}, t[6][3][kPanel];
      for (std::size_t a = 0; a < 3; ++a)
        for (std::size_t b = 0; b < 3; ++b)
          for (std::size_t j = 0; j < width; ++j)
            g[a][b][j] = w[std::ptrdiff_t(a) * sa + std::ptrdiff_t(b) * sb +
                           std::ptrdiff_t(ci) * sc + std::ptrdiff_t(p * kPanel + j) * sf];
      for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t b = 0; b < 3; ++b)
          for (std::size_t j = 0; j < kPanel; ++j)
            t[i][b][j] = G[i][0] * g[0][b][j] + G[i][1] * g[1][b][j] + G[i][2] * g[2][b][j];
      float *dst = out + (p * c + ci) * kPanel; // as pack_panels: panel p, row ci
      for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t jj = 0; jj < 6; ++jj)
          for (std::size_t j = 0; j < kPanel; ++j)
            dst[(i * 6 + jj) * point + j] =
                t[i][0][j] * G[jj][0] + t[i][1][j] * G[jj][1] + t[i][2][j] * G[jj][2];
    }
  });
}

namespace detail {

/// 16 channels of a row of 16 floats, the last `width` of them valid
/// (the rest read and written as zeros through a buffer).
KILN_RT_ALWAYS_INLINE isa::Row16 loadChannels(const float *p, std::size_t width) {
  if (width == kPanel)
    return isa::load(p);
  alignas(64) float t[kPanel] = {};
  for (std::size_t j = 0; j < width; ++j)
    t[j] = p[j];
  return isa::load(t);
}
KILN_RT_ALWAYS_INLINE void storeChannels(float *p, isa::Row16 v, std::size_t width) {
  if (width == kPanel) {
    isa::store(p, v);
    return;
  }
  alignas(64) float t[kPanel];
  isa::store(t, v);
  for (std::size_t j = 0; j < width; ++j)
    p[j] = t[j];
}

/// r = Bᵀ d for one column of six values (d[k * s]).
KILN_RT_ALWAYS_INLINE void winogradInputColumn(const isa::Row16 *d, std::size_t s,
                                               isa::Row16 *r, std::size_t rs) {
  const isa::Row16 d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s], d4 = d[4 * s],
                   d5 = d[5 * s];
  isa::Row16 v = d4;
  isa::fma(v, 4.0f, d0);
  isa::fma(v, -5.0f, d2);
  r[0] = v;
  // d4 + d3 - 4 (d1 + d2) and d4 - d3 + 4 (d1 - d2)
  isa::Row16 p = d4, q = d4;
  isa::add(p, d3);
  isa::fma(p, -4.0f, d1);
  isa::fma(p, -4.0f, d2);
  r[rs] = p;
  isa::fma(q, -1.0f, d3);
  isa::fma(q, 4.0f, d1);
  isa::fma(q, -4.0f, d2);
  r[2 * rs] = q;
  // d4 - d2 -+ 2 (d1 - d3)
  isa::Row16 a = d4, b = d4;
  isa::fma(a, -1.0f, d2);
  isa::fma(b, -1.0f, d2);
  isa::fma(a, -2.0f, d1);
  isa::fma(a, 2.0f, d3);
  isa::fma(b, 2.0f, d1);
  isa::fma(b, -2.0f, d3);
  r[3 * rs] = a;
  r[4 * rs] = b;
  isa::Row16 z = d5;
  isa::fma(z, 4.0f, d1);
  isa::fma(z, -5.0f, d3);
  r[5 * rs] = z;
}

/// r = Aᵀ m for one column of six values (m[k * s]), four results.
KILN_RT_ALWAYS_INLINE void winogradOutputColumn(const isa::Row16 *m, std::size_t s,
                                                isa::Row16 *r, std::size_t rs) {
  const isa::Row16 m0 = m[0], m1 = m[s], m2 = m[2 * s], m3 = m[3 * s], m4 = m[4 * s],
                   m5 = m[5 * s];
  isa::Row16 sum12 = m1, dif12 = m1, sum34 = m3, dif34 = m3;
  isa::add(sum12, m2);
  isa::fma(dif12, -1.0f, m2);
  isa::add(sum34, m4);
  isa::fma(dif34, -1.0f, m4);
  isa::Row16 o0 = m0, o1 = dif12, o2 = sum12, o3 = m5;
  isa::add(o0, sum12);
  isa::add(o0, sum34);
  isa::fma(o1, 2.0f, dif34);
  isa::fma(o2, 4.0f, sum34);
  isa::add(o3, dif12);
  isa::fma(o3, 8.0f, dif34);
  r[0] = o0;
  r[rs] = o1;
  r[2 * rs] = o2;
  r[3 * rs] = o3;
}

/// Where tile `tile` lies: image b, first output row oy and column ox.
struct WinogradTiles {
  std::size_t tilesH, tilesW;
  void locate(std::size_t tile, std::size_t &b, std::size_t &oy, std::size_t &ox) const {
    b = tile / (tilesH * tilesW);
    oy = tile / tilesW % tilesH * 4;
    ox = tile % tilesW * 4;
  }
};

} // namespace detail

/// conv2d_f32 for a 3x3 kernel at stride 1 and dilation 1 (groups 1), over
/// a kernel transformed by winograd_f43_pack: y[n, oy, ox, :] =
/// act(bias + sum over ky, kx of x[n, oy + ky - pt, ox + kx - pl, :] .
/// w[ky, kx] + residual), zero outside the input. Tiles of 4x4 output
/// pixels run `tileBlock` at a time through `scratch`
/// (winograd_f43_scratch_floats(tileBlock, c, f) floats). Output pixels are
/// `ldy` floats apart (0: f). Results do not depend on the thread count.
template <Act A>
inline void conv2d_winograd_f43_f32(const float *x, const float *u, const float *bias,
                                    float *y, std::size_t n, std::size_t h, std::size_t wd,
                                    std::size_t c, std::size_t f, std::size_t oh,
                                    std::size_t ow, std::size_t pt, std::size_t pl,
                                    std::size_t tileBlock, float *scratch,
                                    const float *residual = nullptr, std::size_t ldy = 0) {
  assert(tileBlock > 0);
  if (ldy == 0)
    ldy = f;
  const detail::WinogradTiles tiles{(oh + 3) / 4, (ow + 3) / 4};
  const std::size_t total = n * tiles.tilesH * tiles.tilesW;
  const std::size_t vStride = winograd_point_stride(tileBlock * c),
                    mStride = winograd_point_stride(tileBlock * f);
  float *v = scratch, *mm = scratch + kWinogradPoints * vStride;
  for (std::size_t t0 = 0; t0 < total; t0 += tileBlock) {
    const std::size_t tb = total - t0 < tileBlock ? total - t0 : tileBlock;
    // The block's tiles in one chunk per thread, each a whole number of
    // GEMM row blocks (so every product is summed as on one thread): a
    // chunk's tiles go through the input transform, the 36 GEMMs over
    // their rows of V and the output transform on one thread, which keeps
    // its rows of V and M in its own cache and opens one parallel region
    // per block rather than 38.
    const std::size_t kRows = detail::kRows, rowBlocks = (tb + kRows - 1) / kRows;
    const std::size_t perChunk = (rowBlocks + thread_count() - 1) / thread_count() * kRows;
    parallel_for((tb + perChunk - 1) / perChunk, [&](std::size_t chunk) {
      const std::size_t ta = chunk * perChunk, tz = ta + perChunk < tb ? ta + perChunk : tb;
      // V[ξ][t][c] = (Bᵀ d B)_ξ for the 6x6 input block of each tile.
      for (std::size_t t = ta; t < tz; ++t)
        for (std::size_t c0 = 0; c0 < c; c0 += kPanel) {
          const std::size_t width = c - c0 < kPanel ? c - c0 : kPanel;
          std::size_t b, oy, ox;
          tiles.locate(t0 + t, b, oy, ox);
          isa::Row16 d[36], r[36];
          for (std::size_t i = 0; i < 6; ++i) {
            const std::ptrdiff_t iy = std::ptrdiff_t(oy + i) - std::ptrdiff_t(pt);
            for (std::size_t j = 0; j < 6; ++j) {
              const std::ptrdiff_t ix = std::ptrdiff_t(ox + j) - std::ptrdiff_t(pl);
              const bool inside =
                  iy >= 0 && iy < std::ptrdiff_t(h) && ix >= 0 && ix < std::ptrdiff_t(wd);
              d[i * 6 + j] =
                  inside ? detail::loadChannels(
                               x + ((b * h + std::size_t(iy)) * wd + std::size_t(ix)) * c + c0, width)
                         : isa::zero();
            }
          }
          for (std::size_t j = 0; j < 6; ++j) // columns: r = Bᵀ d
            detail::winogradInputColumn(d + j, 6, r + j, 6);
          for (std::size_t i = 0; i < 6; ++i) // rows: d = r B
            detail::winogradInputColumn(r + i * 6, 1, d + i * 6, 1);
          for (std::size_t p = 0; p < kWinogradPoints; ++p)
            detail::storeChannels(v + p * vStride + t * c + c0, d[p], width);
        }
      // M_ξ = V_ξ · U_ξ over the chunk's rows, one GEMM per point.
      for (std::size_t p = 0; p < kWinogradPoints; ++p)
        detail::gemm_packed<Act::linear>(
            detail::RowGather{v + p * vStride + ta * c, c, c}, tz - ta, c,
            u + p * packed_floats(c, f),
            detail::Epilogue{nullptr, nullptr, mm + p * mStride + ta * f, f, f});
      // y = Aᵀ M A, then bias, residual and the activation, pixel by pixel.
      for (std::size_t t = ta; t < tz; ++t)
        for (std::size_t f0 = 0; f0 < f; f0 += kPanel) {
          const std::size_t width = f - f0 < kPanel ? f - f0 : kPanel;
          std::size_t b, oy, ox;
          tiles.locate(t0 + t, b, oy, ox);
          isa::Row16 m[36], r[24], o[16];
          for (std::size_t p = 0; p < kWinogradPoints; ++p)
            m[p] = detail::loadChannels(mm + p * mStride + t * f + f0, width);
          for (std::size_t j = 0; j < 6; ++j) // columns: r (4x6) = Aᵀ m
            detail::winogradOutputColumn(m + j, 6, r + j, 6);
          for (std::size_t i = 0; i < 4; ++i) // rows: o (4x4) = r A
            detail::winogradOutputColumn(r + i * 6, 1, o + i * 4, 1);
          alignas(64) float row[kPanel];
          for (std::size_t i = 0; i < 4 && oy + i < oh; ++i)
            for (std::size_t j = 0; j < 4 && ox + j < ow; ++j) {
              const std::size_t pixel = (b * oh + oy + i) * ow + ox + j;
              isa::store(row, o[i * 4 + j]);
              epilogue_row<A>(row, bias ? bias + f0 : nullptr,
                              residual ? residual + pixel * f + f0 : nullptr, y + pixel * ldy + f0,
                              width);
            }
        }
    });
  }
}

/// Floats of scratch conv2d_winograd_f43_hwio_f32 needs: the transformed
/// kernel, then the tiles' scratch.
constexpr std::size_t winograd_f43_hwio_scratch_floats(std::size_t tileBlock, std::size_t c,
                                                       std::size_t f) {
  return winograd_f43_kernel_floats(c, f) + winograd_f43_scratch_floats(tileBlock, c, f);
}

/// conv2d_winograd_f43_f32 over a plain HWIO (3, 3, c, f) kernel, as
/// training has it: transformed into the front of `scratch` on every call
/// (winograd_f43_hwio_scratch_floats).
template <Act A>
inline void conv2d_winograd_f43_hwio_f32(const float *x, const float *w, const float *bias,
                                         float *y, std::size_t n, std::size_t h, std::size_t wd,
                                         std::size_t c, std::size_t f, std::size_t oh,
                                         std::size_t ow, std::size_t pt, std::size_t pl,
                                         std::size_t tileBlock, float *scratch,
                                         const float *residual = nullptr, std::size_t ldy = 0) {
  const std::ptrdiff_t tap = std::ptrdiff_t(c * f);
  winograd_f43_transform(w, 3 * tap, tap, std::ptrdiff_t(f), 1, c, f, scratch);
  conv2d_winograd_f43_f32<A>(x, scratch, bias, y, n, h, wd, c, f, oh, ow, pt, pl, tileBlock,
                             scratch + winograd_f43_kernel_floats(c, f), residual, ldy);
}

/// The input gradient of a 3x3 stride-1 convolution of x (n, h, wd, c) by
/// the HWIO kernel k (3, 3, c, f) with top/left padding pt, pl <= 2, giving
/// dy (n, oh, ow, f): dx is the convolution of dy by k flipped in space with
/// c and f swapped, padded 2 - pt on top and 2 - pl on the left, and runs
/// as Winograd over that kernel transformed into `scratch`
/// (winograd_f43_hwio_scratch_floats(tileBlock, f, c) floats).
inline void conv2d_grad_input_winograd_f43_f32(const float *dy, const float *k, float *dx,
                                               std::size_t n, std::size_t h, std::size_t wd,
                                               std::size_t c, std::size_t f, std::size_t oh,
                                               std::size_t ow, std::size_t pt, std::size_t pl,
                                               std::size_t tileBlock, float *scratch) {
  assert(pt <= 2 && pl <= 2);
  // Flipped tap (a, b) is tap (2 - a, 2 - b); its input channel is f, its
  // output channel c.
  const std::ptrdiff_t tap = std::ptrdiff_t(c * f);
  winograd_f43_transform(k + 8 * tap, -3 * tap, -tap, 1, std::ptrdiff_t(f), f, c, scratch);
  conv2d_winograd_f43_f32<Act::linear>(dy, scratch, nullptr, dx, n, oh, ow, f, c, h, wd, 2 - pt,
                                       2 - pl, tileBlock,
                                       scratch + winograd_f43_kernel_floats(f, c));
}

} // namespace rt
} // namespace kiln

#endif
