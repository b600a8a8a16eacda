// What backpropagation through time needs to know about one step of one
// sample, shared by the SimpleRNN/LSTM and GRU gradients: whether the mask
// kept it, and which output gradient reaches its state.
#ifndef KILN_RT_TRAIN_RNN_GRAD_STEPS_H
#define KILN_RT_TRAIN_RNN_GRAD_STEPS_H

#include "kiln/rt/seq/rnn.h"

#include <cstddef>

namespace kiln {
namespace rt {
namespace detail {

/// Whether processing step p of sample b ran the cell (mask (N, T) in the
/// input's time order, or null).
inline bool stepKept(const float *mask, const RnnShape &s, std::size_t b, std::size_t p) {
  return !mask || mask[b * s.steps + (s.go_backwards ? s.steps - 1 - p : p)] != 0.0f;
}

/// The output gradient (U floats) that reaches the state after step p of
/// sample b, or null: rnn_f32 outputs the state at every step with
/// return_sequences, else once after the last, and outputs zeros instead at
/// a masked step with zero_output_for_mask.
inline const float *stepOutputGrad(const float *dy, const RnnShape &s, std::size_t b,
                                   std::size_t p, bool kept) {
  if (!dy || (!kept && s.zero_output_for_mask))
    return nullptr;
  if (s.return_sequences)
    return dy + (b * s.steps + p) * s.units;
  return p + 1 == s.steps ? dy + b * s.units : nullptr;
}

/// dh = carried + out (where out is not null), over u floats.
inline void stateGrad(const float *__restrict carried, const float *__restrict out,
                      float *__restrict dh, std::size_t u) {
  if (out)
    for (std::size_t j = 0; j < u; ++j)
      dh[j] = carried[j] + out[j];
  else
    for (std::size_t j = 0; j < u; ++j)
      dh[j] = carried[j];
}

} // namespace detail
} // namespace rt
} // namespace kiln

#endif
