// Dense layer: y = act(x · W + b + residual), W stored (in, units) row-major
// as Keras does.
#ifndef KILN_RT_GEMM_DENSE_H
#define KILN_RT_GEMM_DENSE_H

#include "kiln/rt/eltwise/activation.h"
#include "kiln/rt/gemm/isa.h"
#include "kiln/rt/remainder.h"

#include <cassert>
#include <cstddef>

namespace kiln {
namespace rt {

namespace detail {
/// Panels of 16 columns one register tile of dense_f32 covers: four on
/// AVX-512 (4 rows x 4 panels = 16 of its 32 registers), one elsewhere.
constexpr int kDensePanels = isa::kTilePanels > 1 ? 4 : 1;

/// y[r, j0 + :16·V] = bias + Σ_k x[r, k] W[k, j0 + :16·V] for R rows, the
/// sums held in registers across k (in order, as the scalar loop would).
template <int R, int V>
inline void denseTile(const float *x, const float *w, const float *bias, float *y,
                      std::size_t in, std::size_t units, std::size_t j0) {
  isa::Row16 acc[R][V];
  for (int v = 0; v < V; ++v) {
    const isa::Row16 b = bias ? isa::load(bias + j0 + v * 16) : isa::zero();
    for (int r = 0; r < R; ++r)
      acc[r][v] = b;
  }
  for (std::size_t k = 0; k < in; ++k) {
    isa::Row16 wv[V];
    for (int v = 0; v < V; ++v)
      wv[v] = isa::load(w + k * units + j0 + v * 16);
    for (int r = 0; r < R; ++r) {
      const float xk = x[r * in + k];
      for (int v = 0; v < V; ++v)
        isa::fma(acc[r][v], xk, wv[v]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v)
      isa::store(y + r * units + j0 + v * 16, acc[r][v]);
}

/// dense_f32's sums for R rows: register tiles over the full panels, then
/// the columns past the last one.
template <int R>
inline void denseRows(const float *x, const float *w, const float *bias, float *y,
                      std::size_t in, std::size_t units) {
  const std::size_t full = units / 16 * 16;
  std::size_t j0 = 0;
  for (; j0 + 16 * kDensePanels <= full; j0 += 16 * kDensePanels)
    denseTile<R, kDensePanels>(x, w, bias, y, in, units, j0);
  for (; j0 < full; j0 += 16)
    denseTile<R, 1>(x, w, bias, y, in, units, j0);
  for (int r = 0; r < R; ++r)
    for (std::size_t j = full; j < units; ++j) {
      float acc = bias ? bias[j] : 0.0f;
      for (std::size_t k = 0; k < in; ++k)
        acc += x[r * in + k] * w[k * units + j];
      y[r * units + j] = acc;
    }
}
} // namespace detail

/// Kernel used where W is not stored as panels (narrow layers, recurrent
/// layers, and training, whose weights change): register tiles of 4 rows
/// by up to 64 columns read W where it lies, row after row. Every y[r, j]
/// sums bias + Σ_k x[r, k] W[k, j] with k in order. `bias` and `residual`
/// (shaped like y, added before the activation) may be null. x and y must
/// not alias, nor y and residual.
template <Act A>
inline void dense_f32(const float *x, const float *w, const float *bias,
                      float *y, std::size_t rows, std::size_t in,
                      std::size_t units, const float *residual = nullptr) {
  assert(x != y && residual != y);
  const std::size_t full = rows / 4 * 4;
  for (std::size_t r = 0; r < full; r += 4)
    detail::denseRows<4>(x + r * in, w, bias, y + r * units, in, units);
  remainderTile<4>(rows - full, [&](auto tail) {
    detail::denseRows<decltype(tail)::value>(x + full * in, w, bias, y + full * units, in, units);
  });
  if (A == Act::linear && !residual)
    return;
  for (std::size_t i = 0; i < rows; ++i)
    epilogue_row<A>(y + i * units, nullptr, residual ? residual + i * units : nullptr,
                    y + i * units, units);
}

} // namespace rt
} // namespace kiln

#endif
