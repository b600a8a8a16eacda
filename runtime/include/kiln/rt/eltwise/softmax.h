// Reductions along one axis: softmax, log-softmax, sparsemax, GLU.
// A tensor is viewed as (outer, axis, inner) around the reduced axis.
#ifndef KILN_RT_ELTWISE_SOFTMAX_H
#define KILN_RT_ELTWISE_SOFTMAX_H

#include "kiln/rt/eltwise/activation.h"

#include "kiln/rt/eltwise/fastmath.h"

#include <cmath>
#include <cstddef>

namespace kiln {
namespace rt {

/// Softmax (or log-softmax when `log`) over the middle axis of an
/// (outer, n, inner) tensor. x and y may alias exactly.
inline void softmax_f32(const float *x, float *y, std::size_t outer,
                        std::size_t n, std::size_t inner, bool log) {
  for (std::size_t o = 0; o < outer; ++o) {
    for (std::size_t i = 0; i < inner; ++i) {
      const float *xs = x + o * n * inner + i;
      float *ys = y + o * n * inner + i;
      float maxv = xs[0];
      for (std::size_t k = 1; k < n; ++k)
        maxv = xs[k * inner] > maxv ? xs[k * inner] : maxv;
      float sum = 0.0f;
      for (std::size_t k = 0; k < n; ++k)
        sum += fast::exp(xs[k * inner] - maxv);
      if (log) {
        const float lse = std::log(sum);
        for (std::size_t k = 0; k < n; ++k)
          ys[k * inner] = xs[k * inner] - maxv - lse;
      } else {
        const float inv = 1.0f / sum;
        for (std::size_t k = 0; k < n; ++k)
          ys[k * inner] = fast::exp(xs[k * inner] - maxv) * inv;
      }
    }
  }
}

/// Sparsemax over the middle axis as Keras computes it: max(x - tau, 0).
/// `scratch` holds n floats. x and y may alias exactly.
inline void sparsemax_f32(const float *x, float *y, std::size_t outer,
                          std::size_t n, std::size_t inner, float *scratch) {
  for (std::size_t o = 0; o < outer; ++o) {
    for (std::size_t i = 0; i < inner; ++i) {
      const float *xs = x + o * n * inner + i;
      float *ys = y + o * n * inner + i;
      for (std::size_t k = 0; k < n; ++k)
        scratch[k] = xs[k * inner];
      // Insertion sort, descending: n is a feature count, and this keeps the
      // runtime free of <algorithm> and heap use.
      for (std::size_t a = 1; a < n; ++a) {
        float v = scratch[a];
        std::size_t b = a;
        for (; b > 0 && scratch[b - 1] < v; --b)
          scratch[b] = scratch[b - 1];
        scratch[b] = v;
      }
      // Keras 3 (JAX backend) defines tau as (sum over the support of the
      // running sums - 1) / |support|, not (running sum at |support| - 1) /
      // |support| as in Martins & Astudillo; kiln follows Keras.
      float cumsum = 0.0f, support_sum = 0.0f;
      std::size_t support = 0;
      for (std::size_t k = 0; k < n; ++k) {
        cumsum += scratch[k];
        if (scratch[k] - (cumsum - 1.0f) / float(k + 1) > 0.0f) {
          ++support;
          support_sum += cumsum;
        }
      }
      const float tau = (support_sum - 1.0f) / float(support);
      for (std::size_t k = 0; k < n; ++k) {
        const float v = xs[k * inner] - tau;
        ys[k * inner] = v > 0.0f ? v : 0.0f;
      }
    }
  }
}

/// GLU: for x viewed as (outer, 2h, inner), y(outer, h, inner) = a * sigmoid(b)
/// with a the first and b the second half of the axis.
inline void glu_f32(const float *x, float *y, std::size_t outer, std::size_t h,
                    std::size_t inner) {
  for (std::size_t o = 0; o < outer; ++o) {
    const float *a = x + o * 2 * h * inner;
    const float *b = a + h * inner;
    float *yo = y + o * h * inner;
    for (std::size_t k = 0; k < h * inner; ++k)
      yo[k] = a[k] * detail::sigmoid(b[k]);
  }
}

} // namespace rt
} // namespace kiln

#endif
