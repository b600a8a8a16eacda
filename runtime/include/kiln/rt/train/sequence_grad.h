// Backward kernels of layer normalization, embedding lookups and strided
// views (transposes, slices, the parts of a concatenation).
#ifndef KILN_RT_TRAIN_SEQUENCE_GRAD_H
#define KILN_RT_TRAIN_SEQUENCE_GRAD_H

#include "kiln/rt/eltwise/norm.h"
#include "kiln/rt/seq/embedding.h"

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace kiln {
namespace rt {

/// Gradients of layer_norm_f32 over rows of n values: dx, and dgamma,
/// dbeta summed over rows (gamma, beta may be null; their gradients are
/// still written). With `rms`, y = x·r·γ and r = 1/sqrt(var + eps).
inline void layer_norm_grad_f32(const float *dy, const float *x, const float *gamma,
                                float *dx, float *dgamma, float *dbeta, std::size_t rows,
                                std::size_t n, float eps, bool rms) {
  for (std::size_t i = 0; i < n; ++i)
    dgamma[i] = dbeta[i] = 0.0f;
  for (std::size_t r = 0; r < rows; ++r) {
    const float *xr = x + r * n, *dyr = dy + r * n;
    float *dxr = dx + r * n;
    float mean, var;
    row_moments(xr, n, mean, var); // the forward's statistics, recomputed
    const float inv = 1.0f / std::sqrt(var + eps);
    // g = dL/dx̂ with x̂ = (x - center)·inv; the sums the chain rule needs.
    double sumG = 0.0, sumGXhat = 0.0, sumGX = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      float xhat = (xr[i] - mean) * inv;
      float g = dyr[i] * (gamma ? gamma[i] : 1.0f);
      dgamma[i] += dyr[i] * (rms ? xr[i] * inv : xhat);
      dbeta[i] += rms ? 0.0f : dyr[i];
      sumG += g;
      sumGXhat += double(g) * xhat;
      sumGX += double(g) * xr[i];
    }
    for (std::size_t i = 0; i < n; ++i) {
      float g = dyr[i] * (gamma ? gamma[i] : 1.0f);
      float xhat = (xr[i] - mean) * inv;
      if (rms) // d(x·inv)/dx: inv, and inv's dependence through the variance
        dxr[i] = inv * g - inv * inv * inv * (xr[i] - mean) * float(sumGX) / float(n);
      else
        dxr[i] = inv / float(n) * (float(n) * g - float(sumG) - xhat * float(sumGXhat));
    }
  }
}

/// dtable[id, :] += dy[i, :] for each of `count` ids, resolved as
/// embedding_f32 does; ids outside the table get nothing.
template <typename Id>
inline void embedding_grad_f32(const Id *ids, const float *dy, float *dtable, std::size_t count,
                               std::size_t vocab, std::size_t dim) {
  for (std::size_t i = 0; i < vocab * dim; ++i)
    dtable[i] = 0.0f;
  for (std::size_t i = 0; i < count; ++i) {
    std::int64_t id = detail::idValue(ids[i]);
    if (id < 0)
      id += static_cast<std::int64_t>(vocab);
    if (id < 0 || id >= static_cast<std::int64_t>(vocab))
      continue;
    float *row = dtable + static_cast<std::size_t>(id) * dim;
    for (std::size_t j = 0; j < dim; ++j)
      row[j] += dy[i * dim + j];
  }
}

/// The adjoint of strided_copy_f32: x (x_size floats) = 0, then each y
/// element added at the position strided_copy_f32 read it from.
inline void strided_scatter_add_f32(const float *y, float *x, std::ptrdiff_t offset,
                                    std::ptrdiff_t x_size, std::ptrdiff_t d0, std::ptrdiff_t d1,
                                    std::ptrdiff_t d2, std::ptrdiff_t d3, std::ptrdiff_t d4,
                                    std::ptrdiff_t d5, std::ptrdiff_t s0, std::ptrdiff_t s1,
                                    std::ptrdiff_t s2, std::ptrdiff_t s3, std::ptrdiff_t s4,
                                    std::ptrdiff_t s5) {
  for (std::ptrdiff_t i = 0; i < x_size; ++i)
    x[i] = 0.0f;
  x += offset;
  for (std::ptrdiff_t i0 = 0; i0 < d0; ++i0)
    for (std::ptrdiff_t i1 = 0; i1 < d1; ++i1)
      for (std::ptrdiff_t i2 = 0; i2 < d2; ++i2)
        for (std::ptrdiff_t i3 = 0; i3 < d3; ++i3)
          for (std::ptrdiff_t i4 = 0; i4 < d4; ++i4) {
            float *xr = x + i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3 + i4 * s4;
            for (std::ptrdiff_t i5 = 0; i5 < d5; ++i5)
              xr[i5 * s5] += *y++;
          }
}

} // namespace rt
} // namespace kiln

#endif
