// Dropout in training: a counter-based random mask, recomputed rather than
// stored, identical on every run and thread count.
#ifndef KILN_RT_TRAIN_DROPOUT_H
#define KILN_RT_TRAIN_DROPOUT_H

#include <cstddef>
#include <cstdint>

namespace kiln {
namespace rt {
namespace detail {
/// splitmix64's finalizer: a well-mixed 64-bit hash.
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// Element i's uniform draw in [0, 1) for this seed and step.
inline float dropoutDraw(std::int64_t seed, std::int64_t step, std::size_t i) {
  std::uint64_t key = mix64(std::uint64_t(seed) * 0x9e3779b97f4a7c15ull ^ std::uint64_t(step));
  return float(mix64(key + std::uint64_t(i)) >> 40) * (1.0f / 16777216.0f);
}
} // namespace detail

/// y = x / (1 - rate) where the draw is at least `rate`, else 0 (Keras's
/// inverted dropout). `step` is the optimizer's step count.
inline void dropout_f32(const float *x, float *y, std::size_t n, float rate, std::int64_t seed,
                        std::int64_t step) {
  const float scale = 1.0f / (1.0f - rate);
  for (std::size_t i = 0; i < n; ++i)
    y[i] = detail::dropoutDraw(seed, step, i) >= rate ? x[i] * scale : 0.0f;
}

/// The gradient: the same mask and scale applied to dy.
inline void dropout_grad_f32(const float *dy, float *dx, std::size_t n, float rate,
                             std::int64_t seed, std::int64_t step) {
  dropout_f32(dy, dx, n, rate, seed, step);
}

} // namespace rt
} // namespace kiln

#endif
