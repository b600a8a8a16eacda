// Reductions over the middle axis of an (outer, n, inner) view.
#ifndef KILN_RT_ELTWISE_REDUCE_H
#define KILN_RT_ELTWISE_REDUCE_H

#include <cstddef>

namespace kiln {
namespace rt {

// Names match `#kiln.reduce<...>`.
enum class Reduce { sum, mean, max, min };

/// y(outer, inner) = reduce over k of x(outer, k, inner).
template <Reduce R>
inline void reduce_f32(const float *x, float *y, std::size_t outer, std::size_t n,
                       std::size_t inner) {
  for (std::size_t o = 0; o < outer; ++o) {
    const float *xo = x + o * n * inner;
    float *yo = y + o * inner;
    for (std::size_t i = 0; i < inner; ++i)
      yo[i] = xo[i];
    for (std::size_t k = 1; k < n; ++k) {
      const float *xk = xo + k * inner;
      for (std::size_t i = 0; i < inner; ++i) {
        if constexpr (R == Reduce::sum || R == Reduce::mean) yo[i] += xk[i];
        else if constexpr (R == Reduce::max) yo[i] = xk[i] > yo[i] ? xk[i] : yo[i];
        else yo[i] = xk[i] < yo[i] ? xk[i] : yo[i];
      }
    }
    if constexpr (R == Reduce::mean)
      for (std::size_t i = 0; i < inner; ++i)
        yo[i] /= float(n);
  }
}

} // namespace rt
} // namespace kiln

#endif
