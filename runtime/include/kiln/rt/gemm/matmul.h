// Batched matrix product: y[b] = a[b] (m x k) * b[b or shared] (k x n).
#ifndef KILN_RT_GEMM_MATMUL_H
#define KILN_RT_GEMM_MATMUL_H

#include <cstddef>

namespace kiln {
namespace rt {

/// `b_batch_stride` is k*n, or 0 when one right-hand matrix serves every
/// batch entry. Row-by-row axpy, like dense_f32, so the inner loop vectorizes.
inline void matmul_f32(const float *a, const float *b, float *y, std::size_t batch,
                       std::size_t m, std::size_t k, std::size_t n,
                       std::size_t b_batch_stride) {
  for (std::size_t p = 0; p < batch; ++p) {
    const float *ap = a + p * m * k;
    const float *bp = b + p * b_batch_stride;
    float *yp = y + p * m * n;
    for (std::size_t i = 0; i < m; ++i) {
      float *yr = yp + i * n;
      for (std::size_t j = 0; j < n; ++j)
        yr[j] = 0.0f;
      for (std::size_t q = 0; q < k; ++q) {
        const float aiq = ap[i * k + q];
        const float *bq = bp + q * n;
        for (std::size_t j = 0; j < n; ++j)
          yr[j] += aiq * bq[j];
      }
    }
  }
}

} // namespace rt
} // namespace kiln

#endif
