// The instruction set the GEMM microkernel is built for, chosen at C++
// compile time from the target's macros, and a 16-float "panel row" type
// over its registers: one zmm (AVX-512), two ymm (AVX2+FMA), four q
// registers (NEON) or 16 scalars. Every kernel is written once against
// these few operations.
#ifndef KILN_RT_GEMM_ISA_H
#define KILN_RT_GEMM_ISA_H

#include <cstddef>

#if defined(__AVX512F__)
#include <immintrin.h>
#define KILN_RT_ISA_AVX512 1
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define KILN_RT_ISA_AVX2 1
#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#define KILN_RT_ISA_NEON 1
#else
#define KILN_RT_ISA_SCALAR 1
#endif

#include "kiln/rt/inline.h"

namespace kiln {
namespace rt {
namespace isa {

#if KILN_RT_ISA_AVX512
constexpr const char *kName = "avx512";
/// Rows x panels of the register tile: 12 x 2 accumulators of 32 zmm.
constexpr int kTileRows = 12, kTilePanels = 2;
/// Row16 values the vector register file holds at once.
constexpr int kRegisterRows = 32;
struct Row16 {
  __m512 v;
};
KILN_RT_ALWAYS_INLINE Row16 zero() { return {_mm512_setzero_ps()}; }
KILN_RT_ALWAYS_INLINE Row16 load(const float *p) { return {_mm512_loadu_ps(p)}; }
KILN_RT_ALWAYS_INLINE void store(float *p, Row16 r) { _mm512_storeu_ps(p, r.v); }
/// acc += a * b, with a broadcast to every lane.
KILN_RT_ALWAYS_INLINE void fma(Row16 &acc, float a, Row16 b) {
  acc.v = _mm512_fmadd_ps(_mm512_set1_ps(a), b.v, acc.v);
}
KILN_RT_ALWAYS_INLINE void add(Row16 &acc, Row16 b) { acc.v = _mm512_add_ps(acc.v, b.v); }
/// acc += a * b, lane by lane.
KILN_RT_ALWAYS_INLINE void fmav(Row16 &acc, Row16 a, Row16 b) {
  acc.v = _mm512_fmadd_ps(a.v, b.v, acc.v);
}
// The masked forms with a full mask: GCC 12's unmasked _mm512_max_ps/min_ps
// start from _mm512_undefined_ps(), which -Wall reports as maybe-uninitialized
// in any code that inlines them; the instruction is the same.
KILN_RT_ALWAYS_INLINE __m512 max16(__m512 a, __m512 b) { return _mm512_mask_max_ps(a, 0xFFFF, a, b); }
KILN_RT_ALWAYS_INLINE __m512 min16(__m512 a, __m512 b) { return _mm512_mask_min_ps(a, 0xFFFF, a, b); }
KILN_RT_ALWAYS_INLINE void relu(Row16 &acc) { acc.v = max16(acc.v, _mm512_setzero_ps()); }
KILN_RT_ALWAYS_INLINE void clamp(Row16 &acc, float lo, float hi) {
  acc.v = min16(max16(acc.v, _mm512_set1_ps(lo)), _mm512_set1_ps(hi));
}
/// 1/x for finite x != 0: a 14-bit estimate and one Newton step. (The
/// masked form with a full mask, as max16: GCC 12's unmasked one starts
/// from _mm512_undefined_ps() and -Wall reports it.)
KILN_RT_ALWAYS_INLINE Row16 reciprocal(Row16 x) {
  const __m512 r = _mm512_mask_rcp14_ps(x.v, 0xFFFF, x.v);
  return {_mm512_fmadd_ps(r, _mm512_fnmadd_ps(x.v, r, _mm512_set1_ps(1.0f)), r)};
}

#elif KILN_RT_ISA_AVX2
constexpr const char *kName = "avx2";
/// 6 x 1 panels: 12 ymm accumulators of 16.
constexpr int kTileRows = 6, kTilePanels = 1;
/// Row16 values the vector register file holds at once.
constexpr int kRegisterRows = 8;
struct Row16 {
  __m256 lo, hi;
};
KILN_RT_ALWAYS_INLINE Row16 zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
KILN_RT_ALWAYS_INLINE Row16 load(const float *p) {
  return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)};
}
KILN_RT_ALWAYS_INLINE void store(float *p, Row16 r) {
  _mm256_storeu_ps(p, r.lo);
  _mm256_storeu_ps(p + 8, r.hi);
}
KILN_RT_ALWAYS_INLINE void fma(Row16 &acc, float a, Row16 b) {
  const __m256 av = _mm256_set1_ps(a);
  acc.lo = _mm256_fmadd_ps(av, b.lo, acc.lo);
  acc.hi = _mm256_fmadd_ps(av, b.hi, acc.hi);
}
KILN_RT_ALWAYS_INLINE void add(Row16 &acc, Row16 b) {
  acc.lo = _mm256_add_ps(acc.lo, b.lo);
  acc.hi = _mm256_add_ps(acc.hi, b.hi);
}
KILN_RT_ALWAYS_INLINE void fmav(Row16 &acc, Row16 a, Row16 b) {
  acc.lo = _mm256_fmadd_ps(a.lo, b.lo, acc.lo);
  acc.hi = _mm256_fmadd_ps(a.hi, b.hi, acc.hi);
}
KILN_RT_ALWAYS_INLINE void relu(Row16 &acc) {
  acc.lo = _mm256_max_ps(acc.lo, _mm256_setzero_ps());
  acc.hi = _mm256_max_ps(acc.hi, _mm256_setzero_ps());
}
KILN_RT_ALWAYS_INLINE void clamp(Row16 &acc, float lo, float hi) {
  const __m256 l = _mm256_set1_ps(lo), h = _mm256_set1_ps(hi);
  acc.lo = _mm256_min_ps(_mm256_max_ps(acc.lo, l), h);
  acc.hi = _mm256_min_ps(_mm256_max_ps(acc.hi, l), h);
}
/// 1/x for finite x != 0: a 12-bit estimate and two Newton steps.
KILN_RT_ALWAYS_INLINE __m256 reciprocal8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  __m256 r = _mm256_rcp_ps(x);
  r = _mm256_fmadd_ps(r, _mm256_fnmadd_ps(x, r, one), r);
  return _mm256_fmadd_ps(r, _mm256_fnmadd_ps(x, r, one), r);
}
KILN_RT_ALWAYS_INLINE Row16 reciprocal(Row16 x) { return {reciprocal8(x.lo), reciprocal8(x.hi)}; }

#elif KILN_RT_ISA_NEON
constexpr const char *kName = "neon";
/// 6 x 1 panels: 24 q-register accumulators of 32.
constexpr int kTileRows = 6, kTilePanels = 1;
/// Row16 values the vector register file holds at once.
constexpr int kRegisterRows = 8;
struct Row16 {
  float32x4_t q[4];
};
KILN_RT_ALWAYS_INLINE Row16 zero() {
  const float32x4_t z = vdupq_n_f32(0.0f);
  return {{z, z, z, z}};
}
KILN_RT_ALWAYS_INLINE Row16 load(const float *p) {
  return {{vld1q_f32(p), vld1q_f32(p + 4), vld1q_f32(p + 8), vld1q_f32(p + 12)}};
}
KILN_RT_ALWAYS_INLINE void store(float *p, Row16 r) {
  for (int i = 0; i < 4; ++i)
    vst1q_f32(p + 4 * i, r.q[i]);
}
KILN_RT_ALWAYS_INLINE void fma(Row16 &acc, float a, Row16 b) {
  for (int i = 0; i < 4; ++i)
    acc.q[i] = vfmaq_n_f32(acc.q[i], b.q[i], a);
}
KILN_RT_ALWAYS_INLINE void add(Row16 &acc, Row16 b) {
  for (int i = 0; i < 4; ++i)
    acc.q[i] = vaddq_f32(acc.q[i], b.q[i]);
}
KILN_RT_ALWAYS_INLINE void fmav(Row16 &acc, Row16 a, Row16 b) {
  for (int i = 0; i < 4; ++i)
    acc.q[i] = vfmaq_f32(acc.q[i], a.q[i], b.q[i]);
}
KILN_RT_ALWAYS_INLINE void relu(Row16 &acc) {
  for (int i = 0; i < 4; ++i)
    acc.q[i] = vmaxq_f32(acc.q[i], vdupq_n_f32(0.0f));
}
KILN_RT_ALWAYS_INLINE void clamp(Row16 &acc, float lo, float hi) {
  for (int i = 0; i < 4; ++i)
    acc.q[i] = vminq_f32(vmaxq_f32(acc.q[i], vdupq_n_f32(lo)), vdupq_n_f32(hi));
}
/// 1/x for finite x != 0: an 8-bit estimate and two Newton steps.
KILN_RT_ALWAYS_INLINE Row16 reciprocal(Row16 x) {
  Row16 r;
  for (int i = 0; i < 4; ++i) {
    float32x4_t e = vrecpeq_f32(x.q[i]);
    e = vmulq_f32(e, vrecpsq_f32(x.q[i], e));
    r.q[i] = vmulq_f32(e, vrecpsq_f32(x.q[i], e));
  }
  return r;
}

#else
constexpr const char *kName = "scalar";
constexpr int kTileRows = 4, kTilePanels = 1;
/// Row16 values the vector register file holds at once.
constexpr int kRegisterRows = 1;
struct Row16 {
  float f[16];
};
inline Row16 zero() { return Row16{}; }
inline Row16 load(const float *p) {
  Row16 r;
  for (int i = 0; i < 16; ++i)
    r.f[i] = p[i];
  return r;
}
inline void store(float *p, Row16 r) {
  for (int i = 0; i < 16; ++i)
    p[i] = r.f[i];
}
inline void fma(Row16 &acc, float a, Row16 b) {
  for (int i = 0; i < 16; ++i)
    acc.f[i] += a * b.f[i];
}
inline void add(Row16 &acc, Row16 b) {
  for (int i = 0; i < 16; ++i)
    acc.f[i] += b.f[i];
}
inline void fmav(Row16 &acc, Row16 a, Row16 b) {
  for (int i = 0; i < 16; ++i)
    acc.f[i] += a.f[i] * b.f[i];
}
inline void relu(Row16 &acc) {
  for (int i = 0; i < 16; ++i)
    acc.f[i] = acc.f[i] > 0.0f ? acc.f[i] : 0.0f;
}
inline void clamp(Row16 &acc, float lo, float hi) {
  for (int i = 0; i < 16; ++i)
    acc.f[i] = acc.f[i] < lo ? lo : (acc.f[i] > hi ? hi : acc.f[i]);
}
inline Row16 reciprocal(Row16 x) {
  for (int i = 0; i < 16; ++i)
    x.f[i] = 1.0f / x.f[i];
  return x;
}
#endif

} // namespace isa
} // namespace rt
} // namespace kiln

#endif
