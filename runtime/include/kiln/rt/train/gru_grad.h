// Backpropagation through time for GRU layers (rnn_f32's GRU cell, Keras 3
// gate order z, r, h; both reset_after forms; masks, an initial state and
// the returned state's gradient). Like rnn_grad_f32 it runs the recurrence again in scratch memory,
// then walks it backwards with batch-wide matrix products per step.
//
// Per step, with a = x·W + b_in + (recurrent part) the gate pre-activations:
//   reset_after:  hw = h_prev·U + b_rec,  a_h = xw_h + r·hw_h
//   otherwise:    hw = h_prev·U_zr,       a_h = xw_h + (r·h_prev)·U_h
//   h = z·h_prev + (1 − z)·act(a_h)
#ifndef KILN_RT_TRAIN_GRU_GRAD_H
#define KILN_RT_TRAIN_GRU_GRAD_H

#include "kiln/rt/seq/rnn.h"
#include "kiln/rt/train/activation_grad.h"
#include "kiln/rt/train/dense_grad.h"
#include "kiln/rt/train/rnn_grad_steps.h"

#include <cstddef>
#include <cstring>

namespace kiln {
namespace rt {

/// Floats of scratch gru_grad_f32 needs: per step the pre-activations
/// (3U), the state and the reset product (hw_h, or r·h_prev); per sample a
/// step's recurrent products and carried gradients; the recurrent kernel
/// transposed and split, with its split gradients; a row of zeros.
constexpr std::size_t gru_grad_scratch_floats(const RnnShape &s) {
  const std::size_t u = s.units;
  return s.batch * s.steps * 5 * u + s.batch * 7 * u + 9 * u * u + u;
}

namespace detail {
/// out[i] += add[i] for n floats.
inline void addInto(float *__restrict out, const float *__restrict add, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    out[i] += add[i];
}
} // namespace detail

/// rnn_grad_f32 of a GRU layer: dbias is 3U, or 6U with reset_after
/// (input bias, then recurrent bias); h0 and dh_out are the state's.
template <Act A, Act R>
inline void gru_grad_f32(const float *dy, const float *x, const float *kernel,
                         const float *recurrent, const float *bias, const float *mask,
                         const float *h0, const float *dhOut, float *dx, float *dkernel,
                         float *drecurrent, float *dbias, float *dh0, float *scratch,
                         RnnShape s) {
  const std::size_t n = s.batch, t = s.steps, u = s.units, f = s.features, gu = 3 * u;
  const bool resetAfter = s.reset_after;
  // Columns of one sample's row of hw: the whole h·U with reset_after, else
  // only its z and r parts.
  const std::size_t hwCols = resetAfter ? gu : 2 * u;
  const float *recurrentBias = bias && resetAfter ? bias + gu : nullptr;
  float *a = scratch;             // (N·T, 3U) x's row order: pre-activations, then their gradients
  float *q = a + n * t * gu;      // (T, N, U) hw_h, or r·h_prev without reset_after
  float *hs = q + n * t * u;      // (T, N, U) h after each processing step
  float *hw = hs + n * t * u;     // (N, hwCols) a step's recurrent product, then its gradient
  float *dah = hw + n * gu;       // (N, U) the candidate's pre-activation gradients
  float *dh = dah + n * u;        // (N, U)
  float *dhNext = dh + n * u;     // (N, U)
  float *tmp = dhNext + n * u;    // (N, U) matrix products
  float *ut = tmp + n * u;        // (3U, U) the recurrent kernel transposed
  float *uzr = ut + gu * u;       // (U, 2U) its z and r columns
  float *uh = uzr + 2 * u * u;    // (U, U) its candidate columns
  float *duzr = uh + u * u;       // (U, 2U) gradients of uzr
  float *duh = duzr + 2 * u * u;  // (U, U) gradients of uh
  float *zeros = duh + u * u;     // (U) a zero state
  std::memset(zeros, 0, u * sizeof(float));
  auto aRow = [&](std::size_t b, std::size_t p) {
    return a + (b * t + (s.go_backwards ? t - 1 - p : p)) * gu;
  };
  auto stepRows = [&](float *base, std::size_t p) { return base + p * n * u; };
  // The state before step p (null: zeros).
  auto hBefore = [&](std::size_t p) -> const float * { return p ? stepRows(hs, p - 1) : h0; };
  auto hPrevRow = [&](std::size_t b, std::size_t p) {
    const float *rows = hBefore(p);
    return rows ? rows + b * u : zeros;
  };
  for (std::size_t k = 0; k < u; ++k) {
    std::memcpy(uzr + k * 2 * u, recurrent + k * gu, 2 * u * sizeof(float));
    std::memcpy(uh + k * u, recurrent + k * gu + 2 * u, u * sizeof(float));
  }

  // Forward again.
  dense_f32<Act::linear>(x, kernel, bias, a, n * t, f, gu);
  for (std::size_t p = 0; p < t; ++p) {
    const float *hPrev = hBefore(p);
    if (hPrev && resetAfter)
      dense_f32<Act::linear>(hPrev, recurrent, recurrentBias, hw, n, u, gu);
    else if (hPrev)
      dense_f32<Act::linear>(hPrev, uzr, nullptr, hw, n, u, 2 * u);
    else
      for (std::size_t b = 0; b < n; ++b)
        for (std::size_t j = 0; j < hwCols; ++j)
          hw[b * hwCols + j] = recurrentBias ? recurrentBias[j] : 0.0f;
    for (std::size_t b = 0; b < n; ++b) {
      float *ab = aRow(b, p), *qb = stepRows(q, p) + b * u;
      const float *hwb = hw + b * hwCols, *hp = hPrevRow(b, p);
      detail::addInto(ab, hwb, 2 * u);
      for (std::size_t j = 0; j < u; ++j) {
        const float r = activate<R>(ab[u + j]);
        qb[j] = resetAfter ? hwb[2 * u + j] : r * hp[j];
        if (resetAfter)
          ab[2 * u + j] += r * qb[j];
      }
    }
    if (!resetAfter) {
      dense_f32<Act::linear>(stepRows(q, p), uh, nullptr, tmp, n, u, u);
      for (std::size_t b = 0; b < n; ++b)
        detail::addInto(aRow(b, p) + 2 * u, tmp + b * u, u);
    }
    for (std::size_t b = 0; b < n; ++b) {
      const float *ab = aRow(b, p), *hp = hPrevRow(b, p);
      float *h = stepRows(hs, p) + b * u;
      if (!detail::stepKept(mask, s, b, p)) { // the state passes through
        std::memcpy(h, hp, u * sizeof(float));
        continue;
      }
      for (std::size_t j = 0; j < u; ++j) {
        const float z = activate<R>(ab[j]);
        h[j] = z * hp[j] + (1.0f - z) * activate<A>(ab[2 * u + j]);
      }
    }
  }

  // Backwards through the steps.
  for (std::size_t k = 0; k < u; ++k)
    for (std::size_t j = 0; j < gu; ++j)
      ut[j * u + k] = recurrent[k * gu + j];
  std::memset(drecurrent, 0, u * gu * sizeof(float));
  std::memset(duzr, 0, 2 * u * u * sizeof(float));
  std::memset(duh, 0, u * u * sizeof(float));
  if (dhOut) std::memcpy(dhNext, dhOut, n * u * sizeof(float));
  else std::memset(dhNext, 0, n * u * sizeof(float));
  if (dbias && resetAfter)
    std::memset(dbias + gu, 0, gu * sizeof(float));
  for (std::size_t p = t; p-- > 0;) {
    for (std::size_t b = 0; b < n; ++b) {
      float *ab = aRow(b, p), *dhb = dh + b * u, *hwb = hw + b * hwCols;
      const float *hp = hPrevRow(b, p), *qb = stepRows(q, p) + b * u;
      const bool kept = detail::stepKept(mask, s, b, p);
      detail::stateGrad(dhNext + b * u, detail::stepOutputGrad(dy, s, b, p, kept), dhb, u);
      if (!kept) {
        // The state passed through: no gate has a gradient, and dh goes to
        // the step before as it is.
        std::memset(ab, 0, gu * sizeof(float));
        std::memset(hwb, 0, hwCols * sizeof(float));
        for (std::size_t j = 0; j < u; ++j) {
          dhNext[b * u + j] = dhb[j];
          dah[b * u + j] = 0.0f;
        }
        continue;
      }
      for (std::size_t j = 0; j < u; ++j) {
        const float z = activate<R>(ab[j]), hh = activate<A>(ab[2 * u + j]);
        const float daz = dhb[j] * (hp[j] - hh) * derivative_at<R>(ab[j], z);
        const float dahj = dhb[j] * (1.0f - z) * derivative_at<A>(ab[2 * u + j], hh);
        dhNext[b * u + j] = dhb[j] * z;
        hwb[j] = daz;
        ab[j] = daz;
        ab[2 * u + j] = dahj;
        if (resetAfter) {
          const float r = activate<R>(ab[u + j]);
          const float dar = dahj * qb[j] * derivative_at<R>(ab[u + j], r);
          hwb[u + j] = dar;
          hwb[2 * u + j] = r * dahj;
          ab[u + j] = dar;
        } else {
          dah[b * u + j] = dahj;
        }
      }
    }
    if (resetAfter) {
      // dU += h_prevᵀ·dhw, db_rec += Σ dhw, dh_prev += dhw·Uᵀ.
      if (const float *hPrev = hBefore(p))
        dense_grad_kernel_add_f32(hPrev, hw, drecurrent, n, u, gu);
      if (dbias)
        for (std::size_t b = 0; b < n; ++b)
          detail::addInto(dbias + gu, hw + b * gu, gu);
      dense_f32<Act::linear>(hw, ut, nullptr, tmp, n, gu, u);
      detail::addInto(dhNext, tmp, n * u);
    } else {
      // d(r·h_prev) = da_h·U_hᵀ, which gives the reset gate's gradient.
      dense_f32<Act::linear>(dah, ut + 2 * u * u, nullptr, tmp, n, u, u);
      for (std::size_t b = 0; b < n; ++b) {
        float *ab = aRow(b, p), *hwb = hw + b * hwCols;
        const float *hp = hPrevRow(b, p), *drh = tmp + b * u;
        if (!detail::stepKept(mask, s, b, p))
          continue; // its gradients are already zero
        for (std::size_t j = 0; j < u; ++j) {
          const float r = activate<R>(ab[u + j]);
          const float dar = drh[j] * hp[j] * derivative_at<R>(ab[u + j], r);
          dhNext[b * u + j] += drh[j] * r;
          hwb[u + j] = dar;
          ab[u + j] = dar;
        }
      }
      // Without an initial state h_prev, and so r·h_prev, is zero at the
      // first step.
      if (const float *hPrev = hBefore(p)) {
        dense_grad_kernel_add_f32(hPrev, hw, duzr, n, u, 2 * u);
        dense_grad_kernel_add_f32(stepRows(q, p), dah, duh, n, u, u);
      }
      dense_f32<Act::linear>(hw, ut, nullptr, tmp, n, 2 * u, u);
      detail::addInto(dhNext, tmp, n * u);
    }
  }
  if (dh0)
    std::memcpy(dh0, dhNext, n * u * sizeof(float));
  if (!resetAfter)
    for (std::size_t k = 0; k < u; ++k) {
      std::memcpy(drecurrent + k * gu, duzr + k * 2 * u, 2 * u * sizeof(float));
      std::memcpy(drecurrent + k * gu + 2 * u, duh + k * u, u * sizeof(float));
    }
  // Every step's gate gradients at once: dW = xᵀ·da, dx = da·Wᵀ, db_in = Σ da.
  dense_grad_kernel_f32(x, a, dkernel, n * t, f, gu);
  dense_grad_input_f32(a, kernel, dx, n * t, f, gu);
  if (dbias) {
    std::memset(dbias, 0, gu * sizeof(float));
    for (std::size_t r = 0; r < n * t; ++r)
      detail::addInto(dbias, a + r * gu, gu);
  }
}

} // namespace rt
} // namespace kiln

#endif
