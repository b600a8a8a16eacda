// BatchNormalization in training: batch statistics, their gradients, and
// the moving averages Keras keeps. Channels are the last axis: `rows`
// positions of `c` channels.
#ifndef KILN_RT_TRAIN_NORM_GRAD_H
#define KILN_RT_TRAIN_NORM_GRAD_H

#include <cmath>
#include <cstddef>
#include <vector>

namespace kiln {
namespace rt {

/// y = (x - mean) / sqrt(var + eps) · gamma + beta with the batch's mean and
/// biased variance per channel (returned); gamma and beta may be null.
inline void batch_norm_train_f32(const float *x, const float *gamma, const float *beta,
                                 float *y, float *mean, float *var, std::size_t rows,
                                 std::size_t c, float eps) {
  for (std::size_t j = 0; j < c; ++j) {
    double s = 0.0;
    for (std::size_t r = 0; r < rows; ++r)
      s += x[r * c + j];
    const double m = s / double(rows);
    double q = 0.0;
    for (std::size_t r = 0; r < rows; ++r) {
      double d = x[r * c + j] - m;
      q += d * d;
    }
    mean[j] = float(m);
    var[j] = float(q / double(rows));
  }
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < c; ++j) {
      float v = (x[r * c + j] - mean[j]) / std::sqrt(var[j] + eps);
      y[r * c + j] = v * (gamma ? gamma[j] : 1.0f) + (beta ? beta[j] : 0.0f);
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
  for (std::size_t j = 0; j < c; ++j) {
    const float r = 1.0f / std::sqrt(var[j] + eps);
    double sdy = 0.0, sdyx = 0.0;
    for (std::size_t i = 0; i < rows; ++i) {
      float xhat = (x[i * c + j] - mean[j]) * r;
      sdy += dy[i * c + j];
      sdyx += double(dy[i * c + j]) * xhat;
    }
    dgamma[j] = float(sdyx);
    dbeta[j] = float(sdy);
    const float g = (gamma ? gamma[j] : 1.0f) * r;
    const float n = float(rows);
    for (std::size_t i = 0; i < rows; ++i) {
      if (!batch_statistics) {
        dx[i * c + j] = dy[i * c + j] * g;
        continue;
      }
      float xhat = (x[i * c + j] - mean[j]) * r;
      dx[i * c + j] = g / n * (n * dy[i * c + j] - float(sdy) - xhat * float(sdyx));
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
