// Gradients of the elementwise maximum and minimum (Keras's Maximum and
// Minimum layers, keras.ops.maximum/minimum), over binary_f32's
// broadcasting iteration space.
#ifndef KILN_RT_TRAIN_BINARY_GRAD_H
#define KILN_RT_TRAIN_BINARY_GRAD_H

#include "kiln/rt/eltwise/binary.h"

#include <cstddef>

namespace kiln {
namespace rt {

namespace detail {
/// The share of `a` in O(a, b): 1 where a alone is the extremum, 0 where b
/// is, and ½ where they tie, as JAX differentiates maximum and minimum.
template <BinOp O> inline float extremumShare(float a, float b) {
  static_assert(O == BinOp::max || O == BinOp::min, "max or min only");
  if (a == b) return 0.5f;
  if constexpr (O == BinOp::max) return a > b ? 1.0f : 0.0f;
  else return a < b ? 1.0f : 0.0f;
}
} // namespace detail

/// g = dy · share of one operand in O(a, b): of a, or of b when `of_rhs`.
/// dy and g have the iteration shape (d0..d3); a and b are reached with
/// strides as*/bs* (0 along broadcast axes), as in binary_f32.
template <BinOp O>
inline void extremum_grad_f32(const float *dy, const float *a, const float *b, float *g,
                              std::size_t d0, std::size_t d1, std::size_t d2, std::size_t d3,
                              std::size_t as0, std::size_t as1, std::size_t as2,
                              std::size_t as3, std::size_t bs0, std::size_t bs1,
                              std::size_t bs2, std::size_t bs3, bool of_rhs) {
  for (std::size_t i0 = 0; i0 < d0; ++i0)
    for (std::size_t i1 = 0; i1 < d1; ++i1)
      for (std::size_t i2 = 0; i2 < d2; ++i2) {
        const float *ar = a + i0 * as0 + i1 * as1 + i2 * as2;
        const float *br = b + i0 * bs0 + i1 * bs1 + i2 * bs2;
        const std::size_t row = ((i0 * d1 + i1) * d2 + i2) * d3;
        for (std::size_t i3 = 0; i3 < d3; ++i3) {
          const float av = ar[i3 * as3], bv = br[i3 * bs3];
          const float share = of_rhs ? detail::extremumShare<O>(bv, av)
                                     : detail::extremumShare<O>(av, bv);
          g[row + i3] = dy[row + i3] * share;
        }
      }
}

} // namespace rt
} // namespace kiln

#endif
