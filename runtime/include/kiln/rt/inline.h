// KILN_RT_ALWAYS_INLINE: for the register-tile bodies and the elementwise
// math that must be inlined into their loops to vectorize. A generated
// train_step inlines every kernel into one function, and past the
// compiler's size budget it would otherwise call fast::exp per element.
#ifndef KILN_RT_INLINE_H
#define KILN_RT_INLINE_H

#if defined(__GNUC__)
#define KILN_RT_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define KILN_RT_ALWAYS_INLINE inline
#endif

#include <cstddef>
#include <type_traits>
#include <utility>

namespace kiln {
namespace rt {
namespace detail {
template <class F, std::size_t... I>
KILN_RT_ALWAYS_INLINE void unrolledImpl(F &&f, std::index_sequence<I...>) {
  (f(std::integral_constant<std::size_t, I>{}), ...);
}
} // namespace detail

/// f(integral_constant<0>), ..., f(integral_constant<N-1>), written out: a
/// register tile's loops, unrolled whatever the compiler's peeling limits,
/// so its accumulators stay in registers.
template <std::size_t N, class F> KILN_RT_ALWAYS_INLINE void unrolled(F &&f) {
  detail::unrolledImpl(f, std::make_index_sequence<N>{});
}
} // namespace rt
} // namespace kiln

#endif
