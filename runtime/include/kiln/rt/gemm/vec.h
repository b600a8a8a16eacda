// One vector register of the ISA isa.h chose: a zmm of 16 floats
// (AVX-512), a ymm of 8 (AVX2+FMA), a q register of 4 (NEON), or one float.
// For kernels whose natural unit is a register rather than a 16-float
// panel row (depthwise convolution tiles pixels by channel vectors, and
// on AVX2 a Row16 takes two registers, so half as many pixels fit), and
// for vecmath.h's lane-parallel exp and sigmoid. Those use, besides
// arithmetic: splat (every lane a), fmadd (a * b + c, fused), maxOr and
// minOr (max and min, b when either is NaN: what the x86 instructions do
// with the operands in this order), selectEq(a, b, t, f) (t in the lanes
// where a == b, f elsewhere and where either is NaN), and pow2(t, shifter): 2^n in every
// lane whose t is n + shifter, shifter being 1.5 * 2^23 (so n sits in
// t's low mantissa bits) and n in [-126, 127]. The scalar target has
// splat, maxOr and selectEq; vecmath.h has float forms of all of them,
// which it needs on every target.
#ifndef KILN_RT_GEMM_VEC_H
#define KILN_RT_GEMM_VEC_H

#include "kiln/rt/gemm/isa.h"

namespace kiln {
namespace rt {
namespace vec {

#if KILN_RT_ISA_AVX512
using Vec = __m512;
constexpr std::size_t kWidth = 16, kRegisters = 32;
KILN_RT_ALWAYS_INLINE Vec zero() { return _mm512_setzero_ps(); }
KILN_RT_ALWAYS_INLINE Vec load(const float *p) { return _mm512_loadu_ps(p); }
KILN_RT_ALWAYS_INLINE void store(float *p, Vec v) { _mm512_storeu_ps(p, v); }
KILN_RT_ALWAYS_INLINE void fma(Vec &acc, Vec a, Vec b) { acc = _mm512_fmadd_ps(a, b, acc); }
KILN_RT_ALWAYS_INLINE void add(Vec &acc, Vec b) { acc = _mm512_add_ps(acc, b); }
KILN_RT_ALWAYS_INLINE void clamp(Vec &v, float lo, float hi) {
  v = isa::min16(isa::max16(v, _mm512_set1_ps(lo)), _mm512_set1_ps(hi));
}
KILN_RT_ALWAYS_INLINE void relu(Vec &v) { v = isa::max16(v, _mm512_setzero_ps()); }
KILN_RT_ALWAYS_INLINE Vec splat(float a) { return _mm512_set1_ps(a); }
KILN_RT_ALWAYS_INLINE Vec fmadd(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
KILN_RT_ALWAYS_INLINE Vec maxOr(Vec a, Vec b) { return isa::max16(a, b); }
KILN_RT_ALWAYS_INLINE Vec minOr(Vec a, Vec b) { return isa::min16(a, b); }
KILN_RT_ALWAYS_INLINE Vec selectEq(Vec a, Vec b, Vec t, Vec f) {
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ), f, t);
}
KILN_RT_ALWAYS_INLINE Vec pow2(Vec t, float shifter) {
  const __m512i n = _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_castps_si512(splat(shifter)));
  // maskz: GCC 12's unmasked shift starts from an undefined vector (see isa::max16).
  return _mm512_castsi512_ps(
      _mm512_maskz_slli_epi32(0xFFFF, _mm512_add_epi32(n, _mm512_set1_epi32(127)), 23));
}

#elif KILN_RT_ISA_AVX2
using Vec = __m256;
constexpr std::size_t kWidth = 8, kRegisters = 16;
KILN_RT_ALWAYS_INLINE Vec zero() { return _mm256_setzero_ps(); }
KILN_RT_ALWAYS_INLINE Vec load(const float *p) { return _mm256_loadu_ps(p); }
KILN_RT_ALWAYS_INLINE void store(float *p, Vec v) { _mm256_storeu_ps(p, v); }
KILN_RT_ALWAYS_INLINE void fma(Vec &acc, Vec a, Vec b) { acc = _mm256_fmadd_ps(a, b, acc); }
KILN_RT_ALWAYS_INLINE void add(Vec &acc, Vec b) { acc = _mm256_add_ps(acc, b); }
KILN_RT_ALWAYS_INLINE void clamp(Vec &v, float lo, float hi) {
  v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(lo)), _mm256_set1_ps(hi));
}
KILN_RT_ALWAYS_INLINE void relu(Vec &v) { v = _mm256_max_ps(v, _mm256_setzero_ps()); }
KILN_RT_ALWAYS_INLINE Vec splat(float a) { return _mm256_set1_ps(a); }
KILN_RT_ALWAYS_INLINE Vec fmadd(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
KILN_RT_ALWAYS_INLINE Vec maxOr(Vec a, Vec b) { return _mm256_max_ps(a, b); }
KILN_RT_ALWAYS_INLINE Vec minOr(Vec a, Vec b) { return _mm256_min_ps(a, b); }
KILN_RT_ALWAYS_INLINE Vec selectEq(Vec a, Vec b, Vec t, Vec f) {
  return _mm256_blendv_ps(f, t, _mm256_cmp_ps(a, b, _CMP_EQ_OQ));
}
KILN_RT_ALWAYS_INLINE Vec pow2(Vec t, float shifter) {
  const __m256i n = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_castps_si256(splat(shifter)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}

#elif KILN_RT_ISA_NEON
using Vec = float32x4_t;
constexpr std::size_t kWidth = 4, kRegisters = 32;
KILN_RT_ALWAYS_INLINE Vec zero() { return vdupq_n_f32(0.0f); }
KILN_RT_ALWAYS_INLINE Vec load(const float *p) { return vld1q_f32(p); }
KILN_RT_ALWAYS_INLINE void store(float *p, Vec v) { vst1q_f32(p, v); }
KILN_RT_ALWAYS_INLINE void fma(Vec &acc, Vec a, Vec b) { acc = vfmaq_f32(acc, a, b); }
KILN_RT_ALWAYS_INLINE void add(Vec &acc, Vec b) { acc = vaddq_f32(acc, b); }
KILN_RT_ALWAYS_INLINE void clamp(Vec &v, float lo, float hi) {
  v = vminq_f32(vmaxq_f32(v, vdupq_n_f32(lo)), vdupq_n_f32(hi));
}
KILN_RT_ALWAYS_INLINE void relu(Vec &v) { v = vmaxq_f32(v, vdupq_n_f32(0.0f)); }
KILN_RT_ALWAYS_INLINE Vec splat(float a) { return vdupq_n_f32(a); }
KILN_RT_ALWAYS_INLINE Vec fmadd(Vec a, Vec b, Vec c) { return vfmaq_f32(c, a, b); }
// NEON's fmax and fmin return NaN when either operand is NaN, not b:
// compare and select instead.
KILN_RT_ALWAYS_INLINE Vec maxOr(Vec a, Vec b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
KILN_RT_ALWAYS_INLINE Vec minOr(Vec a, Vec b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
KILN_RT_ALWAYS_INLINE Vec selectEq(Vec a, Vec b, Vec t, Vec f) {
  return vbslq_f32(vceqq_f32(a, b), t, f);
}
KILN_RT_ALWAYS_INLINE Vec pow2(Vec t, float shifter) {
  const int32x4_t n = vsubq_s32(vreinterpretq_s32_f32(t), vreinterpretq_s32_f32(splat(shifter)));
  return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n, vdupq_n_s32(127)), 23));
}

#else
using Vec = float;
// Registers: what a scalar target's FP register file typically holds.
constexpr std::size_t kWidth = 1, kRegisters = 16;
inline Vec zero() { return 0.0f; }
inline Vec load(const float *p) { return *p; }
inline void store(float *p, Vec v) { *p = v; }
inline void fma(Vec &acc, Vec a, Vec b) { acc += a * b; }
inline void add(Vec &acc, Vec b) { acc += b; }
inline void clamp(Vec &v, float lo, float hi) { v = v < lo ? lo : (v > hi ? hi : v); }
inline void relu(Vec &v) { v = v > 0.0f ? v : 0.0f; }
inline Vec splat(float a) { return a; }
inline Vec maxOr(Vec a, Vec b) { return a > b ? a : b; }
inline Vec selectEq(Vec a, Vec b, Vec t, Vec f) { return a == b ? t : f; }
#endif

} // namespace vec
} // namespace rt
} // namespace kiln

#endif
