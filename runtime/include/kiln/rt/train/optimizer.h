// Keras optimizers' update rules, one weight at a time, with Keras's
// order: clip the gradient, decay the weight, then update it.
#ifndef KILN_RT_TRAIN_OPTIMIZER_H
#define KILN_RT_TRAIN_OPTIMIZER_H

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

inline float clipped(float g, float factor, float clipvalue) {
  g *= factor;
  if (clipvalue > 0.0f)
    g = g < -clipvalue ? -clipvalue : (g > clipvalue ? clipvalue : g);
  return g;
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
    float *m = state;
    for (std::size_t i = 0; i < n; ++i) {
      float gi = detail::clipped(g[i], factor, p.clipvalue);
      if (p.momentum == 0.0f) {
        w[i] -= gi * lr;
        continue;
      }
      m[i] = m[i] * p.momentum - gi * lr;
      w[i] += p.nesterov ? m[i] * p.momentum - gi * lr : m[i];
    }
  } else if constexpr (O == Optimizer::adam || O == Optimizer::adamw) {
    float *m = state, *v = state + slot, *vhat = state + 2 * slot;
    const float t = static_cast<float>(iterations + 1);
    const float b1 = std::pow(p.beta_1, t), b2 = std::pow(p.beta_2, t);
    const float alpha = lr * std::sqrt(1.0f - b2) / (1.0f - b1);
    for (std::size_t i = 0; i < n; ++i) {
      float gi = detail::clipped(g[i], factor, p.clipvalue);
      m[i] += (gi - m[i]) * (1.0f - p.beta_1);
      v[i] += (gi * gi - v[i]) * (1.0f - p.beta_2);
      float vi = v[i];
      if (p.amsgrad) {
        vhat[i] = vhat[i] > vi ? vhat[i] : vi;
        vi = vhat[i];
      }
      w[i] -= (m[i] * alpha) / (std::sqrt(vi) + p.epsilon);
    }
  } else { // rmsprop: velocity, then momentum and average gradient if used
    float *vel = state;
    float *mom = p.momentum > 0.0f ? state + slot : nullptr;
    float *avg = p.centered ? state + (mom ? 2 : 1) * slot : nullptr;
    for (std::size_t i = 0; i < n; ++i) {
      float gi = detail::clipped(g[i], factor, p.clipvalue);
      vel[i] = p.rho * vel[i] + (1.0f - p.rho) * gi * gi;
      float denominator = vel[i];
      if (avg) {
        avg[i] = p.rho * avg[i] + (1.0f - p.rho) * gi;
        denominator -= avg[i] * avg[i];
      }
      float increment = lr * gi / std::sqrt(denominator + p.epsilon);
      if (mom) {
        mom[i] = p.momentum * mom[i] + increment;
        w[i] -= mom[i];
      } else {
        w[i] -= increment;
      }
    }
  }
}

} // namespace rt
} // namespace kiln

#endif
