// Dense layer: y = act(x · W + b + residual), W stored (in, units) row-major
// as Keras does.
#ifndef KILN_RT_GEMM_DENSE_H
#define KILN_RT_GEMM_DENSE_H

#include "kiln/rt/eltwise/activation.h"

#include <cassert>
#include <cstddef>

namespace kiln {
namespace rt {

/// Reference kernel: rows are independent, and each row accumulates
/// x[k] * W[k, :] into y[:], so the inner loop is a contiguous axpy the
/// compiler vectorizes. `bias` and `residual` (shaped like y, added before
/// the activation) may be null. x and y must not alias, nor y and residual.
template <Act A>
inline void dense_f32(const float *x, const float *w, const float *bias,
                      float *y, std::size_t rows, std::size_t in,
                      std::size_t units, const float *residual = nullptr) {
  assert(x != y && residual != y);
  for (std::size_t r = 0; r < rows; ++r) {
    const float *xr = x + r * in;
    float *yr = y + r * units;
    for (std::size_t j = 0; j < units; ++j)
      yr[j] = bias ? bias[j] : 0.0f;
    for (std::size_t k = 0; k < in; ++k) {
      const float xk = xr[k];
      const float *wk = w + k * units;
      for (std::size_t j = 0; j < units; ++j)
        yr[j] += xk * wk[j];
    }
    if (residual) {
      const float *rr = residual + r * units;
      for (std::size_t j = 0; j < units; ++j)
        yr[j] = activate<A>(yr[j] + rr[j]);
    } else {
      for (std::size_t j = 0; j < units; ++j)
        yr[j] = activate<A>(yr[j]);
    }
  }
}

} // namespace rt
} // namespace kiln

#endif
