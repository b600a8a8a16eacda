// Keras losses and their gradients. A prediction is seen as `rows`
// positions (every axis but the last) of `n` values; the loss is the mean
// over rows of each row's loss, Keras's sum_over_batch_size reduction.
#ifndef KILN_RT_TRAIN_LOSS_H
#define KILN_RT_TRAIN_LOSS_H

#include <cmath>
#include <cstddef>

namespace kiln {
namespace rt {

enum class Loss {
  mean_squared_error,
  mean_absolute_error,
  huber,
  binary_crossentropy,
  categorical_crossentropy,
  sparse_categorical_crossentropy
};

/// Keras's backend epsilon, which clips probabilities.
inline constexpr float kLossEpsilon = 1e-7f;

namespace detail {
inline float clipProbability(float p) {
  return p < kLossEpsilon ? kLossEpsilon : (p > 1.0f - kLossEpsilon ? 1.0f - kLossEpsilon : p);
}
inline bool insideClip(float p) { return p > kLossEpsilon && p < 1.0f - kLossEpsilon; }
inline float logSigmoid(float x) {
  return x >= 0.0f ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
}

/// Row targets after label smoothing, or the one-hot row of a sparse label.
template <Loss L>
inline float rowTarget(const float *t, std::size_t j, std::size_t n, float smoothing) {
  if constexpr (L == Loss::sparse_categorical_crossentropy)
    return static_cast<std::size_t>(t[0]) == j ? 1.0f : 0.0f;
  else if constexpr (L == Loss::categorical_crossentropy)
    return t[j] * (1.0f - smoothing) + smoothing / static_cast<float>(n);
  else if constexpr (L == Loss::binary_crossentropy)
    return t[j] * (1.0f - smoothing) + 0.5f * smoothing;
  else
    return t[j];
}

/// log of the (clipped, renormalized) probabilities or the log-softmax of
/// logits, for the categorical losses: returns log q_j given the row.
struct CategoricalRow {
  const float *p;
  std::size_t n;
  bool from_logits;
  float scale = 0.0f; // 1 / Σp, or the log-sum-exp of logits
  float max = 0.0f;

  CategoricalRow(const float *p, std::size_t n, bool from_logits)
      : p(p), n(n), from_logits(from_logits) {
    if (from_logits) {
      max = p[0];
      for (std::size_t j = 1; j < n; ++j)
        max = p[j] > max ? p[j] : max;
      float s = 0.0f;
      for (std::size_t j = 0; j < n; ++j)
        s += std::exp(p[j] - max);
      scale = std::log(s);
    } else {
      float s = 0.0f;
      for (std::size_t j = 0; j < n; ++j)
        s += p[j];
      scale = 1.0f / s;
    }
  }
  float q(std::size_t j) const { return from_logits ? std::exp(logq(j)) : p[j] * scale; }
  float logq(std::size_t j) const {
    return from_logits ? p[j] - max - scale : std::log(clipProbability(p[j] * scale));
  }
};
} // namespace detail

/// The targets hold `n` values per row, or one class id per row (sparse).
template <Loss L> inline std::size_t loss_target_stride(std::size_t n) {
  return L == Loss::sparse_categorical_crossentropy ? 1 : n;
}

/// loss[0] = mean over rows of the row loss.
template <Loss L>
inline void loss_f32(const float *pred, const float *target, float *loss, std::size_t rows,
                     std::size_t n, bool from_logits, float smoothing, float delta) {
  using namespace detail;
  double total = 0.0;
  for (std::size_t r = 0; r < rows; ++r) {
    const float *p = pred + r * n;
    const float *t = target + r * loss_target_stride<L>(n);
    float row = 0.0f;
    if constexpr (L == Loss::categorical_crossentropy ||
                  L == Loss::sparse_categorical_crossentropy) {
      CategoricalRow c(p, n, from_logits);
      for (std::size_t j = 0; j < n; ++j)
        row -= rowTarget<L>(t, j, n, smoothing) * c.logq(j);
    } else {
      for (std::size_t j = 0; j < n; ++j) {
        float y = rowTarget<L>(t, j, n, smoothing), e = p[j] - y;
        if constexpr (L == Loss::mean_squared_error)
          row += e * e;
        else if constexpr (L == Loss::mean_absolute_error)
          row += std::fabs(e);
        else if constexpr (L == Loss::huber)
          row += std::fabs(e) <= delta ? 0.5f * e * e : delta * std::fabs(e) - 0.5f * delta * delta;
        else if (from_logits)
          row -= y * logSigmoid(p[j]) + (1.0f - y) * logSigmoid(-p[j]);
        else {
          float q = clipProbability(p[j]);
          row -= y * std::log(q) + (1.0f - y) * std::log(1.0f - q);
        }
      }
      row /= static_cast<float>(n);
    }
    total += row;
  }
  loss[0] = static_cast<float>(total / static_cast<double>(rows));
}

/// grad = scale · d(loss_f32)/d(pred). Clipped probabilities get no
/// gradient, as with JAX's clip.
template <Loss L>
inline void loss_grad_f32(const float *pred, const float *target, float *grad,
                          std::size_t rows, std::size_t n, bool from_logits, float smoothing,
                          float delta, float scale) {
  using namespace detail;
  const float perRow = scale / static_cast<float>(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const float *p = pred + r * n;
    const float *t = target + r * loss_target_stride<L>(n);
    float *g = grad + r * n;
    if constexpr (L == Loss::categorical_crossentropy ||
                  L == Loss::sparse_categorical_crossentropy) {
      CategoricalRow c(p, n, from_logits);
      if (from_logits) {
        float ysum = 0.0f;
        for (std::size_t j = 0; j < n; ++j)
          ysum += rowTarget<L>(t, j, n, smoothing);
        for (std::size_t j = 0; j < n; ++j)
          g[j] = perRow * (c.q(j) * ysum - rowTarget<L>(t, j, n, smoothing));
      } else {
        // d/dq_j = -y_j / q_j inside the clip; q = p / Σp adds the
        // renormalization's term: dp_i = (dq_i - Σ_j dq_j q_j) / Σp.
        float dot = 0.0f;
        for (std::size_t j = 0; j < n; ++j) {
          float q = c.q(j);
          g[j] = insideClip(q) ? -rowTarget<L>(t, j, n, smoothing) / q : 0.0f;
          dot += g[j] * q;
        }
        for (std::size_t j = 0; j < n; ++j)
          g[j] = perRow * (g[j] - dot) * c.scale;
      }
      continue;
    }
    const float perValue = perRow / static_cast<float>(n);
    for (std::size_t j = 0; j < n; ++j) {
      float y = rowTarget<L>(t, j, n, smoothing), e = p[j] - y, d;
      if constexpr (L == Loss::mean_squared_error)
        d = 2.0f * e;
      else if constexpr (L == Loss::mean_absolute_error)
        d = e > 0.0f ? 1.0f : (e < 0.0f ? -1.0f : 0.0f);
      else if constexpr (L == Loss::huber)
        d = std::fabs(e) <= delta ? e : (e > 0.0f ? delta : -delta);
      else if (from_logits)
        d = 1.0f / (1.0f + std::exp(-p[j])) - y;
      else
        d = insideClip(p[j]) ? -y / p[j] + (1.0f - y) / (1.0f - p[j]) : 0.0f;
      g[j] = perValue * d;
    }
  }
}

} // namespace rt
} // namespace kiln

#endif
