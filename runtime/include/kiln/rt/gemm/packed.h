// Dense and convolution kernels over weights prepacked at compile time into
// panels: the (K x N) weight matrix (Dense's kernel, or a convolution's
// HWIO kernel seen as (KH*KW*C) x F) is stored as ceil(N / kPanel) panels of
// K rows of kPanel floats, zero padded. A microkernel keeps M rows of the
// result x one panel in vector registers across all of K and applies bias,
// residual and activation once, on the way out. The vectors are GCC/Clang
// vector extensions, so the same code becomes AVX-512, AVX2 or NEON
// instructions as the target allows.
#ifndef KILN_RT_GEMM_PACKED_H
#define KILN_RT_GEMM_PACKED_H

#include "kiln/rt/eltwise/activation.h"

#include <cstddef>
#include <cstring>

namespace kiln {
namespace rt {

/// Columns per panel: one 512-bit register, two 256-bit or four 128-bit.
constexpr std::size_t kPanel = 16;

/// Floats a (k x n) weight takes once packed.
constexpr std::size_t packed_floats(std::size_t k, std::size_t n) {
  return k * ((n + kPanel - 1) / kPanel) * kPanel;
}

/// Packs a row-major (k x n) matrix into panels; `out` holds
/// packed_floats(k, n) floats.
inline void pack_panels(const float *w, std::size_t k, std::size_t n, float *out) {
  const std::size_t panels = (n + kPanel - 1) / kPanel;
  for (std::size_t p = 0; p < panels; ++p)
    for (std::size_t row = 0; row < k; ++row)
      for (std::size_t j = 0; j < kPanel; ++j) {
        const std::size_t col = p * kPanel + j;
        out[(p * k + row) * kPanel + j] = col < n ? w[row * n + col] : 0.0f;
      }
}

namespace detail {
typedef float Panel __attribute__((vector_size(kPanel * sizeof(float))));

// Panels are loaded with memcpy where they are used: a function returning
// a 512-bit vector by value would change the ABI on targets without it.

/// Writes act(acc + bias + residual) for the `width` real columns of a panel.
template <Act A>
inline void storePanel(const Panel &acc, const float *bias, const float *residual, float *y,
                       std::size_t width) {
  float v[kPanel];
  std::memcpy(v, &acc, sizeof v);
  for (std::size_t j = 0; j < width; ++j) {
    float t = v[j];
    if (bias)
      t += bias[j];
    if (residual)
      t += residual[j];
    y[j] = activate<A>(t);
  }
}

/// M rows of x (each `ldx` apart) times one panel of k rows.
template <int M>
inline void multiplyPanel(const float *x, std::size_t ldx, const float *panel, std::size_t k,
                          Panel *acc) {
  for (int m = 0; m < M; ++m)
    acc[m] = Panel{};
  for (std::size_t i = 0; i < k; ++i) {
    Panel b;
    std::memcpy(&b, panel + i * kPanel, sizeof b);
    for (int m = 0; m < M; ++m)
      acc[m] += x[m * ldx + i] * b;
  }
}
} // namespace detail

/// dense_f32 over a packed kernel: y = act(x . W + bias + residual).
template <Act A>
inline void dense_packed_f32(const float *x, const float *wp, const float *bias, float *y,
                             std::size_t rows, std::size_t in, std::size_t units,
                             const float *residual = nullptr) {
  constexpr int kRows = 4;
  const std::size_t panels = (units + kPanel - 1) / kPanel;
  for (std::size_t p = 0; p < panels; ++p) {
    const float *panel = wp + p * in * kPanel;
    const std::size_t n0 = p * kPanel, width = units - n0 < kPanel ? units - n0 : kPanel;
    const float *b = bias ? bias + n0 : nullptr;
    std::size_t r = 0;
    detail::Panel acc[kRows];
    for (; r + kRows <= rows; r += kRows) {
      detail::multiplyPanel<kRows>(x + r * in, in, panel, in, acc);
      for (int m = 0; m < kRows; ++m)
        detail::storePanel<A>(acc[m], b, residual ? residual + (r + m) * units + n0 : nullptr,
                              y + (r + m) * units + n0, width);
    }
    for (; r < rows; ++r) {
      detail::multiplyPanel<1>(x + r * in, in, panel, in, acc);
      detail::storePanel<A>(acc[0], b, residual ? residual + r * units + n0 : nullptr,
                            y + r * units + n0, width);
    }
  }
}

/// conv2d_f32 (groups 1) over a packed HWIO kernel. Output pixels are
/// computed kRows at a time along a row; pixels whose window leaves the
/// input for some tap skip it, as the zero padding contributes nothing.
template <Act A>
inline void conv2d_packed_f32(const float *x, const float *wp, const float *bias, float *y,
                              std::size_t n, std::size_t h, std::size_t wd, std::size_t c,
                              std::size_t kh, std::size_t kw, std::size_t f, std::size_t oh,
                              std::size_t ow, std::size_t sh, std::size_t sw, std::size_t dh,
                              std::size_t dw, std::size_t pt, std::size_t pl,
                              const float *residual = nullptr, std::size_t ldy = 0) {
  constexpr std::size_t kRows = 4;
  if (ldy == 0)
    ldy = f;
  const std::size_t k = kh * kw * c, panels = (f + kPanel - 1) / kPanel;
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t oy = 0; oy < oh; ++oy)
      for (std::size_t ox0 = 0; ox0 < ow; ox0 += kRows) {
        const std::size_t rows = ow - ox0 < kRows ? ow - ox0 : kRows;
        for (std::size_t p = 0; p < panels; ++p) {
          const float *panel = wp + p * k * kPanel;
          detail::Panel acc[kRows] = {};
          for (std::size_t ky = 0; ky < kh; ++ky) {
            const std::ptrdiff_t iy = std::ptrdiff_t(oy * sh + ky * dh) - std::ptrdiff_t(pt);
            if (iy < 0 || iy >= std::ptrdiff_t(h))
              continue;
            const float *xrow = x + (b * h + std::size_t(iy)) * wd * c;
            for (std::size_t kx = 0; kx < kw; ++kx) {
              const float *tap = panel + (ky * kw + kx) * c * kPanel;
              const float *xp[kRows];
              bool all = rows == kRows;
              for (std::size_t m = 0; m < kRows; ++m) {
                const std::ptrdiff_t ix =
                    std::ptrdiff_t((ox0 + m) * sw + kx * dw) - std::ptrdiff_t(pl);
                const bool inside = m < rows && ix >= 0 && ix < std::ptrdiff_t(wd);
                xp[m] = inside ? xrow + std::size_t(ix) * c : nullptr;
                all = all && inside;
              }
              if (all) {
                for (std::size_t ci = 0; ci < c; ++ci) {
                  detail::Panel w;
                  std::memcpy(&w, tap + ci * kPanel, sizeof w);
                  for (std::size_t m = 0; m < kRows; ++m)
                    acc[m] += xp[m][ci] * w;
                }
              } else {
                for (std::size_t m = 0; m < kRows; ++m)
                  if (xp[m])
                    for (std::size_t ci = 0; ci < c; ++ci) {
                      detail::Panel w;
                      std::memcpy(&w, tap + ci * kPanel, sizeof w);
                      acc[m] += xp[m][ci] * w;
                    }
              }
            }
          }
          const std::size_t n0 = p * kPanel, width = f - n0 < kPanel ? f - n0 : kPanel;
          for (std::size_t m = 0; m < rows; ++m) {
            const std::size_t pixel = (b * oh + oy) * ow + ox0 + m;
            detail::storePanel<A>(acc[m], bias ? bias + n0 : nullptr,
                                  residual ? residual + pixel * f + n0 : nullptr,
                                  y + pixel * ldy + n0, width);
          }
        }
      }
}

} // namespace rt
} // namespace kiln

#endif
