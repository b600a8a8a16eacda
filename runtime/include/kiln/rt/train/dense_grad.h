// Backward kernels of Dense: y = x · W (+ b), W stored (in, units) row-major.
#ifndef KILN_RT_TRAIN_DENSE_GRAD_H
#define KILN_RT_TRAIN_DENSE_GRAD_H

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

/// dx = dy · Wᵀ: dx[r, i] = dy[r, :] · W[i, :], both rows contiguous. Kernel
/// rows outside, so each stays in cache while every batch row uses it: W
/// streams from memory once per call, not once per row.
inline void dense_grad_input_f32(const float *dy, const float *w, float *dx, std::size_t rows,
                                 std::size_t in, std::size_t units) {
  for (std::size_t i = 0; i < in; ++i) {
    const float *wi = w + i * units;
    for (std::size_t r = 0; r < rows; ++r)
      dx[r * in + i] = dot_f32(dy + r * units, wi, units);
  }
}

/// dW += xᵀ · dy summed over rows: dW[i, :] += Σ_r x[r, i] · dy[r, :], an
/// axpy per batch row into one kernel row (contiguous, vectorized) that
/// stays in cache until it is done.
inline void dense_grad_kernel_add_f32(const float *x, const float *dy, float *dw,
                                      std::size_t rows, std::size_t in, std::size_t units) {
  for (std::size_t i = 0; i < in; ++i) {
    float *dwi = dw + i * units;
    for (std::size_t r = 0; r < rows; ++r) {
      const float xi = x[r * in + i];
      const float *dyr = dy + r * units;
      for (std::size_t u = 0; u < units; ++u)
        dwi[u] += xi * dyr[u];
    }
  }
}

/// dW = xᵀ · dy summed over rows.
inline void dense_grad_kernel_f32(const float *x, const float *dy, float *dw, std::size_t rows,
                                  std::size_t in, std::size_t units) {
  for (std::size_t i = 0; i < in * units; ++i)
    dw[i] = 0.0f;
  dense_grad_kernel_add_f32(x, dy, dw, rows, in, units);
}

} // namespace rt
} // namespace kiln

#endif
