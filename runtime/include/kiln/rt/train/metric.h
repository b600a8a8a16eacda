// Keras metrics on one batch: the mean of the metric's per-position value
// over `rows` positions (every axis but the last) of `n` values each, as a
// Keras MeanMetricWrapper reports after one update.
#ifndef KILN_RT_TRAIN_METRIC_H
#define KILN_RT_TRAIN_METRIC_H

#include <cmath>
#include <cstddef>

namespace kiln {
namespace rt {

enum class Metric {
  binary_accuracy,
  categorical_accuracy,
  sparse_categorical_accuracy,
  mean_absolute_error,
  mean_squared_error
};

namespace detail {
/// The first index of the row's largest value, as argmax picks it.
inline std::size_t argmaxRow(const float *row, std::size_t n) {
  std::size_t best = 0;
  for (std::size_t j = 1; j < n; ++j)
    if (row[j] > row[best])
      best = j;
  return best;
}

/// The metric's sum over one row (accuracies count matches).
template <Metric M>
inline double metricRow(const float *p, const float *t, std::size_t n, float threshold) {
  if constexpr (M == Metric::categorical_accuracy)
    return argmaxRow(p, n) == argmaxRow(t, n) ? 1.0 : 0.0;
  if constexpr (M == Metric::sparse_categorical_accuracy)
    return float(argmaxRow(p, n)) == t[0] ? 1.0 : 0.0;
  float sum = 0.0f;
  for (std::size_t j = 0; j < n; ++j) {
    if constexpr (M == Metric::binary_accuracy)
      sum += (p[j] > threshold ? 1.0f : 0.0f) == t[j] ? 1.0f : 0.0f;
    else if constexpr (M == Metric::mean_absolute_error)
      sum += std::fabs(p[j] - t[j]);
    else
      sum += (p[j] - t[j]) * (p[j] - t[j]);
  }
  return sum;
}
} // namespace detail

/// out[0] = the metric over pred (rows x n) and target (rows x n, or rows
/// class ids for sparse_categorical_accuracy).
template <Metric M>
inline void metric_f32(const float *pred, const float *target, float *out, std::size_t rows,
                       std::size_t n, float threshold) {
  constexpr bool perRow = M == Metric::categorical_accuracy ||
                          M == Metric::sparse_categorical_accuracy;
  const std::size_t targetStride = M == Metric::sparse_categorical_accuracy ? 1 : n;
  double sum = 0.0;
  for (std::size_t r = 0; r < rows; ++r)
    sum += detail::metricRow<M>(pred + r * n, target + r * targetStride, n, threshold);
  out[0] = float(sum / double(perRow ? rows : rows * n));
}

} // namespace rt
} // namespace kiln

#endif
