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

#endif
