// exp, tanh and erf without library calls or branches, so a loop over
// them vectorizes (the compiler turns the selects into blends); sigmoid
// and silu are in vecmath.h. Their maximum errors over the float range are
// measured by the unit tests (FastMath.*) against double precision:
//   exp: 2 ulp relative on [-87, 88]; tanh: 2e-7 absolute;
//   erf: 5e-7 absolute (gelu inherits it times |x| / 2).
#ifndef KILN_RT_ELTWISE_FASTMATH_H
#define KILN_RT_ELTWISE_FASTMATH_H

#include "kiln/rt/inline.h"

#include <cstdint>
#include <cstring>

namespace kiln {
namespace rt {
namespace fast {

KILN_RT_ALWAYS_INLINE float bitsToFloat(std::int32_t i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}
KILN_RT_ALWAYS_INLINE std::int32_t floatToBits(float f) {
  std::int32_t i;
  std::memcpy(&i, &f, sizeof i);
  return i;
}

/// e^x: x = n ln2 + r with |r| <= ln2 / 2, e^r by a degree-7 polynomial,
/// 2^n put into the exponent bits. Flushes to 0 below -87.33 (where e^x is
/// subnormal) and saturates at e^88.37 (the largest power that keeps n at
/// 127); Act::exponential keeps std::exp for Keras's inf.
KILN_RT_ALWAYS_INLINE float exp(float x) {
  const float lo = -87.33f, hi = 88.37f;
  const float xc = x < lo ? lo : (x > hi ? hi : x);
  // Round x / ln2 to an integer with the 1.5 * 2^23 trick.
  const float shifter = 12582912.0f;
  const float t = xc * 1.44269504088896341f + shifter;
  const float n = t - shifter;
  const float r = (xc - n * 0.693145751953125f) - n * 1.428606765330187e-6f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const std::int32_t ni = floatToBits(t) - floatToBits(shifter);
  const float scaled = p * bitsToFloat((ni + 127) << 23);
  return x < lo ? 0.0f : scaled;
}

/// tanh: an odd Taylor polynomial near 0 (where 1 - 2 / (e^2x + 1) would
/// cancel), that formula elsewhere; |x| >= 9 is +-1 in float.
KILN_RT_ALWAYS_INLINE float tanh(float x) {
  const float a = x < 0.0f ? -x : x;
  const float ac = a > 9.0f ? 9.0f : a;
  const float far = 1.0f - 2.0f / (fast::exp(2.0f * ac) + 1.0f);
  const float a2 = a * a;
  float p = 62.0f / 2835.0f;
  p = p * a2 - 17.0f / 315.0f;
  p = p * a2 + 2.0f / 15.0f;
  p = p * a2 - 1.0f / 3.0f;
  const float near = a + a * a2 * p;
  const float m = a < 0.25f ? near : far;
  return x < 0.0f ? -m : m;
}

/// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7):
/// 1 - (a1 t + ... + a5 t^5) e^-x^2 with t = 1 / (1 + 0.3275911 |x|).
KILN_RT_ALWAYS_INLINE float erf(float x) {
  const float a = x < 0.0f ? -x : x;
  const float t = 1.0f / (1.0f + 0.3275911f * a);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  const float m = 1.0f - p * t * fast::exp(-a * a);
  return x < 0.0f ? -m : m;
}

} // namespace fast
} // namespace rt
} // namespace kiln

#endif
