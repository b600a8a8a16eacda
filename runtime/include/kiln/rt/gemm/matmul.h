// Batched matrix product: y[b] = a[b] (m x k) * b[b or shared] (k x n), as
// attention's scores and context are: many small products whose operands
// are not packed (they are activations), so the tiles read B in place.
#ifndef KILN_RT_GEMM_MATMUL_H
#define KILN_RT_GEMM_MATMUL_H

#include "kiln/rt/eltwise/vecmath.h"
#include "kiln/rt/parallel.h"

#include <cstddef>

namespace kiln {
namespace rt {
namespace detail {

/// Rows of a matmul tile: with 32 vector registers 8 rows x 2 vectors of
/// sums, with 16 (AVX2) 6 x 2; both leave room for B's vectors and A's
/// broadcast value.
constexpr std::size_t kMatmulRows = vec::kRegisters >= 32 ? 8 : 6;

/// y[R x V vectors] = a[R x k] * b[k x V vectors] from the tile's corner;
/// lda, ldb, ldy are row strides. Every sum runs over k in order from 0 by
/// fused multiply-adds, in whichever tile (or the scalar tail) it lands.
template <std::size_t R, std::size_t V>
KILN_RT_ALWAYS_INLINE void matmulTile(const float *a, std::size_t lda, const float *b,
                                      std::size_t ldb, float *y, std::size_t ldy,
                                      std::size_t k) {
  vec::Vec acc[R][V];
  unrolled<R>([&](auto r) { unrolled<V>([&](auto v) { acc[r][v] = vec::zero(); }); });
  for (std::size_t q = 0; q < k; ++q) {
    vec::Vec bv[V];
    unrolled<V>([&](auto v) { bv[v] = vec::load(b + q * ldb + v * vec::kWidth); });
    unrolled<R>([&](auto r) {
      const vec::Vec av = vecmath::Lanes<vec::kWidth>::splat(a[r * lda + q]);
      unrolled<V>([&](auto v) { vec::fma(acc[r][v], av, bv[v]); });
    });
  }
  unrolled<R>([&](auto r) {
    unrolled<V>([&](auto v) { vec::store(y + r * ldy + v * vec::kWidth, acc[r][v]); });
  });
}

/// Rows [0, R) of one product, every column.
template <std::size_t R>
KILN_RT_ALWAYS_INLINE void matmulRows(const float *a, const float *b, float *y, std::size_t k,
                                      std::size_t n) {
  constexpr std::size_t W = vec::kWidth;
  std::size_t j = 0;
  for (; j + 2 * W <= n; j += 2 * W)
    matmulTile<R, 2>(a, k, b + j, n, y + j, n, k);
  if (j + W <= n) {
    matmulTile<R, 1>(a, k, b + j, n, y + j, n, k);
    j += W;
  }
  using L = vecmath::Lanes<1>;
  for (; j < n; ++j)
    for (std::size_t r = 0; r < R; ++r) {
      float acc = 0.0f;
      for (std::size_t q = 0; q < k; ++q)
        acc = L::fmadd(a[r * k + q], b[q * n + j], acc);
      y[r * n + j] = acc;
    }
}
} // namespace detail

/// `b_batch_stride` is k*n, or 0 when one right-hand matrix serves every
/// batch entry. Batch entries run in parallel; each is computed the same
/// way on any thread, so results do not depend on the thread count.
inline void matmul_f32(const float *a, const float *b, float *y, std::size_t batch,
                       std::size_t m, std::size_t k, std::size_t n,
                       std::size_t b_batch_stride) {
  constexpr std::size_t R = detail::kMatmulRows;
  if (k == 0) { // empty sums (and a and b may be null)
    for (std::size_t i = 0; i < batch * m * n; ++i)
      y[i] = 0.0f;
    return;
  }
  parallel_for(batch, [&](std::size_t p) {
    const float *ap = a + p * m * k;
    const float *bp = b + p * b_batch_stride;
    float *yp = y + p * m * n;
    std::size_t i = 0;
    for (; i + R <= m; i += R)
      detail::matmulRows<R>(ap + i * k, bp, yp + i * n, k, n);
    for (; i < m; ++i)
      detail::matmulRows<1>(ap + i * k, bp, yp + i * n, k, n);
  });
}

} // namespace rt
} // namespace kiln

#endif
