// Backpropagation through time for SimpleRNN, LSTM and GRU layers (rnn_f32's
// cells, with masks, initial states and returned states). The forward
// recurrence's pre-activations and states are read from what rnn_f32 saved,
// or computed again into scratch memory; then the steps are walked
// backwards. GRU in gru_grad.h (it always recomputes).
#ifndef KILN_RT_TRAIN_RNN_GRAD_H
#define KILN_RT_TRAIN_RNN_GRAD_H

#include "kiln/rt/seq/rnn.h"
#include "kiln/rt/train/activation_grad.h"
#include "kiln/rt/train/dense_grad.h"
#include "kiln/rt/train/gru_grad.h"
#include "kiln/rt/train/rnn_grad_steps.h"

#include <cstddef>
#include <cstring>

namespace kiln {
namespace rt {

namespace detail {
// The LSTM cell's loops over one sample's units. The pointers never alias,
// and saying so (__restrict) is what lets the compiler vectorize loops
// that read this many arrays.

/// c = f·c_prev + i·g and h = o·act(c) from the pre-activations z (i, f, g, o).
template <Act A, Act R>
inline void lstmCellForward(const float *__restrict z, const float *__restrict cPrev,
                            float *__restrict c, float *__restrict h, std::size_t u) {
  for (std::size_t j = 0; j < u; ++j) {
    const float i = activate<R>(z[j]), fg = activate<R>(z[u + j]);
    const float g = activate<A>(z[2 * u + j]), o = activate<R>(z[3 * u + j]);
    const float cj = fg * cPrev[j] + i * g;
    c[j] = cj;
    h[j] = o * activate<A>(cj);
  }
}

/// The gate gradients dz (4u) of a step given dh, and the carried dc
/// (read, then replaced by the one for the step before).
template <Act A, Act R>
inline void lstmCellBackward(const float *__restrict z, const float *__restrict c,
                             const float *__restrict cPrev, const float *__restrict dh,
                             float *__restrict dcCarry, float *__restrict dz, std::size_t u) {
  for (std::size_t j = 0; j < u; ++j) {
    const float zi = z[j], zf = z[u + j], zg = z[2 * u + j], zo = z[3 * u + j];
    const float i = activate<R>(zi), fg = activate<R>(zf);
    const float g = activate<A>(zg), o = activate<R>(zo);
    const float tc = activate<A>(c[j]);
    const float dc = dcCarry[j] + dh[j] * o * derivative_at<A>(c[j], tc);
    dz[j] = dc * g * derivative_at<R>(zi, i);
    dz[u + j] = dc * cPrev[j] * derivative_at<R>(zf, fg);
    dz[2 * u + j] = dc * i * derivative_at<A>(zg, g);
    dz[3 * u + j] = dh[j] * tc * derivative_at<R>(zo, o);
    dcCarry[j] = dc * fg;
  }
}
} // namespace detail

/// Floats of scratch rnn_grad_f32 needs: per step the pre-activations and
/// the states (h, c); per sample one step's gate products and the
/// gradients carried between steps; the recurrent kernel in panels, and
/// transposed in panels; the input kernel in panels, then transposed in
/// panels (one room); a row of zeros, the state before the first step; and
/// every step's state before it in x's row order.
template <Cell C> constexpr std::size_t rnn_grad_scratch_floats(const RnnShape &s) {
  const std::size_t gu = detail::gates<C>() * s.units, u = s.units, f = s.features;
  if constexpr (C == Cell::gru)
    return gru_grad_scratch_floats(s);
  else
    return s.batch * s.steps * (gu + 2 * u) + s.batch * (gu + 3 * u) + packed_floats(u, gu) +
           packed_floats(gu, u) +
           (packed_floats(f, gu) > packed_floats(gu, f) ? packed_floats(f, gu)
                                                         : packed_floats(gu, f)) +
           u + s.batch * s.steps * u;
}

namespace detail {
/// rnn_grad_f32 of SimpleRNN and LSTM layers.
template <Cell C, Act A, Act R>
inline void rnnGradSimpleOrLstm(const float *dy, const float *x, const float *kernel,
                                const float *recurrent, const float *bias, const float *mask,
                                const float *h0, const float *c0, const float *dhOut,
                                const float *dcOut, float *dx, float *dkernel, float *drecurrent,
                                float *dbias, float *dh0, float *dc0, float *scratch,
                                RnnShape s, const float *saved) {
  const std::size_t n = s.batch, t = s.steps, u = s.units, f = s.features;
  const std::size_t gu = detail::gates<C>() * u;
  float *z = scratch;             // (N·T, G·U) in x's row order: pre-activations, then their gradients
  float *hs = z + n * t * gu;     // (T, N, U) h after each processing step
  float *cs = hs + n * t * u;     // (T, N, U) c after each step (LSTM)
  float *dz = cs + n * t * u;     // (N, G·U) one step's h·U, then its gate gradients
  // The pre-activations and states: rnn_f32's saved ones, laid out as
  // these, or computed again below.
  const float *zIn = saved ? saved : z;
  if (saved) {
    hs = const_cast<float *>(saved) + n * t * gu; // only read from here on
    cs = hs + n * t * u;
  }
  float *dhNext = dz + n * gu;    // (N, U)
  float *dcNext = dhNext + n * u; // (N, U)
  float *dh = dcNext + n * u;     // (N, U)
  float *uPanels = dh + n * u;                     // U (U, G·U) in panels
  float *utPanels = uPanels + packed_floats(u, gu); // Uᵀ (G·U, U) in panels
  float *wPanels = utPanels + packed_floats(gu, u); // W, later Wᵀ, in panels
  const std::size_t wRoom = packed_floats(f, gu) > packed_floats(gu, f) ? packed_floats(f, gu)
                                                                        : packed_floats(gu, f);
  float *zeros = wPanels + wRoom; // (U) a zero state
  float *hPrevRows = zeros + u;   // (N·T, U) each step's h before it, in x's row order
  std::memset(zeros, 0, u * sizeof(float));
  auto rowIndex = [&](std::size_t b, std::size_t p) {
    return b * t + (s.go_backwards ? t - 1 - p : p);
  };
  auto rowOf = [&](std::size_t b, std::size_t p) { return rowIndex(b, p) * gu; };
  auto zRow = [&](std::size_t b, std::size_t p) { return z + rowOf(b, p); };
  auto stepRows = [&](float *base, std::size_t p) { return base + p * n * u; };
  // The states before step p (null h: zeros). A row that is always there
  // keeps the cell loops free of branches, so they vectorize.
  auto hBefore = [&](std::size_t p) -> const float * { return p ? stepRows(hs, p - 1) : h0; };
  auto hRowBefore = [&](std::size_t b, std::size_t p) {
    const float *rows = hBefore(p);
    return rows ? rows + b * u : zeros;
  };
  auto cRowBefore = [&](std::size_t b, std::size_t p) -> const float * {
    return p ? stepRows(cs, p - 1) + b * u : (c0 ? c0 + b * u : zeros);
  };

  // Forward again unless saved: z = x·W + b for every step at once, then
  // step by step z += h_prev·U and the cell; a masked step keeps the
  // states. Both kernels are packed once, for the packed GEMM.
  if (!saved) {
    pack_panels(kernel, f, gu, wPanels);
    dense_packed_f32<Act::linear>(x, wPanels, bias, z, n * t, f, gu);
    pack_panels(recurrent, u, gu, uPanels);
  }
  for (std::size_t p = 0; p < (saved ? 0 : t); ++p) {
    if (const float *hPrev = hBefore(p)) {
      dense_packed_f32<Act::linear>(hPrev, uPanels, nullptr, dz, n, u, gu);
      for (std::size_t b = 0; b < n; ++b) {
        float *zp = zRow(b, p);
        const float *add = dz + b * gu;
        for (std::size_t j = 0; j < gu; ++j)
          zp[j] += add[j];
      }
    }
    for (std::size_t b = 0; b < n; ++b) {
      const float *zp = zRow(b, p);
      const float *cPrev = cRowBefore(b, p);
      float *h = stepRows(hs, p) + b * u, *c = stepRows(cs, p) + b * u;
      if (!stepKept(mask, s, b, p)) {
        std::memcpy(h, hRowBefore(b, p), u * sizeof(float));
        std::memcpy(c, cPrev, u * sizeof(float));
      } else if constexpr (C == Cell::simple) {
        for (std::size_t j = 0; j < u; ++j) {
          h[j] = activate<A>(zp[j]);
          c[j] = 0.0f;
        }
      } else {
        detail::lstmCellForward<A, R>(zp, cPrev, c, h, u);
      }
    }
  }

  // Backwards through the steps, from the returned states' gradients.
  pack_panels_transposed(recurrent, u, gu, utPanels);
  if (dhOut) std::memcpy(dhNext, dhOut, n * u * sizeof(float));
  else std::memset(dhNext, 0, n * u * sizeof(float));
  if (dcOut && C == Cell::lstm) std::memcpy(dcNext, dcOut, n * u * sizeof(float));
  else std::memset(dcNext, 0, n * u * sizeof(float));
  for (std::size_t p = t; p-- > 0;) {
    for (std::size_t b = 0; b < n; ++b) {
      const float *zp = zIn + rowOf(b, p);
      float *dzb = dz + b * gu, *dhb = dh + b * u;
      const bool kept = stepKept(mask, s, b, p);
      stateGrad(dhNext + b * u, stepOutputGrad(dy, s, b, p, kept), dhb, u);
      if (!kept) {
        // The state passed through unchanged: no gate has a gradient, and
        // dh goes to the step before as it is (added below).
        std::memset(dzb, 0, gu * sizeof(float));
      } else if constexpr (C == Cell::simple) {
        const float *h = stepRows(hs, p) + b * u;
        for (std::size_t j = 0; j < u; ++j)
          dzb[j] = dhb[j] * derivative_at<A>(zp[j], h[j]);
      } else {
        const float *c = stepRows(cs, p) + b * u;
        detail::lstmCellBackward<A, R>(zp, c, cRowBefore(b, p), dhb, dcNext + b * u, dzb, u);
      }
      // The step's pre-activations are spent: their gradients take the row,
      // and the state it started from the same row of hPrevRows, for dU.
      std::memcpy(zRow(b, p), dzb, gu * sizeof(float));
      std::memcpy(hPrevRows + rowIndex(b, p) * u, hRowBefore(b, p), u * sizeof(float));
    }
    // dh_prev = dz·Uᵀ (plus dh where the step was masked).
    dense_packed_f32<Act::linear>(dz, utPanels, nullptr, dhNext, n, gu, u);
    for (std::size_t b = 0; b < n; ++b)
      if (!stepKept(mask, s, b, p))
        for (std::size_t j = 0; j < u; ++j)
          dhNext[b * u + j] += dh[b * u + j];
  }
  if (dh0) std::memcpy(dh0, dhNext, n * u * sizeof(float));
  if (dc0 && C == Cell::lstm) std::memcpy(dc0, dcNext, n * u * sizeof(float));
  // Every step's gate gradients at once: dU = h_prevᵀ·dz (a masked step's
  // dz is zero), dW = xᵀ·dz, dx = dz·Wᵀ, db = Σ dz: one product over all
  // N·T rows each rather than T products over N.
  dense_grad_kernel_f32(hPrevRows, z, drecurrent, n * t, u, gu);
  dense_grad_kernel_f32(x, z, dkernel, n * t, f, gu);
  dense_grad_input_f32(z, kernel, dx, n * t, f, gu, wPanels);
  if (dbias) {
    std::memset(dbias, 0, gu * sizeof(float));
    for (std::size_t r = 0; r < n * t; ++r)
      for (std::size_t j = 0; j < gu; ++j)
        dbias[j] += z[r * gu + j];
  }
}
} // namespace detail

/// dy is the output's gradient, (N, T, U) in processing order with
/// return_sequences, else (N, U), or null (only the returned states are
/// used). mask (N, T), the initial states h0, c0 (N, U) and the gradients of
/// the returned states dh_out, dc_out (N, U) are as rnn_f32 takes them, each
/// null when absent. Writes dx (N, T, F), dkernel (F, G·U), drecurrent
/// (U, G·U), dbias (G·U, or 2·G·U for a GRU with reset_after) and the
/// initial states' gradients dh0, dc0; dbias, dh0 and dc0 may be null.
/// Every step's products with the kernels run over the whole batch as
/// matrix products; both kernels' gradients wait until every step's gate
/// gradients are known and then run over all N·T rows at once.
/// `saved` is what the forward rnn_f32 saved (SimpleRNN and LSTM), or null
/// to run the recurrence again.
template <Cell C, Act A, Act R>
inline void rnn_grad_f32(const float *dy, const float *x, const float *kernel,
                         const float *recurrent, const float *bias, const float *mask,
                         const float *h0, const float *c0, const float *dh_out,
                         const float *dc_out, float *dx, float *dkernel, float *drecurrent,
                         float *dbias, float *dh0, float *dc0, float *scratch, RnnShape s,
                         const float *saved = nullptr) {
  if constexpr (C == Cell::gru)
    gru_grad_f32<A, R>(dy, x, kernel, recurrent, bias, mask, h0, dh_out, dx, dkernel, drecurrent,
                       dbias, dh0, scratch, s);
  else
    detail::rnnGradSimpleOrLstm<C, A, R>(dy, x, kernel, recurrent, bias, mask, h0, c0, dh_out,
                                         dc_out, dx, dkernel, drecurrent, dbias, dh0, dc0,
                                         scratch, s, saved);
}

} // namespace rt
} // namespace kiln

#endif
