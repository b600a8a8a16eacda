// remainderTile: the rows a loop tiled by Max leaves over, done as one
// narrower tile. Straight-line code, unlike a scalar tail loop after the
// tiled one, in which GCC's range analysis cannot rule out pointer
// overflow once the bounds are inlined constants (-Waggressive-loop-
// optimizations, an error under -Werror in users' builds).
#ifndef KILN_RT_REMAINDER_H
#define KILN_RT_REMAINDER_H

#include "kiln/rt/inline.h"

#include <cstddef>
#include <type_traits>

namespace kiln {
namespace rt {

/// Calls f(std::integral_constant<int, n>{}) for n in [1, Max); does
/// nothing for n == 0.
template <int Max, class F>
KILN_RT_ALWAYS_INLINE void remainderTile(std::size_t n, F &&f) {
  if constexpr (Max > 1) {
    if (n == Max - 1)
      f(std::integral_constant<int, Max - 1>{});
    else
      remainderTile<Max - 1>(n, f);
  }
}

} // namespace rt
} // namespace kiln

#endif
