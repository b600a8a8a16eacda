// sigmoid and silu written once over "lanes": a float, or a vector
// register of vec.h. The vector form runs in activation loops and kernel
// epilogues; the float form is the same operations one lane at a time, so
// a loop's scalar tail (and any scalar caller) gets the very bits the
// vector body would, whatever the split of the loop (thread counts).
//
// Why not fastmath.h's exp: both need e^-x only to within sigmoid's
// tolerance, so a degree-5 polynomial (relative error 1.7e-7 against the
// degree-7 one's 2 ulp) does, with no flush below -87 (1 + e^x is 1 there
// anyway). GCC vectorizes the float form of fastmath.h too, but turned its
// selects into compare-and-blend chains; written on vec.h's registers, with
// the lower degree, BM_Activation silu went from 2.2 to 3.4-3.9 G/s
// (AVX-512). The errors (sigmoid absolute, silu relative) are measured by
// the unit tests (FastMath.*).
#ifndef KILN_RT_ELTWISE_VECMATH_H
#define KILN_RT_ELTWISE_VECMATH_H

#include "kiln/rt/gemm/vec.h"

#include <cstdint>
#include <cstring>

namespace kiln {
namespace rt {
namespace vecmath {

/// The operations of vec.h beyond arithmetic, for W lanes: a float or a
/// vec::Vec. (Keyed by width: a vector type as a template argument loses
/// its attributes, which GCC warns about.)
template <std::size_t W> struct Lanes;

template <> struct Lanes<1> {
  static KILN_RT_ALWAYS_INLINE float splat(float a) { return a; }
  static KILN_RT_ALWAYS_INLINE float fmadd(float a, float b, float c) {
#if defined(__FMA__) || defined(__aarch64__)
    return __builtin_fmaf(a, b, c); // one instruction, as in the vector form
#else
    return a * b + c; // no vector form on such targets: nothing to match
#endif
  }
  // The operand order of x86's max and min: b when either is NaN.
  static KILN_RT_ALWAYS_INLINE float maxOr(float a, float b) { return a > b ? a : b; }
  static KILN_RT_ALWAYS_INLINE float minOr(float a, float b) { return a < b ? a : b; }
  static KILN_RT_ALWAYS_INLINE float pow2(float t, float shifter) {
    // Unsigned: a NaN's bits wrap rather than overflow (the lane is NaN anyway).
    std::uint32_t ti, si;
    std::memcpy(&ti, &t, sizeof ti);
    std::memcpy(&si, &shifter, sizeof si);
    const std::uint32_t bits = (ti - si + 127u) << 23;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
};

#if !KILN_RT_ISA_SCALAR
template <> struct Lanes<vec::kWidth> {
  static KILN_RT_ALWAYS_INLINE vec::Vec splat(float a) { return vec::splat(a); }
  static KILN_RT_ALWAYS_INLINE vec::Vec fmadd(vec::Vec a, vec::Vec b, vec::Vec c) {
    return vec::fmadd(a, b, c);
  }
  static KILN_RT_ALWAYS_INLINE vec::Vec maxOr(vec::Vec a, vec::Vec b) { return vec::maxOr(a, b); }
  static KILN_RT_ALWAYS_INLINE vec::Vec minOr(vec::Vec a, vec::Vec b) { return vec::minOr(a, b); }
  static KILN_RT_ALWAYS_INLINE vec::Vec pow2(vec::Vec t, float shifter) {
    return vec::pow2(t, shifter);
  }
};
#endif

/// e^x = p * scale, with x clamped to [-87.33, 88.37] (scale a normal
/// power of two): x = n ln2 + r, |r| <= ln2 / 2, e^r = 1 + r + r^2 q(r)
/// with q of degree 3 fitted for minimal relative error over that range.
/// Every multiply-add is an explicit fmadd, so no lane form depends on how
/// the compiler contracts.
template <class V> KILN_RT_ALWAYS_INLINE void expParts(V x, V &p, V &scale) {
  using L = Lanes<sizeof(V) / sizeof(float)>;
  const float shifter = 12582912.0f; // 1.5 * 2^23: adding it rounds to an integer
  // NaN stays NaN: maxOr and minOr return their second operand for it.
  const V xc = L::minOr(L::splat(88.37f), L::maxOr(L::splat(-87.33f), x));
  const V t = L::fmadd(xc, L::splat(1.44269504088896341f), L::splat(shifter));
  const V n = t - L::splat(shifter);
  V r = L::fmadd(n, L::splat(-0.693145751953125f), xc);
  r = L::fmadd(n, L::splat(-1.428606765330187e-6f), r);
  V q = L::fmadd(L::splat(8.312525227665901e-3f), r, L::splat(4.1890114545822144e-2f));
  q = L::fmadd(q, r, L::splat(1.6667114198207855e-1f));
  q = L::fmadd(q, r, L::splat(4.99992311000824e-1f));
  p = L::fmadd(r * r, q, r + L::splat(1.0f));
  scale = L::pow2(t, shifter);
}

/// 1 / (1 + e^-x).
template <class V> KILN_RT_ALWAYS_INLINE V sigmoid(V x) {
  using L = Lanes<sizeof(V) / sizeof(float)>;
  V p, scale;
  expParts<V>(L::splat(0.0f) - x, p, scale);
  return L::splat(1.0f) / L::fmadd(p, scale, L::splat(1.0f));
}

/// x * sigmoid(x) as x / (1 + e^-x): one division, no multiply.
template <class V> KILN_RT_ALWAYS_INLINE V silu(V x) {
  using L = Lanes<sizeof(V) / sizeof(float)>;
  V p, scale;
  expParts<V>(L::splat(0.0f) - x, p, scale);
  return x / L::fmadd(p, scale, L::splat(1.0f));
}

} // namespace vecmath
} // namespace rt
} // namespace kiln

#endif
