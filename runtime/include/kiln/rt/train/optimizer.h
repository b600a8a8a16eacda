// Keras optimizers' update rules, one weight at a time, with Keras's
// order: clip the gradient, decay the weight, then update it.
#ifndef KILN_RT_TRAIN_OPTIMIZER_H
#define KILN_RT_TRAIN_OPTIMIZER_H

#include "kiln/rt/gemm/tile.h"

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace kiln {
namespace rt {

enum class Optimizer { sgd, adam, adamw, rmsprop };

/// Hyperparameters as Keras names them; a clip or decay of 0 is unset.
struct OptimizerParams {
  float learning_rate;
  float momentum, beta_1, beta_2, epsilon, rho;
  bool nesterov, amsgrad, centered;
  float clipnorm, clipvalue, weight_decay;
};

namespace detail {
/// Factor clip_by_norm scales the gradient by (1 when not clipping).
inline float clipNormFactor(const float *g, std::size_t n, float clipnorm) {
  if (clipnorm <= 0.0f)
    return 1.0f;
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    sum += double(g[i]) * g[i];
  float norm = static_cast<float>(std::sqrt(sum));
  return norm > clipnorm ? clipnorm / norm : 1.0f;
}

/// The bound clipped() takes: clipvalue, or infinity when it is unset, so
/// the update loops have no branch.
inline float clipBound(float clipvalue) { return clipvalue > 0.0f ? clipvalue : INFINITY; }

inline float clipped(float g, float factor, float bound) {
  g *= factor;
  return g < -bound ? -bound : (g > bound ? bound : g);
}

// The update loops, one per combination of options so no option is tested
// per element. The arrays never alias; __restrict says so, which is what
// lets loops over this many arrays vectorize.

template <bool Momentum, bool Nesterov>
inline void sgdStep(float *__restrict w, const float *__restrict g, float *__restrict m,
                    std::size_t n, float factor, float clipvalue, float lr, float momentum) {
  const float bound = clipBound(clipvalue);
  for (std::size_t i = 0; i < n; ++i) {
    const float gi = clipped(g[i], factor, bound);
    if constexpr (!Momentum) {
      w[i] -= gi * lr;
    } else {
      m[i] = m[i] * momentum - gi * lr;
      w[i] += Nesterov ? m[i] * momentum - gi * lr : m[i];
    }
  }
}

// Adam divides by a root: 16 lanes at a time it multiplies by a reciprocal
// estimate refined by Newton's method (isa::reciprocal), within 2 ulp of
// the quotient. On AVX-512 the division bounds the loop while the weights
// are in cache: 10-20 % faster there (runtime/bench BM_Adam). The
// remainder divides.

/// Adam's moments for elements [i0, i0 + len); d receives the divisors
/// sqrt(v) + epsilon.
template <bool AmsGrad>
KILN_RT_ALWAYS_INLINE void adamMoments(const float *__restrict g, float *__restrict m,
                                       float *__restrict v, float *__restrict vhat,
                                       std::size_t i0, std::size_t len, float factor,
                                       float bound, const OptimizerParams &p,
                                       float *__restrict d) {
  const float beta1 = p.beta_1, beta2 = p.beta_2, epsilon = p.epsilon;
  for (std::size_t j = 0; j < len; ++j) {
    const std::size_t i = i0 + j;
    const float gi = clipped(g[i], factor, bound);
    m[i] += (gi - m[i]) * (1.0f - beta1);
    v[i] += (gi * gi - v[i]) * (1.0f - beta2);
    float vi = v[i];
    if constexpr (AmsGrad) {
      vhat[i] = vhat[i] > vi ? vhat[i] : vi;
      vi = vhat[i];
    }
    d[j] = std::sqrt(vi) + epsilon;
  }
}

template <bool AmsGrad>
inline void adamStep(float *__restrict w, const float *__restrict g, float *__restrict m,
                     float *__restrict v, float *__restrict vhat, std::size_t n, float factor,
                     float alpha, const OptimizerParams &p) {
  const float bound = clipBound(p.clipvalue);
  const std::size_t whole = n / kPanel * kPanel;
  alignas(64) float d[kPanel];
  for (std::size_t i0 = 0; i0 < whole; i0 += kPanel) {
    adamMoments<AmsGrad>(g, m, v, vhat, i0, kPanel, factor, bound, p, d);
    isa::Row16 step = isa::zero(), wi = isa::load(w + i0);
    isa::fma(step, -alpha, isa::load(m + i0));
    isa::fmav(wi, step, isa::reciprocal(isa::load(d)));
    isa::store(w + i0, wi);
  }
  adamMoments<AmsGrad>(g, m, v, vhat, whole, n - whole, factor, bound, p, d);
  for (std::size_t j = 0; j < n - whole; ++j)
    w[whole + j] -= (m[whole + j] * alpha) / d[j];
}

template <bool Momentum, bool Centered>
inline void rmspropStep(float *__restrict w, const float *__restrict g, float *__restrict vel,
                        float *__restrict mom, float *__restrict avg, std::size_t n,
                        float factor, float lr, const OptimizerParams &p) {
  const float rho = p.rho, epsilon = p.epsilon, momentum = p.momentum;
  const float bound = clipBound(p.clipvalue);
  for (std::size_t i = 0; i < n; ++i) {
    const float gi = clipped(g[i], factor, bound);
    vel[i] = rho * vel[i] + (1.0f - rho) * gi * gi;
    float denominator = vel[i];
    if constexpr (Centered) {
      avg[i] = rho * avg[i] + (1.0f - rho) * gi;
      denominator -= avg[i] * avg[i];
    }
    const float increment = lr * gi / std::sqrt(denominator + epsilon);
    if constexpr (Momentum) {
      mom[i] = momentum * mom[i] + increment;
      w[i] -= mom[i];
    } else {
      w[i] -= increment;
    }
  }
}
} // namespace detail

/// One step on weight w (n floats) from gradient g. `state` holds the
/// optimizer's slots, n floats each (64-byte aligned), zero before the
/// first step; `iterations` counts the steps before this one. g is not
/// written: several weights may share one gradient buffer.
template <Optimizer O>
inline void optimizer_update_f32(float *w, const float *g, float *state, std::size_t n,
                                 std::int64_t iterations, const OptimizerParams &p) {
  const std::size_t slot = (n + 15) / 16 * 16;
  const float factor = detail::clipNormFactor(g, n, p.clipnorm);
  const float lr = p.learning_rate;
  if (p.weight_decay > 0.0f)
    for (std::size_t i = 0; i < n; ++i)
      w[i] -= w[i] * p.weight_decay * lr;
  if constexpr (O == Optimizer::sgd) {
    if (p.momentum == 0.0f)
      detail::sgdStep<false, false>(w, g, state, n, factor, p.clipvalue, lr, 0.0f);
    else if (p.nesterov)
      detail::sgdStep<true, true>(w, g, state, n, factor, p.clipvalue, lr, p.momentum);
    else
      detail::sgdStep<true, false>(w, g, state, n, factor, p.clipvalue, lr, p.momentum);
  } else if constexpr (O == Optimizer::adam || O == Optimizer::adamw) {
    const float t = static_cast<float>(iterations + 1);
    const float b1 = std::pow(p.beta_1, t), b2 = std::pow(p.beta_2, t);
    const float alpha = lr * std::sqrt(1.0f - b2) / (1.0f - b1);
    float *m = state, *v = state + slot;
    if (p.amsgrad)
      detail::adamStep<true>(w, g, m, v, state + 2 * slot, n, factor, alpha, p);
    else
      detail::adamStep<false>(w, g, m, v, nullptr, n, factor, alpha, p);
  } else { // rmsprop: velocity, then momentum and average gradient if used
    const bool momentum = p.momentum > 0.0f;
    float *mom = momentum ? state + slot : nullptr;
    float *avg = p.centered ? state + (momentum ? 2 : 1) * slot : nullptr;
    if (momentum && p.centered)
      detail::rmspropStep<true, true>(w, g, state, mom, avg, n, factor, lr, p);
    else if (momentum)
      detail::rmspropStep<true, false>(w, g, state, mom, nullptr, n, factor, lr, p);
    else if (p.centered)
      detail::rmspropStep<false, true>(w, g, state, nullptr, avg, n, factor, lr, p);
    else
      detail::rmspropStep<false, false>(w, g, state, nullptr, nullptr, n, factor, lr, p);
  }
}

} // namespace rt
} // namespace kiln

#endif
