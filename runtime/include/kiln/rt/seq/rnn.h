// Recurrent layers (SimpleRNN, LSTM, GRU) over a whole sequence, with Keras 3
// semantics: gate order, GRU reset_after, masks, go_backwards.
#ifndef KILN_RT_SEQ_RNN_H
#define KILN_RT_SEQ_RNN_H

#include "kiln/rt/eltwise/activation.h"
#include "kiln/rt/gemm/dense.h"
#include "kiln/rt/gemm/packed.h"

#include <cstddef>
#include <cstring>

namespace kiln {
namespace rt {

enum class Cell { simple, lstm, gru };

/// Sizes and flags of one recurrent layer call.
struct RnnShape {
  std::size_t batch, steps, features, units;
  bool go_backwards, return_sequences, reset_after;
  bool zero_output_for_mask; // masked steps output zeros, not the last output
  // The kernels as the compiler stored them: in panels (packed_floats) when
  // set, else row-major. A GRU without reset_after reads its recurrent
  // kernel by parts, so it takes that one row-major.
  bool kernel_in_panels = false;
  bool recurrent_in_panels = false;
};

namespace detail {
/// One LSTM step of one sample: c = f·c + i·g, h = o·act(c), gates from
/// xw + hw. __restrict (nothing aliases) lets this many-array loop vectorize.
template <Act A, Act R>
inline void lstmStep(const float *__restrict xw, const float *__restrict hw,
                     float *__restrict h, float *__restrict c, std::size_t u) {
  for (std::size_t j = 0; j < u; ++j) {
    const float i = activate<R>(xw[j] + hw[j]);
    const float f = activate<R>(xw[u + j] + hw[u + j]);
    const float g = activate<A>(xw[2 * u + j] + hw[2 * u + j]);
    const float o = activate<R>(xw[3 * u + j] + hw[3 * u + j]);
    const float cj = f * c[j] + i * g;
    c[j] = cj;
    h[j] = o * activate<A>(cj);
  }
}

template <Cell C> constexpr std::size_t gates() {
  return C == Cell::simple ? 1 : (C == Cell::lstm ? 4 : 3);
}

/// One step of one sample: `xw` is x·W + input bias (G·U), `hw` is h·U plus
/// the recurrent bias where Keras adds it (G·U); updates h and c in place.
/// `rk` is the recurrent kernel, used by a GRU without reset_after.
template <Cell C, Act A, Act R>
inline void cellStep(const float *xw, const float *hw, const float *rk, float *h, float *c,
                     float *tmp, std::size_t u, bool resetAfter) {
  if constexpr (C == Cell::simple) {
    for (std::size_t j = 0; j < u; ++j)
      h[j] = activate<A>(xw[j] + hw[j]);
  } else if constexpr (C == Cell::lstm) {
    lstmStep<A, R>(xw, hw, h, c, u);
  } else {
    // tmp: z (u), then r * h (u) when the reset gate applies before the
    // product with the recurrent kernel.
    float *z = tmp, *rh = tmp + u;
    for (std::size_t j = 0; j < u; ++j) {
      z[j] = activate<R>(xw[j] + hw[j]);
      float r = activate<R>(xw[u + j] + hw[u + j]);
      rh[j] = resetAfter ? r * hw[2 * u + j] : r * h[j];
    }
    if (resetAfter) {
      for (std::size_t j = 0; j < u; ++j) {
        float hh = activate<A>(xw[2 * u + j] + rh[j]);
        h[j] = z[j] * h[j] + (1.0f - z[j]) * hh;
      }
    } else {
      // (r * h) · U_h, U_h being the last u columns of the (u, 3u) kernel.
      float *acc = tmp + 2 * u;
      for (std::size_t j = 0; j < u; ++j)
        acc[j] = 0.0f;
      for (std::size_t k = 0; k < u; ++k) {
        const float *row = rk + k * 3 * u + 2 * u;
        for (std::size_t j = 0; j < u; ++j)
          acc[j] += rh[k] * row[j];
      }
      for (std::size_t j = 0; j < u; ++j) {
        float hh = activate<A>(xw[2 * u + j] + acc[j]);
        h[j] = z[j] * h[j] + (1.0f - z[j]) * hh;
      }
    }
  }
}
} // namespace detail

namespace detail {
/// Rows from which a product pays for packing its kernel into panels: the
/// packed GEMM is faster from about 32 rows on, slower below (measured
/// with runtime/bench shapes of 1 to 640 rows).
constexpr std::size_t kRnnPanelRows = 32;
/// Whether rnn_f32 packs the input kernel (for all N·T rows at once) and
/// the recurrent kernel (N rows a step, packed once for every step) into
/// scratch: only kernels not already stored as panels.
constexpr bool rnnPacksInput(const RnnShape &s) {
  return !s.kernel_in_panels && s.batch * s.steps >= kRnnPanelRows;
}
template <Cell C> constexpr bool rnnPacksRecurrent(const RnnShape &s) {
  return !s.recurrent_in_panels && s.batch >= kRnnPanelRows &&
         !(C == Cell::gru && !s.reset_after);
}
} // namespace detail

/// Floats of scratch rnn_f32 needs: the input projection of every step,
/// one step's recurrent projection, the states, the GRU's gate
/// temporaries, then the kernels in panels where rnn_f32 packs them.
template <Cell C> constexpr std::size_t rnn_scratch_floats(const RnnShape &s) {
  const std::size_t gu = detail::gates<C>() * s.units;
  return (s.batch * s.steps + s.batch) * gu + 2 * s.batch * s.units + 3 * s.units +
         (detail::rnnPacksInput(s) ? packed_floats(s.features, gu) : 0) +
         (detail::rnnPacksRecurrent<C>(s) ? packed_floats(s.units, gu) : 0);
}

/// Floats of rnn_f32's `saved`: every step's pre-activations, then the
/// states h and c after each step.
template <Cell C> constexpr std::size_t rnn_saved_floats(const RnnShape &s) {
  return s.batch * s.steps * (detail::gates<C>() * s.units + 2 * s.units);
}

/// Runs a recurrent layer. x is (N, T, F); kernel (F, G·U); recurrent (U, G·U),
/// each in panels where `s` says so;
/// bias (G·U), or (2·G·U) for a GRU with reset_after, or null; mask (N, T) of
/// 0/1 or null; h0, c0 (N, U) or null for zeros. out is (N, T, U) with
/// return_sequences (in processing order), else (N, U); h_out, c_out (N, U)
/// may be null. scratch holds rnn_scratch_floats floats. A training step
/// passes `saved` (SimpleRNN and LSTM, rnn_saved_floats floats): it
/// receives what backpropagation reads, every step's pre-activations
/// (N·T, G·U) in x's row order, then h and c after each step ((T, N, U)
/// each, in processing order).
template <Cell C, Act A, Act R>
inline void rnn_f32(const float *x, const float *kernel, const float *recurrent,
                    const float *bias, const float *mask, const float *h0, const float *c0,
                    float *out, float *h_out, float *c_out, float *scratch, RnnShape s,
                    float *saved = nullptr) {
  const std::size_t n = s.batch, t = s.steps, u = s.units, gu = detail::gates<C>() * u;
  float *hw = scratch + n * t * gu; // (N, G·U), after x·W + b's room
  // x·W + b for every step, (N·T, G·U); saved, it becomes each step's
  // pre-activations where it lies.
  float *xw = saved ? saved : scratch;
  float *h = hw + n * gu;        // (N, U)
  float *c = h + n * u;          // (N, U)
  float *tmp = c + n * u;        // (3·U), the GRU's gate temporaries
  float *panels = tmp + 3 * u;   // kernels packed here, the input one first
  const float *recurrentBias = bias && s.reset_after ? bias + gu : nullptr;
  // The input projection of every step at once.
  const float *kernelPanels = s.kernel_in_panels ? kernel : nullptr;
  if (detail::rnnPacksInput(s)) {
    pack_panels(kernel, s.features, gu, panels);
    kernelPanels = panels;
    panels += packed_floats(s.features, gu);
  }
  if (kernelPanels)
    dense_packed_f32<Act::linear>(x, kernelPanels, bias, xw, n * t, s.features, gu);
  else
    dense_f32<Act::linear>(x, kernel, bias, xw, n * t, s.features, gu);
  const float *recurrentPanels = s.recurrent_in_panels ? recurrent : nullptr;
  if (detail::rnnPacksRecurrent<C>(s)) {
    pack_panels(recurrent, u, gu, panels);
    recurrentPanels = panels;
  }
  if (h0) std::memcpy(h, h0, n * u * sizeof(float));
  else std::memset(h, 0, n * u * sizeof(float));
  if (c0) std::memcpy(c, c0, n * u * sizeof(float));
  else std::memset(c, 0, n * u * sizeof(float));
  // A GRU without reset_after multiplies only z and r by h here.
  const std::size_t hwCols = C == Cell::gru && !s.reset_after ? 2 * u : gu;
  for (std::size_t step = 0; step < t; ++step) {
    const std::size_t ti = s.go_backwards ? t - 1 - step : step;
    if (hwCols == gu) {
      // h·U for the whole batch: each row of U is read once per step.
      if (recurrentPanels)
        dense_packed_f32<Act::linear>(h, recurrentPanels, recurrentBias, hw, n, u, gu);
      else
        dense_f32<Act::linear>(h, recurrent, recurrentBias, hw, n, u, gu);
    } else {
      for (std::size_t b = 0; b < n; ++b) {
        float *hwb = hw + b * gu;
        for (std::size_t j = 0; j < hwCols; ++j)
          hwb[j] = recurrentBias ? recurrentBias[j] : 0.0f;
        const float *hb = h + b * u;
        for (std::size_t k = 0; k < u; ++k) {
          const float hk = hb[k];
          const float *row = recurrent + k * gu;
          for (std::size_t j = 0; j < hwCols; ++j)
            hwb[j] += hk * row[j];
        }
      }
    }
    for (std::size_t b = 0; b < n; ++b) {
      // A masked step keeps the states and repeats the previous output, or
      // outputs zeros.
      const bool kept = !mask || mask[b * t + ti] != 0.0f;
      float *z = xw + (b * t + ti) * gu;
      if (kept)
        detail::cellStep<C, A, R>(z, hw + b * gu, recurrent, h + b * u, c + b * u, tmp, u,
                                  s.reset_after);
      if (saved) // the sum the cell took its gates of
        for (std::size_t j = 0; j < gu; ++j)
          z[j] += hw[b * gu + j];
      float *y = s.return_sequences ? out + (b * t + step) * u : out + b * u;
      if (kept || !s.zero_output_for_mask)
        std::memcpy(y, h + b * u, u * sizeof(float));
      else
        std::memset(y, 0, u * sizeof(float));
    }
    if (saved) {
      std::memcpy(saved + n * t * gu + step * n * u, h, n * u * sizeof(float));
      std::memcpy(saved + n * t * (gu + u) + step * n * u, c, n * u * sizeof(float));
    }
  }
  if (h_out) std::memcpy(h_out, h, n * u * sizeof(float));
  if (c_out && C == Cell::lstm) std::memcpy(c_out, c, n * u * sizeof(float));
}

} // namespace rt
} // namespace kiln

#endif
