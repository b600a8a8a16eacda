// Backpropagation through time for SimpleRNN and LSTM layers (rnn_f32's
// cells, no mask, zero initial states). The forward recurrence is run again
// into scratch memory, then walked backwards.
#ifndef KILN_RT_TRAIN_RNN_GRAD_H
#define KILN_RT_TRAIN_RNN_GRAD_H

#include "kiln/rt/seq/rnn.h"
#include "kiln/rt/train/activation_grad.h"
#include "kiln/rt/train/dense_grad.h"

#include <cstddef>
#include <cstring>

namespace kiln {
namespace rt {

/// Floats of scratch rnn_grad_f32 needs: per step the gate pre-activations
/// and the states (h, c), per sample the gradients carried between steps.
template <Cell C> constexpr std::size_t rnn_grad_scratch_floats(const RnnShape &s) {
  const std::size_t gu = detail::gates<C>() * s.units;
  return s.batch * s.steps * (gu + 2 * s.units) + s.batch * (gu + 3 * s.units);
}

/// dy is the output's gradient: (N, T, U) in processing order with
/// return_sequences, else (N, U). Writes dx (N, T, F), dkernel (F, G·U),
/// drecurrent (U, G·U) and dbias (G·U; may be null).
template <Cell C, Act A, Act R>
inline void rnn_grad_f32(const float *dy, const float *x, const float *kernel,
                         const float *recurrent, const float *bias, float *dx, float *dkernel,
                         float *drecurrent, float *dbias, float *scratch, RnnShape s) {
  static_assert(C != Cell::gru, "GRU layers do not train yet");
  const std::size_t n = s.batch, t = s.steps, u = s.units, f = s.features;
  const std::size_t gu = detail::gates<C>() * u;
  float *z = scratch;              // (N, T, G·U) pre-activations, by processing step
  float *hs = z + n * t * gu;      // (N, T, U) h after each step
  float *cs = hs + n * t * u;      // (N, T, U) c after each step (LSTM)
  float *dz = cs + n * t * u;      // (N, G·U)
  float *dhNext = dz + n * gu;     // (N, U)
  float *dcNext = dhNext + n * u;  // (N, U)
  float *rowTmp = dcNext + n * u;  // (N, U)
  auto at = [&](std::size_t b, std::size_t p) { return b * t + p; };
  auto timeOf = [&](std::size_t p) { return s.go_backwards ? t - 1 - p : p; };

  // Forward again: z = x·W + b + h_prev·U, then the cell.
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t p = 0; p < t; ++p)
      dense_f32<Act::linear>(x + (b * t + timeOf(p)) * f, kernel, bias, z + at(b, p) * gu, 1, f,
                             gu);
  for (std::size_t p = 0; p < t; ++p)
    for (std::size_t b = 0; b < n; ++b) {
      float *zp = z + at(b, p) * gu;
      const float *hPrev = p ? hs + at(b, p - 1) * u : nullptr;
      const float *cPrev = p ? cs + at(b, p - 1) * u : nullptr;
      if (hPrev)
        for (std::size_t k = 0; k < u; ++k) {
          const float hk = hPrev[k];
          const float *row = recurrent + k * gu;
          for (std::size_t j = 0; j < gu; ++j)
            zp[j] += hk * row[j];
        }
      float *h = hs + at(b, p) * u, *c = cs + at(b, p) * u;
      for (std::size_t j = 0; j < u; ++j) {
        if constexpr (C == Cell::simple) {
          h[j] = activate<A>(zp[j]);
          c[j] = 0.0f;
        } else {
          float i = activate<R>(zp[j]), fg = activate<R>(zp[u + j]);
          float g = activate<A>(zp[2 * u + j]), o = activate<R>(zp[3 * u + j]);
          c[j] = fg * (cPrev ? cPrev[j] : 0.0f) + i * g;
          h[j] = o * activate<A>(c[j]);
        }
      }
    }

  // Backwards through the steps.
  std::memset(dkernel, 0, f * gu * sizeof(float));
  std::memset(drecurrent, 0, u * gu * sizeof(float));
  if (dbias)
    std::memset(dbias, 0, gu * sizeof(float));
  std::memset(dhNext, 0, n * u * sizeof(float));
  std::memset(dcNext, 0, n * u * sizeof(float));
  for (std::size_t p = t; p-- > 0;) {
    for (std::size_t b = 0; b < n; ++b) {
      const float *zp = z + at(b, p) * gu;
      float *dzb = dz + b * gu, *dh = rowTmp + b * u;
      for (std::size_t j = 0; j < u; ++j) {
        float g = dhNext[b * u + j];
        if (s.return_sequences)
          g += dy[at(b, p) * u + j];
        else if (p == t - 1)
          g += dy[b * u + j];
        dh[j] = g;
      }
      if constexpr (C == Cell::simple) {
        for (std::size_t j = 0; j < u; ++j)
          dzb[j] = dh[j] * derivative<A>(zp[j]);
      } else {
        const float *c = cs + at(b, p) * u;
        const float *cPrev = p ? cs + at(b, p - 1) * u : nullptr;
        for (std::size_t j = 0; j < u; ++j) {
          float i = activate<R>(zp[j]), fg = activate<R>(zp[u + j]);
          float g = activate<A>(zp[2 * u + j]), o = activate<R>(zp[3 * u + j]);
          float dc = dcNext[b * u + j] + dh[j] * o * derivative<A>(c[j]);
          dzb[j] = dc * g * derivative<R>(zp[j]);
          dzb[u + j] = dc * (cPrev ? cPrev[j] : 0.0f) * derivative<R>(zp[u + j]);
          dzb[2 * u + j] = dc * i * derivative<A>(zp[2 * u + j]);
          dzb[3 * u + j] = dh[j] * activate<A>(c[j]) * derivative<R>(zp[3 * u + j]);
          dcNext[b * u + j] = dc * fg;
        }
      }
    }
    for (std::size_t b = 0; b < n; ++b) {
      const float *dzb = dz + b * gu;
      const float *xb = x + (b * t + timeOf(p)) * f;
      if (dbias)
        for (std::size_t j = 0; j < gu; ++j)
          dbias[j] += dzb[j];
      // dW += x_tᵀ dz, dx_t = dz Wᵀ; dU += h_prevᵀ dz, dh_prev = dz Uᵀ.
      for (std::size_t k = 0; k < f; ++k) {
        float *row = dkernel + k * gu;
        for (std::size_t j = 0; j < gu; ++j)
          row[j] += xb[k] * dzb[j];
        dx[(b * t + timeOf(p)) * f + k] = dot_f32(dzb, kernel + k * gu, gu);
      }
      const float *hPrev = p ? hs + at(b, p - 1) * u : nullptr;
      for (std::size_t k = 0; k < u; ++k) {
        if (hPrev) {
          float *row = drecurrent + k * gu;
          for (std::size_t j = 0; j < gu; ++j)
            row[j] += hPrev[k] * dzb[j];
        }
        dhNext[b * u + k] = dot_f32(dzb, recurrent + k * gu, gu);
      }
    }
  }
}

} // namespace rt
} // namespace kiln

#endif
