// Elementwise binary operations with size-1 broadcasting (Keras merge layers
// and raw arithmetic ops).
#ifndef KILN_RT_ELTWISE_BINARY_H
#define KILN_RT_ELTWISE_BINARY_H

#include <cstddef>

namespace kiln {
namespace rt {

// Names match `#kiln.binary<...>`.
enum class BinOp { add, sub, mul, div, max, min };

template <BinOp O> inline float combine(float a, float b) {
  if constexpr (O == BinOp::add) return a + b;
  else if constexpr (O == BinOp::sub) return a - b;
  else if constexpr (O == BinOp::mul) return a * b;
  else if constexpr (O == BinOp::div) return a / b;
  else if constexpr (O == BinOp::max) return a > b ? a : b;
  else return a < b ? a : b;
}

namespace detail {
/// One innermost row; the common stride patterns get their own loops so the
/// compiler vectorizes them.
template <BinOp O>
inline void binaryRow(const float *a, const float *b, float *y, std::size_t n,
                      std::size_t as, std::size_t bs) {
  if (as == 1 && bs == 1) {
    for (std::size_t i = 0; i < n; ++i) y[i] = combine<O>(a[i], b[i]);
  } else if (as == 1 && bs == 0) {
    const float bv = b[0];
    for (std::size_t i = 0; i < n; ++i) y[i] = combine<O>(a[i], bv);
  } else if (as == 0 && bs == 1) {
    const float av = a[0];
    for (std::size_t i = 0; i < n; ++i) y[i] = combine<O>(av, b[i]);
  } else {
    for (std::size_t i = 0; i < n; ++i) y[i] = combine<O>(a[i * as], b[i * bs]);
  }
}
} // namespace detail

/// y = a (op) b over a 4-D iteration space (d0..d3, row-major, y contiguous).
/// as*/bs* are element strides of a and b; 0 broadcasts along that axis. The
/// compiler collapses higher ranks into these four axes.
template <BinOp O>
inline void binary_f32(const float *a, const float *b, float *y, std::size_t d0,
                       std::size_t d1, std::size_t d2, std::size_t d3, std::size_t as0,
                       std::size_t as1, std::size_t as2, std::size_t as3, std::size_t bs0,
                       std::size_t bs1, std::size_t bs2, std::size_t bs3) {
  for (std::size_t i0 = 0; i0 < d0; ++i0)
    for (std::size_t i1 = 0; i1 < d1; ++i1)
      for (std::size_t i2 = 0; i2 < d2; ++i2) {
        const float *ar = a + i0 * as0 + i1 * as1 + i2 * as2;
        const float *br = b + i0 * bs0 + i1 * bs1 + i2 * bs2;
        float *yr = y + ((i0 * d1 + i1) * d2 + i2) * d3;
        detail::binaryRow<O>(ar, br, yr, d3, as3, bs3);
      }
}

} // namespace rt
} // namespace kiln

#endif
