// Backward kernels of Dense: y = x · W (+ b), W stored (in, units) row-major.
#ifndef KILN_RT_TRAIN_DENSE_GRAD_H
#define KILN_RT_TRAIN_DENSE_GRAD_H

#include "kiln/rt/gemm/isa.h"
#include "kiln/rt/gemm/packed.h"
#include "kiln/rt/remainder.h"

#include <cstddef>

namespace kiln {
namespace rt {

/// a · b over n floats in 16 independent partial sums, which the compiler
/// turns into vector FMAs without reassociating (so the result is the same
/// at every ISA and thread count), added in a fixed order at the end.
inline float dot_f32(const float *a, const float *b, std::size_t n) {
  float acc[16] = {};
  const std::size_t full = n / 16 * 16;
  for (std::size_t i = 0; i < full; i += 16)
    for (int j = 0; j < 16; ++j)
      acc[j] += a[i + j] * b[i + j];
  float tail = 0.0f;
  for (std::size_t i = full; i < n; ++i)
    tail += a[i] * b[i];
  for (int step = 8; step > 0; step /= 2)
    for (int j = 0; j < step; ++j)
      acc[j] += acc[j + step];
  return acc[0] + tail;
}

namespace detail {
/// Rows of dy and of W one dotTile takes: 4 x 4 accumulators on AVX-512,
/// 2 x 2 where registers are fewer.
constexpr int kDotTile = isa::kTilePanels > 1 ? 4 : 2;

/// dx[r, i] = dy[r, :] · W[i, :] for R rows of dy and I rows of W, each
/// loaded once per 16 columns and shared by R·I dot products: 16 lanes of
/// partial sums, added in dot_f32's tree, then the columns past the last 16.
template <int R, int I>
inline void dotTile(const float *dy, const float *w, float *dx, std::size_t in,
                    std::size_t units) {
  isa::Row16 acc[R][I];
  for (int r = 0; r < R; ++r)
    for (int i = 0; i < I; ++i)
      acc[r][i] = isa::zero();
  const std::size_t full = units / 16 * 16;
  for (std::size_t k = 0; k < full; k += 16) {
    isa::Row16 a[R], b[I];
    for (int r = 0; r < R; ++r)
      a[r] = isa::load(dy + r * units + k);
    for (int i = 0; i < I; ++i)
      b[i] = isa::load(w + i * units + k);
    for (int r = 0; r < R; ++r)
      for (int i = 0; i < I; ++i)
        isa::fmav(acc[r][i], a[r], b[i]);
  }
  for (int r = 0; r < R; ++r)
    for (int i = 0; i < I; ++i) {
      float lanes[16];
      isa::store(lanes, acc[r][i]);
      float tail = 0.0f;
      for (std::size_t k = full; k < units; ++k)
        tail += dy[r * units + k] * w[i * units + k];
      for (int step = 8; step > 0; step /= 2)
        for (int j = 0; j < step; ++j)
          lanes[j] += lanes[j + step];
      dx[r * in + i] = lanes[0] + tail;
    }
}

/// dotTile over every row of dy for I rows of W.
template <int I>
inline void dotRows(const float *dy, const float *w, float *dx, std::size_t rows, std::size_t in,
                    std::size_t units) {
  const std::size_t full = rows / kDotTile * kDotTile;
  for (std::size_t r = 0; r < full; r += kDotTile)
    dotTile<kDotTile, I>(dy + r * units, w, dx + r * in, in, units);
  remainderTile<kDotTile>(rows - full, [&](auto tail) {
    dotTile<decltype(tail)::value, I>(dy + full * units, w, dx + full * in, in, units);
  });
}
} // namespace detail

/// Floats of scratch dense_grad_input_f32 packs Wᵀ into.
inline std::size_t dense_grad_input_scratch_floats(std::size_t in, std::size_t units) {
  return packed_floats(units, in);
}

/// dx = dy · Wᵀ: dx[r, i] = dy[r, :] · W[i, :], both rows contiguous.
/// With `scratch` (dense_grad_input_scratch_floats), Wᵀ is packed there
/// and dx is the register-tiled packed GEMM of a Dense with `units` inputs
/// and `in` units: the packing is one pass over W, the GEMM runs near peak
/// even for a few rows or narrow layers. Without, dot products: a few
/// kernel rows at a time, outside, so they stay in cache while every batch
/// row uses them, and W streams from memory once per call.
inline void dense_grad_input_f32(const float *dy, const float *w, float *dx, std::size_t rows,
                                 std::size_t in, std::size_t units, float *scratch = nullptr) {
  if (scratch) {
    pack_panels_transposed(w, in, units, scratch);
    dense_packed_f32<Act::linear>(dy, scratch, nullptr, dx, rows, units, in);
    return;
  }
  constexpr int I = detail::kDotTile;
  const std::size_t full = in / I * I;
  for (std::size_t i = 0; i < full; i += I)
    detail::dotRows<I>(dy, w + i * units, dx + i, rows, in, units);
  remainderTile<I>(in - full, [&](auto tail) {
    detail::dotRows<decltype(tail)::value>(dy, w + full * units, dx + full, rows, in, units);
  });
}

namespace detail {
/// Row16 sums an outer-product tile keeps in registers beside its dy rows
/// and the broadcast x: 16 of 32 zmm; 6 (12 ymm) of AVX2's 16 and NEON's
/// 8 Row16 of q registers, where 8 x 2 tiles spilled (a third of peak).
/// The scalar fallback keeps the AVX-512 shape.
constexpr int kOuterSums = isa::kRegisterRows == 8 ? 6 : 16;
/// Fewer independent sums than this leave the FMA units waiting on latency.
constexpr int kOuterMinSums = isa::kRegisterRows == 8 ? 4 : 8;
/// Rows of dw per tile for V panels of 16 columns.
template <int V> constexpr int kOuterRows = kOuterSums / V < 8 ? kOuterSums / V : 8;

/// dw[c, 16v + :16] += Σ_p x[p·xStep + c] · dy[p·units + 16v + :16] for CB
/// rows c of dw and V panels of 16 columns, held in registers across the
/// `count` rows p; U independent sums hide the FMA latency when CB·V is
/// small. Without `accumulate`, dw is overwritten (=, not +=).
template <int CB, int V>
inline void outerProductTile(const float *x, std::size_t xStep, const float *dy,
                             std::size_t units, std::size_t count, float *dw, bool accumulate) {
  constexpr int U = CB * V < kOuterMinSums && 2 * CB * V <= kOuterSums ? 2 : 1;
  isa::Row16 acc[U][CB][V];
  for (int c = 0; c < CB; ++c)
    for (int v = 0; v < V; ++v) {
      acc[0][c][v] = accumulate ? isa::load(dw + c * units + v * 16) : isa::zero();
      if (U > 1)
        acc[U - 1][c][v] = isa::zero();
    }
  std::size_t p = 0;
  for (; p + U <= count; p += U)
    for (int u = 0; u < U; ++u) {
      const float *xp = x + (p + u) * xStep;
      isa::Row16 d[V];
      for (int v = 0; v < V; ++v)
        d[v] = isa::load(dy + (p + u) * units + v * 16);
      for (int c = 0; c < CB; ++c)
        for (int v = 0; v < V; ++v)
          isa::fma(acc[u][c][v], xp[c], d[v]);
    }
  for (; p < count; ++p)
    for (int v = 0; v < V; ++v) {
      const isa::Row16 d = isa::load(dy + p * units + v * 16);
      for (int c = 0; c < CB; ++c)
        isa::fma(acc[0][c][v], x[p * xStep + c], d);
    }
  for (int c = 0; c < CB; ++c)
    for (int v = 0; v < V; ++v) {
      if (U > 1)
        isa::add(acc[0][c][v], acc[U - 1][c][v]);
      isa::store(dw + c * units + v * 16, acc[0][c][v]);
    }
}

/// outerProductTile over all `channels` rows of dw, kOuterRows<V> at a time.
template <int V>
inline void outerProductPanels(const float *x, std::size_t xStep, const float *dy,
                               std::size_t units, std::size_t count, float *dw,
                               std::size_t channels, bool accumulate) {
  constexpr int CB = kOuterRows<V>;
  static_assert(CB <= 8, "the remainder cases below go up to 7 rows");
  std::size_t c = 0;
  for (; c + CB <= channels; c += CB)
    outerProductTile<CB, V>(x + c, xStep, dy, units, count, dw + c * units, accumulate);
  float *d = dw + c * units;
  switch (channels - c) {
  case 7: outerProductTile<7, V>(x + c, xStep, dy, units, count, d, accumulate); break;
  case 6: outerProductTile<6, V>(x + c, xStep, dy, units, count, d, accumulate); break;
  case 5: outerProductTile<5, V>(x + c, xStep, dy, units, count, d, accumulate); break;
  case 4: outerProductTile<4, V>(x + c, xStep, dy, units, count, d, accumulate); break;
  case 3: outerProductTile<3, V>(x + c, xStep, dy, units, count, d, accumulate); break;
  case 2: outerProductTile<2, V>(x + c, xStep, dy, units, count, d, accumulate); break;
  case 1: outerProductTile<1, V>(x + c, xStep, dy, units, count, d, accumulate); break;
  default: break;
  }
}
} // namespace detail

namespace detail {
/// outer_product_add_f32 for the tail columns [first, units) of dw, fewer
/// than 16: dy's tail, a chunk of rows at a time, and a block of dw rows
/// are copied into zero-padded 16-column buffers on the stack, so they run
/// on the same register tiles as the full panels.
inline void outerProductTail(const float *x, std::size_t xStep, const float *dy,
                             std::size_t count, std::size_t channels, std::size_t units,
                             std::size_t first, float *dw, bool accumulate) {
  constexpr std::size_t kRowsPerChunk = 128, kChannelsPerBlock = 64;
  alignas(64) float rows[kRowsPerChunk * 16];
  alignas(64) float sums[kChannelsPerBlock * 16];
  const std::size_t width = units - first;
  if (count == 0 && !accumulate) // a sum over no rows
    for (std::size_t c = 0; c < channels; ++c)
      for (std::size_t j = 0; j < width; ++j)
        dw[c * units + first + j] = 0.0f;
  for (std::size_t p0 = 0; p0 < count; p0 += kRowsPerChunk) {
    const std::size_t chunk = count - p0 < kRowsPerChunk ? count - p0 : kRowsPerChunk;
    for (std::size_t p = 0; p < chunk; ++p)
      for (std::size_t j = 0; j < 16; ++j)
        rows[p * 16 + j] = j < width ? dy[(p0 + p) * units + first + j] : 0.0f;
    for (std::size_t c0 = 0; c0 < channels; c0 += kChannelsPerBlock) {
      const std::size_t block =
          channels - c0 < kChannelsPerBlock ? channels - c0 : kChannelsPerBlock;
      for (std::size_t c = 0; c < block; ++c)
        for (std::size_t j = 0; j < 16; ++j)
          sums[c * 16 + j] =
              j < width && (accumulate || p0 > 0) ? dw[(c0 + c) * units + first + j] : 0.0f;
      outerProductPanels<1>(x + p0 * xStep + c0, xStep, rows, 16, chunk, sums, block, true);
      for (std::size_t c = 0; c < block; ++c)
        for (std::size_t j = 0; j < width; ++j)
          dw[(c0 + c) * units + first + j] = sums[c * 16 + j];
    }
  }
}
} // namespace detail

namespace detail {
/// outer_product_add_f32, or with `accumulate` false its assignment.
inline void outerProductRun(const float *x, std::size_t xStep, const float *dy,
                            std::size_t count, std::size_t channels, std::size_t units, float *dw,
                            bool accumulate) {
  const std::size_t fullPanels = units / 16;
  std::size_t panel = 0;
  for (; panel + 2 <= fullPanels; panel += 2)
    outerProductPanels<2>(x, xStep, dy + panel * 16, units, count, dw + panel * 16, channels,
                          accumulate);
  if (panel < fullPanels)
    outerProductPanels<1>(x, xStep, dy + panel * 16, units, count, dw + panel * 16, channels,
                          accumulate);
  if (fullPanels * 16 < units)
    outerProductTail(x, xStep, dy, count, channels, units, fullPanels * 16, dw, accumulate);
}

/// outerProductRun over chunks of rows: every tile of dw reads the chunk's
/// strip of dy (up to 32 columns), which stays in L1 across the chunk's
/// tiles only if the chunk is short. A long run (an RNN's dU over all N·T
/// rows) otherwise streams each strip from L2 once per tile of rows.
inline void outerProduct(const float *x, std::size_t xStep, const float *dy, std::size_t count,
                         std::size_t channels, std::size_t units, float *dw, bool accumulate) {
  constexpr std::size_t kChunkRows = 128; // 16 KB of a 32-column strip
  std::size_t p = 0;
  do {
    const std::size_t rows = count - p < kChunkRows ? count - p : kChunkRows;
    outerProductRun(x + p * xStep, xStep, dy + p * units, rows, channels, units, dw,
                    accumulate || p > 0);
    p += rows;
  } while (p < count);
}
} // namespace detail

/// dw += xᵀ · dy over `count` rows: dw[c, :] += Σ_p x[p·xStep + c] ·
/// dy[p·units + :] for c < channels, dw being (channels x units). Register
/// tiles of dw (8 rows by 32 or 16 columns on AVX-512, 3 by 32 or 6 by 16 on
/// AVX2 and NEON) stay in registers across all rows p; the columns past the
/// last panel of 16 run on the same tiles through zero-padded copies.
inline void outer_product_add_f32(const float *x, std::size_t xStep, const float *dy,
                                  std::size_t count, std::size_t channels, std::size_t units,
                                  float *dw) {
  detail::outerProduct(x, xStep, dy, count, channels, units, dw, true);
}

/// dW += xᵀ · dy summed over rows: dW[i, :] += Σ_r x[r, i] · dy[r, :].
inline void dense_grad_kernel_add_f32(const float *x, const float *dy, float *dw,
                                      std::size_t rows, std::size_t in, std::size_t units) {
  outer_product_add_f32(x, in, dy, rows, in, units, dw);
}

/// dW = xᵀ · dy summed over rows.
inline void dense_grad_kernel_f32(const float *x, const float *dy, float *dw, std::size_t rows,
                                  std::size_t in, std::size_t units) {
  // The first pass writes dw: no zeroing pass, no reading it back.
  detail::outerProduct(x, in, dy, rows, in, units, dw, false);
}

} // namespace rt
} // namespace kiln

#endif
