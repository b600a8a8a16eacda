// Keras's L1L2 regularizer penalty and its gradient, for weight regularizers
// (kernel_regularizer, ...) and activity regularizers (scaled by 1 / batch).
#ifndef KILN_RT_TRAIN_REGULARIZATION_H
#define KILN_RT_TRAIN_REGULARIZATION_H

#include <cmath>
#include <cstddef>

namespace kiln {
namespace rt {

/// out[0] = scale * (l1 * Σ|x| + l2 * Σx²). The sums run in double, so the
/// result does not depend on the order float rounding would.
inline void regularization_f32(const float *x, float *out, std::size_t n, float l1, float l2,
                               float scale) {
  double abs_sum = 0.0, square_sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double v = x[i];
    abs_sum += std::fabs(v);
    square_sum += v * v;
  }
  // Keras adds a term only when its factor is nonzero.
  double penalty = 0.0;
  if (l1 != 0.0f)
    penalty += double(l1) * abs_sum;
  if (l2 != 0.0f)
    penalty += double(l2) * square_sum;
  out[0] = static_cast<float>(double(scale) * penalty);
}

/// dx[i] = scale * (l1 * s + 2 * l2 * x[i]), s = +1 where x >= 0 (zero
/// included: JAX's derivative of |x| at 0), else -1.
inline void regularization_grad_f32(const float *x, float *dx, std::size_t n, float l1, float l2,
                                    float scale) {
  const float a = scale * l1, b = 2.0f * scale * l2;
  for (std::size_t i = 0; i < n; ++i) {
    float v = x[i];
    float sign = v >= 0.0f ? 1.0f : -1.0f;
    dx[i] = a * sign + b * v;
  }
}

} // namespace rt
} // namespace kiln

#endif // KILN_RT_TRAIN_REGULARIZATION_H
