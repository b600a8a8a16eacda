// Elementwise activations with Keras 3 semantics (JAX backend formulas).
// tanh and gelu use the branch-free fastmath.h forms, so loops over them
// vectorize; sigmoid and silu have vecmath.h's lane forms, which the
// activation loops run on whole registers; the rest use <cmath> where
// accuracy near 0 needs it (expm1, log1p).
#ifndef KILN_RT_ELTWISE_ACTIVATION_H
#define KILN_RT_ELTWISE_ACTIVATION_H

#include "kiln/rt/eltwise/fastmath.h"
#include "kiln/rt/eltwise/vecmath.h"

#include <cmath>
#include <cstddef>

namespace kiln {
namespace rt {

// The names match the `#kiln.activation<...>` enum one to one; the
// compiler emits `kiln::rt::Act::<name>` as a template argument.
enum class Act {
  linear, relu, relu6, leaky_relu, elu, selu, gelu, gelu_tanh, silu,
  hard_sigmoid, hard_silu, sigmoid, tanh, softplus, softsign, exponential,
  celu, mish, log_sigmoid, squareplus, soft_shrink, hard_shrink, hard_tanh,
  tanh_shrink, sparse_plus, sparse_sigmoid, threshold, hard_sigmoid_keras2,
  abs, negative, square, sqrt, log, rsqrt
};

namespace detail {
KILN_RT_ALWAYS_INLINE float softplus(float x) {
  // log(1 + e^x) without overflow for large x or underflow for small x.
  return x > 0.0f ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}
KILN_RT_ALWAYS_INLINE float sigmoid(float x) { return vecmath::sigmoid(x); }
KILN_RT_ALWAYS_INLINE float clamp(float x, float lo, float hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}
} // namespace detail

template <Act A> KILN_RT_ALWAYS_INLINE float activate(float x) {
  using namespace detail;
  if constexpr (A == Act::linear) return x;
  else if constexpr (A == Act::relu) return x > 0.0f ? x : 0.0f;
  else if constexpr (A == Act::relu6) return clamp(x, 0.0f, 6.0f);
  else if constexpr (A == Act::leaky_relu) return x >= 0.0f ? x : 0.2f * x;
  else if constexpr (A == Act::elu) return x > 0.0f ? x : std::expm1(x);
  else if constexpr (A == Act::selu) {
    constexpr float kAlpha = 1.6732632423543772f, kScale = 1.0507009873554805f;
    return kScale * (x > 0.0f ? x : kAlpha * std::expm1(x));
  } else if constexpr (A == Act::gelu)
    return 0.5f * x * (1.0f + fast::erf(x * 0.70710678118654752f));
  else if constexpr (A == Act::gelu_tanh) {
    constexpr float kC = 0.7978845608028654f; // sqrt(2/pi)
    return 0.5f * x * (1.0f + fast::tanh(kC * (x + 0.044715f * x * x * x)));
  } else if constexpr (A == Act::silu) return vecmath::silu(x);
  else if constexpr (A == Act::hard_sigmoid) return clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f;
  else if constexpr (A == Act::hard_silu) return x * (clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f);
  else if constexpr (A == Act::sigmoid) return sigmoid(x);
  else if constexpr (A == Act::tanh) return fast::tanh(x);
  else if constexpr (A == Act::softplus) return softplus(x);
  else if constexpr (A == Act::softsign) return x / (1.0f + std::fabs(x));
  else if constexpr (A == Act::exponential) return std::exp(x);
  else if constexpr (A == Act::celu) return x > 0.0f ? x : std::expm1(x);
  else if constexpr (A == Act::mish) return x * std::tanh(softplus(x));
  else if constexpr (A == Act::log_sigmoid) return -softplus(-x);
  else if constexpr (A == Act::squareplus) return 0.5f * (x + std::sqrt(x * x + 4.0f));
  else if constexpr (A == Act::soft_shrink)
    return x > 0.5f ? x - 0.5f : (x < -0.5f ? x + 0.5f : 0.0f);
  else if constexpr (A == Act::hard_shrink) return std::fabs(x) > 0.5f ? x : 0.0f;
  else if constexpr (A == Act::hard_tanh) return clamp(x, -1.0f, 1.0f);
  else if constexpr (A == Act::tanh_shrink) return x - std::tanh(x);
  else if constexpr (A == Act::sparse_plus)
    return x <= -1.0f ? 0.0f : (x >= 1.0f ? x : 0.25f * (x + 1.0f) * (x + 1.0f));
  else if constexpr (A == Act::sparse_sigmoid) return 0.5f * clamp(x + 1.0f, 0.0f, 2.0f);
  else if constexpr (A == Act::threshold) return x > 0.0f ? x : 0.0f;
  else if constexpr (A == Act::hard_sigmoid_keras2) return clamp(0.2f * x + 0.5f, 0.0f, 1.0f);
  else if constexpr (A == Act::abs) return std::fabs(x);
  else if constexpr (A == Act::negative) return -x;
  else if constexpr (A == Act::square) return x * x;
  else if constexpr (A == Act::sqrt) return std::sqrt(x);
  else if constexpr (A == Act::log) return std::log(x);
  else if constexpr (A == Act::rsqrt) return 1.0f / std::sqrt(x);
}

/// Whether act has a lane form in vecmath.h, and that form.
template <Act A> constexpr bool kHasLaneForm = A == Act::sigmoid || A == Act::silu;
template <Act A, class V> KILN_RT_ALWAYS_INLINE V activateLanes(V x) {
  static_assert(kHasLaneForm<A>, "no lane form");
  if constexpr (A == Act::sigmoid)
    return vecmath::sigmoid(x);
  else
    return vecmath::silu(x);
}

/// y[i] = act(x[i]) for n elements; x and y may alias exactly.
template <Act A>
inline void activation_f32(const float *x, float *y, std::size_t n) {
  std::size_t i = 0;
  if constexpr (kHasLaneForm<A>)
    for (; i + vec::kWidth <= n; i += vec::kWidth)
      vec::store(y + i, activateLanes<A>(vec::load(x + i)));
  for (; i < n; ++i)
    y[i] = activate<A>(x[i]);
}

/// The epilogue of a row of sums: y[j] = act(acc[j] + bias[j] + residual[j])
/// for n elements, `bias` and `residual` null when absent. acc and y may
/// alias exactly.
template <Act A>
inline void epilogue_row(const float *acc, const float *bias, const float *residual, float *y,
                         std::size_t n) {
  std::size_t j = 0;
  if constexpr (kHasLaneForm<A>)
    for (; j + vec::kWidth <= n; j += vec::kWidth) {
      vec::Vec v = vec::load(acc + j);
      if (bias)
        vec::add(v, vec::load(bias + j));
      if (residual)
        vec::add(v, vec::load(residual + j));
      vec::store(y + j, activateLanes<A>(v));
    }
  for (; j < n; ++j) {
    float v = acc[j];
    if (bias)
      v += bias[j];
    if (residual)
      v += residual[j];
    y[j] = activate<A>(v);
  }
}

/// The Keras ReLU, LeakyReLU and ELU layers' parameterized forms:
/// relu: x > threshold ? min(x, max_value) : alpha * (x - threshold);
/// leaky_relu: x >= 0 ? x : alpha * x; elu: x > 0 ? x : alpha * (e^x - 1).
template <Act A>
inline float activate_param(float v, float alpha, float max_value, float threshold) {
  if constexpr (A == Act::relu)
    return v > threshold ? (v < max_value ? v : max_value) : alpha * (v - threshold);
  else if constexpr (A == Act::leaky_relu)
    return v >= 0.0f ? v : alpha * v;
  else if constexpr (A == Act::elu)
    return v > 0.0f ? v : alpha * std::expm1(v);
  else
    return activate<A>(v);
}

template <Act A>
inline void activation_param_f32(const float *x, float *y, std::size_t n, float alpha,
                                 float max_value, float threshold) {
  for (std::size_t i = 0; i < n; ++i)
    y[i] = activate_param<A>(x[i], alpha, max_value, threshold);
}

} // namespace rt
} // namespace kiln

#endif
