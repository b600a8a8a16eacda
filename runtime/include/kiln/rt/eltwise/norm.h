// Batch normalization (moving statistics) and layer normalization.
#ifndef KILN_RT_ELTWISE_NORM_H
#define KILN_RT_ELTWISE_NORM_H

#include "kiln/rt/eltwise/vecmath.h"

#include <cmath>
#include <cstddef>

namespace kiln {
namespace rt {

/// x viewed as (outer, c, inner) with the normalized axis in the middle;
/// gamma and beta may be null.
inline void batch_norm_f32(const float *x, const float *mean, const float *var,
                           const float *gamma, const float *beta, float *y, std::size_t outer,
                           std::size_t c, std::size_t inner, float eps) {
  for (std::size_t k = 0; k < c; ++k) {
    const float inv = 1.0f / std::sqrt(var[k] + eps);
    const float scale = gamma ? gamma[k] * inv : inv;
    const float shift = (beta ? beta[k] : 0.0f) - mean[k] * scale;
    for (std::size_t o = 0; o < outer; ++o) {
      const float *xr = x + (o * c + k) * inner;
      float *yr = y + (o * c + k) * inner;
      for (std::size_t i = 0; i < inner; ++i)
        yr[i] = xr[i] * scale + shift;
    }
  }
}

namespace detail {
/// Σ f(x[i]) over n values: one partial sum per vector lane over whole
/// vectors, the lanes added pairwise, then the tail in order. (A single
/// running sum is a chain of n dependent adds the compiler may not
/// reorder: 3 cycles each.) The order depends on n alone.
template <class F>
KILN_RT_ALWAYS_INLINE float lane_sum(const float *x, std::size_t n, const F &f) {
  constexpr std::size_t W = vec::kWidth;
  const std::size_t whole = n / W * W;
  float total = 0.0f;
  if (whole > 0) {
    vec::Vec acc = f(vec::load(x));
    for (std::size_t i = W; i < whole; i += W)
      vec::add(acc, f(vec::load(x + i)));
    alignas(64) float lanes[W];
    vec::store(lanes, acc);
    for (std::size_t half = W / 2; half >= 1; half /= 2)
      for (std::size_t l = 0; l < half; ++l)
        lanes[l] += lanes[l + half];
    total = lanes[0];
  }
  for (std::size_t i = whole; i < n; ++i)
    total += f(x[i]);
  return total;
}
} // namespace detail

/// Mean and (biased) variance of n values, as layer normalization takes
/// them (two passes: the variance of the centered values).
inline void row_moments(const float *x, std::size_t n, float &mean, float &var) {
  mean = detail::lane_sum(x, n, [](auto v) { return v; }) / float(n);
  const float m = mean;
  var = detail::lane_sum(x, n, [m](auto v) {
          using L = vecmath::Lanes<sizeof(v) / sizeof(float)>;
          const auto d = v - L::splat(m);
          return d * d;
        }) /
        float(n);
}

/// Each of `rows` rows of `n` values: (x - mean) / sqrt(var + eps), then
/// * gamma + beta (length n, either may be null). With `rms` (Keras's
/// rms_scaling): x / sqrt(var + eps) * gamma, no centering, no beta.
inline void layer_norm_f32(const float *x, const float *gamma, const float *beta, float *y,
                           std::size_t rows, std::size_t n, float eps, bool rms) {
  for (std::size_t r = 0; r < rows; ++r) {
    const float *xr = x + r * n;
    float *yr = y + r * n;
    float mean, var;
    row_moments(xr, n, mean, var);
    const float inv = 1.0f / std::sqrt(var + eps);
    const float center = rms ? 0.0f : mean;
    for (std::size_t i = 0; i < n; ++i) {
      float v = (xr[i] - center) * inv;
      if (gamma)
        v *= gamma[i];
      if (beta && !rms)
        v += beta[i];
      yr[i] = v;
    }
  }
}

} // namespace rt
} // namespace kiln

#endif
