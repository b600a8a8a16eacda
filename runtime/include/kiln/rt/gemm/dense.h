// Dense layer: y = act(x · W + b + residual), W stored (in, units) row-major
// as Keras does.
#ifndef KILN_RT_GEMM_DENSE_H
#define KILN_RT_GEMM_DENSE_H

#include "kiln/rt/eltwise/activation.h"

#include <cassert>
#include <cstddef>

namespace kiln {
namespace rt {

/// Reference kernel, used where the kernel is not stored as panels (narrow
/// layers, and training, whose weights change): y[r, :] = Σ_k x[r, k] W[k, :],
/// a contiguous axpy the compiler vectorizes. Blocks of rows go through W
/// together, so each kernel row is read once per block rather than once per
/// row; every y[r, j] still sums over k in order. `bias` and `residual`
/// (shaped like y, added before the activation) may be null. x and y must
/// not alias, nor y and residual.
template <Act A>
inline void dense_f32(const float *x, const float *w, const float *bias,
                      float *y, std::size_t rows, std::size_t in,
                      std::size_t units, const float *residual = nullptr) {
  assert(x != y && residual != y);
  constexpr std::size_t kRowBlock = 32;
  for (std::size_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const std::size_t r1 = r0 + kRowBlock < rows ? r0 + kRowBlock : rows;
    for (std::size_t r = r0; r < r1; ++r)
      for (std::size_t j = 0; j < units; ++j)
        y[r * units + j] = bias ? bias[j] : 0.0f;
    for (std::size_t k = 0; k < in; ++k) {
      const float *wk = w + k * units;
      for (std::size_t r = r0; r < r1; ++r) {
        const float xk = x[r * in + k];
        float *yr = y + r * units;
        for (std::size_t j = 0; j < units; ++j)
          yr[j] += xk * wk[j];
      }
    }
    for (std::size_t r = r0; r < r1; ++r) {
      float *yr = y + r * units;
      const float *rr = residual ? residual + r * units : nullptr;
      for (std::size_t j = 0; j < units; ++j)
        yr[j] = activate<A>(rr ? yr[j] + rr[j] : yr[j]);
    }
  }
}

} // namespace rt
} // namespace kiln

#endif
