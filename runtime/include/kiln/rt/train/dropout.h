// The noise layers in training (Dropout, SpatialDropout, GaussianDropout,
// GaussianNoise, AlphaDropout): counter-based random draws, recomputed for
// the gradient rather than stored, identical on every run and thread count.
#ifndef KILN_RT_TRAIN_DROPOUT_H
#define KILN_RT_TRAIN_DROPOUT_H

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace kiln {
namespace rt {

// Names match `#kiln.noise<...>`.
enum class Noise { dropout, gaussian_dropout, gaussian_noise, alpha_dropout };

namespace detail {
/// splitmix64's finalizer: a well-mixed 64-bit hash.
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// The stream of this seed and step.
inline std::uint64_t noiseKey(std::int64_t seed, std::int64_t step) {
  return mix64(std::uint64_t(seed) * 0x9e3779b97f4a7c15ull ^ std::uint64_t(step));
}

/// Draw i of a stream, uniform in [0, 1) with 24 bits.
inline float uniformDraw(std::uint64_t key, std::uint64_t i) {
  return float(mix64(key + i) >> 40) * (1.0f / 16777216.0f);
}

/// Draw i of a stream, standard normal (Box–Muller on two uniform draws).
inline float normalDraw(std::uint64_t key, std::uint64_t i) {
  const float u1 = 1.0f - uniformDraw(key, 2 * i + 1); // in (0, 1]: log is finite
  const float u2 = uniformDraw(key ^ 0x5851f42d4c957f2dull, 2 * i);
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853071795865f * u2);
}

/// SELU's negative saturation, −λα, where AlphaDropout puts dropped elements.
constexpr float kAlphaPrime = -1.6732632423543772f * 1.0507009873554805f;

/// The factor and offset of a noise layer at draw i: y = factor · x + offset
/// (for gaussian_noise `rate` is the standard deviation).
template <Noise K>
inline void noiseAt(std::uint64_t key, std::uint64_t i, float rate, float &factor,
                    float &offset) {
  if constexpr (K == Noise::dropout) {
    factor = uniformDraw(key, i) >= rate ? 1.0f / (1.0f - rate) : 0.0f;
    offset = 0.0f;
  } else if constexpr (K == Noise::gaussian_dropout) {
    factor = 1.0f + std::sqrt(rate / (1.0f - rate)) * normalDraw(key, i);
    offset = 0.0f;
  } else if constexpr (K == Noise::gaussian_noise) {
    factor = 1.0f;
    offset = rate * normalDraw(key, i);
  } else {
    // a·(kept ? x : α') + b keeps a unit-variance, zero-mean input so.
    const float a = 1.0f / std::sqrt((1.0f - rate) * (1.0f + rate * kAlphaPrime * kAlphaPrime));
    const bool kept = uniformDraw(key, i) >= rate;
    factor = kept ? a : 0.0f;
    offset = (kept ? 0.0f : a * kAlphaPrime) - a * kAlphaPrime * rate;
  }
}

/// y = factor·x (+ offset) over the iteration space d0..d3, draw index
/// reached with strides ms* (0 along axes where one draw is shared).
template <Noise K, bool Gradient>
inline void applyNoise(const float *x, float *y, std::size_t d0, std::size_t d1, std::size_t d2,
                       std::size_t d3, std::size_t ms0, std::size_t ms1, std::size_t ms2,
                       std::size_t ms3, float rate, std::int64_t seed, std::int64_t step) {
  const std::uint64_t key = noiseKey(seed, step);
  std::size_t at = 0;
  for (std::size_t i0 = 0; i0 < d0; ++i0)
    for (std::size_t i1 = 0; i1 < d1; ++i1)
      for (std::size_t i2 = 0; i2 < d2; ++i2)
        for (std::size_t i3 = 0; i3 < d3; ++i3, ++at) {
          float factor, offset;
          noiseAt<K>(key, i0 * ms0 + i1 * ms1 + i2 * ms2 + i3 * ms3, rate, factor, offset);
          y[at] = Gradient ? factor * x[at] : factor * x[at] + offset;
        }
}
} // namespace detail

/// The layer's training-time output. `step` is the optimizer's step count.
template <Noise K>
inline void noise_f32(const float *x, float *y, std::size_t d0, std::size_t d1, std::size_t d2,
                      std::size_t d3, std::size_t ms0, std::size_t ms1, std::size_t ms2,
                      std::size_t ms3, float rate, std::int64_t seed, std::int64_t step) {
  detail::applyNoise<K, false>(x, y, d0, d1, d2, d3, ms0, ms1, ms2, ms3, rate, seed, step);
}

/// Its gradient: dy times the same draws' factor.
template <Noise K>
inline void noise_grad_f32(const float *dy, float *dx, std::size_t d0, std::size_t d1,
                           std::size_t d2, std::size_t d3, std::size_t ms0, std::size_t ms1,
                           std::size_t ms2, std::size_t ms3, float rate, std::int64_t seed,
                           std::int64_t step) {
  detail::applyNoise<K, true>(dy, dx, d0, d1, d2, d3, ms0, ms1, ms2, ms3, rate, seed, step);
}

} // namespace rt
} // namespace kiln

#endif
