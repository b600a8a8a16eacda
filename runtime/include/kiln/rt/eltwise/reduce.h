// Reductions over the middle axis of an (outer, n, inner) view.
#ifndef KILN_RT_ELTWISE_REDUCE_H
#define KILN_RT_ELTWISE_REDUCE_H

#include "kiln/rt/eltwise/vecmath.h"

#include <cstddef>

namespace kiln {
namespace rt {

// Names match `#kiln.reduce<...>`.
enum class Reduce { sum, mean, max, min };

namespace detail {
/// acc combined with x. max and min keep acc when x is NaN: x > acc ? x : acc.
template <Reduce R, class V> KILN_RT_ALWAYS_INLINE V reduceStep(V acc, V x) {
  using L = vecmath::Lanes<sizeof(V) / sizeof(float)>;
  if constexpr (R == Reduce::sum || R == Reduce::mean)
    return acc + x;
  else if constexpr (R == Reduce::max)
    return L::maxOr(x, acc);
  else
    return L::minOr(x, acc);
}

/// Columns [i0, i0 + kVecs * kWidth) of one outer slice, their partial
/// results in registers while k runs over all n rows: the row-at-a-time
/// form read and wrote every partial result once per row. Each column is
/// still combined in row order, so the bits are those of that form.
template <Reduce R, std::size_t kVecs>
KILN_RT_ALWAYS_INLINE void reduceColumns(const float *xo, float *yo, std::size_t n,
                                         std::size_t inner, std::size_t i0) {
  vec::Vec acc[kVecs];
  unrolled<kVecs>([&](auto v) { acc[v] = vec::load(xo + i0 + v * vec::kWidth); });
  for (std::size_t k = 1; k < n; ++k) {
    const float *xk = xo + k * inner + i0;
    unrolled<kVecs>(
        [&](auto v) { acc[v] = reduceStep<R>(acc[v], vec::load(xk + v * vec::kWidth)); });
  }
  unrolled<kVecs>([&](auto v) { vec::store(yo + i0 + v * vec::kWidth, acc[v]); });
}
} // namespace detail

/// y(outer, inner) = reduce over k of x(outer, k, inner).
template <Reduce R>
inline void reduce_f32(const float *x, float *y, std::size_t outer, std::size_t n,
                       std::size_t inner) {
  constexpr std::size_t W = vec::kWidth;
  for (std::size_t o = 0; o < outer; ++o) {
    const float *xo = x + o * n * inner;
    float *yo = y + o * inner;
    std::size_t i = 0;
    for (; i + 8 * W <= inner; i += 8 * W)
      detail::reduceColumns<R, 8>(xo, yo, n, inner, i);
    if (i + 4 * W <= inner) {
      detail::reduceColumns<R, 4>(xo, yo, n, inner, i);
      i += 4 * W;
    }
    if (i + 2 * W <= inner) {
      detail::reduceColumns<R, 2>(xo, yo, n, inner, i);
      i += 2 * W;
    }
    if (i + W <= inner) {
      detail::reduceColumns<R, 1>(xo, yo, n, inner, i);
      i += W;
    }
    for (; i < inner; ++i) {
      float acc = xo[i];
      for (std::size_t k = 1; k < n; ++k)
        acc = detail::reduceStep<R>(acc, xo[k * inner + i]);
      yo[i] = acc;
    }
    if constexpr (R == Reduce::mean)
      for (std::size_t j = 0; j < inner; ++j)
        yo[j] /= float(n);
  }
}

} // namespace rt
} // namespace kiln

#endif
