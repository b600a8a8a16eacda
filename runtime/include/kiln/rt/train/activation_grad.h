// Derivatives of the elementwise activations and of softmax, for training.
// They use the exact libm functions: gradients feed weight updates that
// accumulate over many steps.
#ifndef KILN_RT_TRAIN_ACTIVATION_GRAD_H
#define KILN_RT_TRAIN_ACTIVATION_GRAD_H

#include "kiln/rt/eltwise/activation.h"

#include <cmath>
#include <cstddef>

namespace kiln {
namespace rt {
namespace detail {
KILN_RT_ALWAYS_INLINE float exactSigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
KILN_RT_ALWAYS_INLINE float hardSigmoidSlope(float x) { return x > -3.0f && x < 3.0f ? 1.0f / 6.0f : 0.0f; }
} // namespace detail

/// act'(x) from the activation's input x.
template <Act A> KILN_RT_ALWAYS_INLINE float derivative(float x) {
  using namespace detail;
  if constexpr (A == Act::linear) return 1.0f;
  else if constexpr (A == Act::relu) return x > 0.0f ? 1.0f : 0.0f;
  else if constexpr (A == Act::relu6) return x > 0.0f && x < 6.0f ? 1.0f : 0.0f;
  else if constexpr (A == Act::leaky_relu) return x >= 0.0f ? 1.0f : 0.2f;
  else if constexpr (A == Act::elu) return x > 0.0f ? 1.0f : std::exp(x);
  else if constexpr (A == Act::selu) {
    constexpr float kAlpha = 1.6732632423543772f, kScale = 1.0507009873554805f;
    return kScale * (x > 0.0f ? 1.0f : kAlpha * std::exp(x));
  } else if constexpr (A == Act::gelu) {
    // Φ(x) + x φ(x)
    return 0.5f * (1.0f + std::erf(x * 0.70710678118654752f)) +
           x * 0.3989422804014327f * std::exp(-0.5f * x * x);
  } else if constexpr (A == Act::gelu_tanh) {
    constexpr float kC = 0.7978845608028654f;
    float t = std::tanh(kC * (x + 0.044715f * x * x * x));
    return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * kC * (1.0f + 3.0f * 0.044715f * x * x);
  } else if constexpr (A == Act::silu) {
    float s = exactSigmoid(x);
    return s * (1.0f + x * (1.0f - s));
  } else if constexpr (A == Act::hard_sigmoid) return hardSigmoidSlope(x);
  else if constexpr (A == Act::hard_silu)
    return clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f + x * hardSigmoidSlope(x);
  else if constexpr (A == Act::sigmoid) {
    float s = exactSigmoid(x);
    return s * (1.0f - s);
  } else if constexpr (A == Act::tanh) {
    float t = std::tanh(x);
    return 1.0f - t * t;
  } else if constexpr (A == Act::softplus) return exactSigmoid(x);
  else if constexpr (A == Act::softsign) {
    float d = 1.0f + std::fabs(x);
    return 1.0f / (d * d);
  } else if constexpr (A == Act::exponential) return std::exp(x);
  else if constexpr (A == Act::mish) {
    float t = std::tanh(softplus(x));
    return t + x * (1.0f - t * t) * exactSigmoid(x);
  } else if constexpr (A == Act::log_sigmoid) return exactSigmoid(-x);
  else if constexpr (A == Act::hard_tanh) return x > -1.0f && x < 1.0f ? 1.0f : 0.0f;
  else if constexpr (A == Act::abs) return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f);
  else if constexpr (A == Act::negative) return -1.0f;
  else if constexpr (A == Act::square) return 2.0f * x;
  else if constexpr (A == Act::sqrt) return 0.5f / std::sqrt(x);
  else if constexpr (A == Act::log) return 1.0f / x;
  else if constexpr (A == Act::rsqrt) return -0.5f / (x * std::sqrt(x));
  else if constexpr (A == Act::celu) return x > 0.0f ? 1.0f : std::exp(x);
  else if constexpr (A == Act::squareplus) return 0.5f * (1.0f + x / std::sqrt(x * x + 4.0f));
  else if constexpr (A == Act::soft_shrink || A == Act::hard_shrink)
    return std::fabs(x) > 0.5f ? 1.0f : 0.0f;
  else if constexpr (A == Act::tanh_shrink) {
    float t = std::tanh(x);
    return t * t;
  } else if constexpr (A == Act::sparse_plus)
    return x <= -1.0f ? 0.0f : (x >= 1.0f ? 1.0f : 0.5f * (x + 1.0f));
  else if constexpr (A == Act::sparse_sigmoid) return x > -1.0f && x < 1.0f ? 0.5f : 0.0f;
  else if constexpr (A == Act::threshold) return x > 0.0f ? 1.0f : 0.0f;
  else if constexpr (A == Act::hard_sigmoid_keras2) return x > -2.5f && x < 2.5f ? 0.2f : 0.0f;
  else {
    static_assert(A == Act::linear, "kiln has no derivative of this activation");
    return 0.0f;
  }
}

/// act'(x) from the activation's result y, for the kinds it determines.
template <Act A> KILN_RT_ALWAYS_INLINE float derivative_from_result(float y) {
  if constexpr (A == Act::linear) return 1.0f;
  else if constexpr (A == Act::relu) return y > 0.0f ? 1.0f : 0.0f;
  else if constexpr (A == Act::sigmoid) return y * (1.0f - y);
  else if constexpr (A == Act::tanh) return 1.0f - y * y;
  else if constexpr (A == Act::exponential) return y;
  else {
    static_assert(A == Act::linear, "this derivative needs the activation's input");
    return 0.0f;
  }
}

/// Whether act'(x) follows from the activation's result alone.
template <Act A> constexpr bool derivable_from_result() {
  return A == Act::linear || A == Act::relu || A == Act::sigmoid || A == Act::tanh ||
         A == Act::exponential;
}

/// act'(x) given both x and y = act(x): from y where that suffices (no
/// second evaluation), else from x.
template <Act A> KILN_RT_ALWAYS_INLINE float derivative_at(float x, float y) {
  if constexpr (derivable_from_result<A>())
    return derivative_from_result<A>(y);
  else
    return derivative<A>(x);
}

/// dx = dy · act'(v), v the activation's input x, or its result y when
/// `from_result`.
template <Act A>
inline void activation_grad_f32(const float *dy, const float *v, float *dx, std::size_t n,
                                bool from_result) {
  if constexpr (derivable_from_result<A>()) {
    if (from_result) {
      for (std::size_t i = 0; i < n; ++i)
        dx[i] = dy[i] * derivative_from_result<A>(v[i]);
      return;
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    dx[i] = dy[i] * derivative<A>(v[i]);
}

/// The parameterized ReLU, LeakyReLU and ELU layers (activate_param).
template <Act A>
inline void activation_param_grad_f32(const float *dy, const float *x, float *dx,
                                      std::size_t n, float alpha, float max_value,
                                      float threshold) {
  for (std::size_t i = 0; i < n; ++i) {
    float v = x[i], d;
    if constexpr (A == Act::relu)
      d = v > threshold ? (v < max_value ? 1.0f : 0.0f) : alpha;
    else if constexpr (A == Act::leaky_relu)
      d = v >= 0.0f ? 1.0f : alpha;
    else if constexpr (A == Act::elu)
      d = v > 0.0f ? 1.0f : alpha * std::exp(v);
    else
      d = derivative<A>(v);
    dx[i] = dy[i] * d;
  }
}

/// Softmax backward from its result y along an axis of n elements, seen
/// as (outer, n, inner): dx = y (dy - Σ dy y); log-softmax: dx = dy - e^y Σ dy.
inline void softmax_grad_f32(const float *dy, const float *y, float *dx, std::size_t outer,
                             std::size_t n, std::size_t inner, bool log) {
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t i = 0; i < inner; ++i) {
      const std::size_t base = o * n * inner + i;
      float s = 0.0f;
      for (std::size_t j = 0; j < n; ++j) {
        std::size_t at = base + j * inner;
        s += log ? dy[at] : dy[at] * y[at];
      }
      for (std::size_t j = 0; j < n; ++j) {
        std::size_t at = base + j * inner;
        dx[at] = log ? dy[at] - std::exp(y[at]) * s : y[at] * (dy[at] - s);
      }
    }
}

} // namespace rt
} // namespace kiln

#endif
