// One vector register of the ISA isa.h chose: a zmm of 16 floats
// (AVX-512), a ymm of 8 (AVX2+FMA), a q register of 4 (NEON), or one float.
// For kernels whose natural unit is a register rather than a 16-float
// panel row (depthwise convolution tiles pixels by channel vectors, and
// on AVX2 a Row16 takes two registers, so half as many pixels fit).
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
#endif

} // namespace vec
} // namespace rt
} // namespace kiln

#endif
