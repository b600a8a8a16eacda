// BatchNormalization in training: batch statistics, their gradients, and
// the moving averages Keras keeps. Channels are the last axis: `rows`
// positions of `c` channels.
#ifndef KILN_RT_TRAIN_NORM_GRAD_H
#define KILN_RT_TRAIN_NORM_GRAD_H

#include <cmath>
#include <cstddef>

namespace kiln {
namespace rt {

namespace detail {
/// Channels per chunk: the per-channel sums of a chunk live on the stack
/// (train_step allocates nothing) and each row's chunk is contiguous, so
/// the inner loops run along channels and vectorize.
constexpr std::size_t kNormChunk = 64;
/// Rows summed in float before the sum joins the double total: vectorized
/// float sums, with rounding that stays at the level of a short sum.
constexpr std::size_t kNormRowBlock = 64;

/// total[j] = Σ_r f(r, j) for channels [j0, j0 + width), in double.
template <class Term>
inline void channelSums(std::size_t rows, std::size_t width, double *total, Term term) {
  for (std::size_t j = 0; j < width; ++j)
    total[j] = 0.0;
  float part[kNormChunk];
  for (std::size_t r0 = 0; r0 < rows; r0 += kNormRowBlock) {
    const std::size_t r1 = r0 + kNormRowBlock < rows ? r0 + kNormRowBlock : rows;
    for (std::size_t j = 0; j < width; ++j)
      part[j] = 0.0f;
    for (std::size_t r = r0; r < r1; ++r)
      for (std::size_t j = 0; j < width; ++j)
        part[j] += term(r, j);
    for (std::size_t j = 0; j < width; ++j)
      total[j] += double(part[j]);
  }
}
} // namespace detail

/// y = (x - mean) / sqrt(var + eps) · gamma + beta with the batch's mean and
/// biased variance per channel (returned); gamma and beta may be null.
inline void batch_norm_train_f32(const float *x, const float *gamma, const float *beta,
                                 float *y, float *mean, float *var, std::size_t rows,
                                 std::size_t c, float eps) {
  using detail::kNormChunk;
  for (std::size_t j0 = 0; j0 < c; j0 += kNormChunk) {
    const std::size_t width = c - j0 < kNormChunk ? c - j0 : kNormChunk;
    const float *xc = x + j0;
    double sum[kNormChunk], sq[kNormChunk];
    detail::channelSums(rows, width, sum, [&](std::size_t r, std::size_t j) { return xc[r * c + j]; });
    float m[kNormChunk], scale[kNormChunk], shift[kNormChunk];
    for (std::size_t j = 0; j < width; ++j)
      m[j] = float(sum[j] / double(rows));
    // Two passes: the variance from the deviations, not from Σx² − N·m².
    detail::channelSums(rows, width, sq, [&](std::size_t r, std::size_t j) {
      const float d = xc[r * c + j] - m[j];
      return d * d;
    });
    for (std::size_t j = 0; j < width; ++j) {
      mean[j0 + j] = m[j];
      var[j0 + j] = float(sq[j] / double(rows));
      // y = x · scale + shift, as Keras's batch_normalization computes it.
      scale[j] = (gamma ? gamma[j0 + j] : 1.0f) / std::sqrt(var[j0 + j] + eps);
      shift[j] = (beta ? beta[j0 + j] : 0.0f) - m[j] * scale[j];
    }
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t j = 0; j < width; ++j)
        y[r * c + j0 + j] = xc[r * c + j] * scale[j] + shift[j];
  }
}

/// Gradients of batch normalization given dy: dx, dgamma = Σ dy·x̂ and
/// dbeta = Σ dy per channel. With `batch_statistics`, mean and var are the
/// batch's own, and dx = γr/N · (N·dy − Σdy − x̂·Σ dy·x̂); otherwise they are
/// constants (the moving statistics) and dx = dy·γr.
inline void batch_norm_grad_f32(const float *dy, const float *x, const float *mean,
                                const float *var, const float *gamma, float *dx,
                                float *dgamma, float *dbeta, std::size_t rows, std::size_t c,
                                float eps, bool batch_statistics) {
  using detail::kNormChunk;
  for (std::size_t j0 = 0; j0 < c; j0 += kNormChunk) {
    const std::size_t width = c - j0 < kNormChunk ? c - j0 : kNormChunk;
    const float *xc = x + j0, *dyc = dy + j0;
    float m[kNormChunk], r[kNormChunk];
    for (std::size_t j = 0; j < width; ++j) {
      m[j] = mean[j0 + j];
      r[j] = 1.0f / std::sqrt(var[j0 + j] + eps);
    }
    double sdy[kNormChunk], sdyx[kNormChunk];
    detail::channelSums(rows, width, sdy, [&](std::size_t i, std::size_t j) { return dyc[i * c + j]; });
    detail::channelSums(rows, width, sdyx, [&](std::size_t i, std::size_t j) {
      return dyc[i * c + j] * ((xc[i * c + j] - m[j]) * r[j]);
    });
    // dx = a·dy + b·x̂ + d per channel.
    float a[kNormChunk], b[kNormChunk], d[kNormChunk];
    const float n = float(rows);
    for (std::size_t j = 0; j < width; ++j) {
      dgamma[j0 + j] = float(sdyx[j]);
      dbeta[j0 + j] = float(sdy[j]);
      const float g = (gamma ? gamma[j0 + j] : 1.0f) * r[j];
      a[j] = g;
      b[j] = batch_statistics ? -g / n * float(sdyx[j]) : 0.0f;
      d[j] = batch_statistics ? -g / n * float(sdy[j]) : 0.0f;
    }
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < width; ++j) {
        const float xhat = (xc[i * c + j] - m[j]) * r[j];
        dx[i * c + j0 + j] = a[j] * dyc[i * c + j] + b[j] * xhat + d[j];
      }
  }
}

/// w = w · momentum + v · (1 − momentum), Keras's moving statistics.
inline void moving_average_update_f32(float *w, const float *v, std::size_t n, float momentum) {
  for (std::size_t i = 0; i < n; ++i)
    w[i] = w[i] * momentum + v[i] * (1.0f - momentum);
}

} // namespace rt
} // namespace kiln

#endif
