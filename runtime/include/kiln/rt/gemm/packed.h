// Dense and convolution kernels over weights prepacked at compile time into
// panels: the (K x N) weight matrix (Dense's kernel, or a convolution's
// HWIO kernel seen as (KH*KW*C) x F) is stored as ceil(N / kPanel) panels of
// K rows of kPanel floats, zero padded. Both kernels run the register-tiled
// GEMM of tile.h; they differ only in where A's rows are (input rows for
// Dense, the receptive fields of output pixels for a convolution).
#ifndef KILN_RT_GEMM_PACKED_H
#define KILN_RT_GEMM_PACKED_H

#include "kiln/rt/gemm/tile.h"

#include <cstddef>
#include <cstring>

namespace kiln {
namespace rt {

/// Floats a (k x n) weight takes once packed.
constexpr std::size_t packed_floats(std::size_t k, std::size_t n) {
  return k * ((n + kPanel - 1) / kPanel) * kPanel;
}

/// Packs a row-major (k x n) matrix into panels; `out` holds
/// packed_floats(k, n) floats. Row by row, so w is read once in order;
/// full panels copy 16 floats as one panel row (the compiler would not
/// vectorize the copy: it cannot rule out that w and out overlap).
inline void pack_panels(const float *w, std::size_t k, std::size_t n, float *out) {
  const std::size_t full = n / kPanel, tail = n - full * kPanel;
  for (std::size_t row = 0; row < k; ++row) {
    const float *src = w + row * n;
    for (std::size_t p = 0; p < full; ++p)
      isa::store(out + (p * k + row) * kPanel, isa::load(src + p * kPanel));
    if (tail) {
      float *dst = out + (full * k + row) * kPanel;
      for (std::size_t j = 0; j < kPanel; ++j)
        dst[j] = j < tail ? src[full * kPanel + j] : 0.0f;
    }
  }
}

/// Packs the transpose of a row-major (n x k) matrix, that is the (k x n)
/// matrix wᵀ, into panels (packed_floats(k, n) floats): panel p holds rows
/// p·16 .. p·16+15 of w side by side. Walks w row by row, so the reads are
/// contiguous and the writes revisit a panel's k·16 floats, which stay in
/// cache for the k of a layer.
inline void pack_panels_transposed(const float *w, std::size_t n, std::size_t k, float *out) {
  const std::size_t panels = (n + kPanel - 1) / kPanel;
  for (std::size_t p = 0; p < panels; ++p) {
    float *panel = out + p * k * kPanel;
    for (std::size_t j = 0; j < kPanel; ++j) {
      const std::size_t row = p * kPanel + j;
      if (row < n) {
        const float *src = w + row * k;
        for (std::size_t i = 0; i < k; ++i)
          panel[i * kPanel + j] = src[i];
      } else {
        for (std::size_t i = 0; i < k; ++i)
          panel[i * kPanel + j] = 0.0f;
      }
    }
  }
}

namespace detail {

/// Writes dst[i * kRows + r] = src[r][i] for i < depth, r < rows: the
/// transpose into a gathered block, walking i outside so the writes are
/// contiguous; a null src[r] is a row of zeros.
inline void transposeRows(const float *const *src, std::size_t rows, std::size_t depth,
                          float *dst) {
  bool dense = rows == std::size_t(kRows);
  for (std::size_t r = 0; r < rows; ++r)
    dense = dense && src[r];
  if (dense) {
    for (std::size_t i = 0; i < depth; ++i)
      for (int r = 0; r < kRows; ++r)
        dst[i * kRows + r] = src[r][i];
    return;
  }
  for (std::size_t i = 0; i < depth; ++i)
    for (std::size_t r = 0; r < rows; ++r)
      dst[i * kRows + r] = src[r] ? src[r][i] : 0.0f;
}

/// A's rows are the rows of x, `ld` floats apart.
struct RowGather {
  const float *x;
  std::size_t ld;
  void operator()(std::size_t row0, std::size_t rows, std::size_t k0, std::size_t depth,
                  float *dst) const {
    const float *src[kRows];
    for (std::size_t r = 0; r < rows; ++r)
      src[r] = x + (row0 + r) * ld + k0;
    transposeRows(src, rows, depth, dst);
  }
  bool direct(std::size_t row0, std::size_t rows, DirectBlock &blk) const {
    for (std::size_t r = 0; r < rows; ++r)
      blk.row[0][r] = x + (row0 + r) * ld;
    blk.taps = 1;
    blk.width = k;
    return true;
  }
  std::size_t k;
};

/// Columns [x0, x0 + count) of an input row `line` of `width` columns of
/// c floats: in place when they all lie inside the row, else assembled in
/// `room` (count·c floats) with zeros for the columns outside it.
inline const float *inputColumns(const float *line, std::size_t width, std::size_t c,
                                 std::ptrdiff_t x0, std::size_t count, float *room) {
  const std::ptrdiff_t n = std::ptrdiff_t(count), w = std::ptrdiff_t(width);
  const std::ptrdiff_t lo = x0 < 0 ? -x0 : 0, hi = x0 + n > w ? w - x0 : n;
  if (lo == 0 && hi == n)
    return line + std::size_t(x0) * c;
  std::memset(room, 0, count * c * sizeof(float));
  if (lo < hi)
    std::memcpy(room + std::size_t(lo) * c, line + std::size_t(x0 + lo) * c,
                std::size_t(hi - lo) * c * sizeof(float));
  return room;
}

/// A's row for output pixel (b, oy, ox) is its receptive field, tap by tap
/// (ky, kx) and channel by channel, with zeros where it leaves the input.
struct Im2colGather {
  const float *x;
  std::size_t h, wd, c, kw, oh, ow, sh, sw, dh, dw, pt, pl;
  /// Where output pixel `pixel` reads tap `tap`: the first of c channels,
  /// or null where the tap lies in the padding.
  const float *receptive(std::size_t pixel, std::size_t tap) const {
    const std::size_t b = pixel / (oh * ow), oy = pixel / ow % oh, ox = pixel % ow;
    const std::ptrdiff_t iy = std::ptrdiff_t(oy * sh + tap / kw * dh) - std::ptrdiff_t(pt);
    const std::ptrdiff_t ix = std::ptrdiff_t(ox * sw + tap % kw * dw) - std::ptrdiff_t(pl);
    if (iy < 0 || iy >= std::ptrdiff_t(h) || ix < 0 || ix >= std::ptrdiff_t(wd))
      return nullptr;
    return x + ((b * h + std::size_t(iy)) * wd + std::size_t(ix)) * c;
  }
  void operator()(std::size_t row0, std::size_t rows, std::size_t k0, std::size_t depth,
                  float *dst) const {
    // One piece per tap the chunk touches: the same channels of every row.
    for (std::size_t kk = k0; kk < k0 + depth;) {
      const std::size_t tap = kk / c, ci = kk % c;
      const std::size_t len = c - ci < k0 + depth - kk ? c - ci : k0 + depth - kk;
      const float *src[kRows];
      for (std::size_t r = 0; r < rows; ++r) {
        const float *at = receptive(row0 + r, tap);
        src[r] = at ? at + ci : nullptr;
      }
      transposeRows(src, rows, len, dst + (kk - k0) * kRows);
      kk += len;
    }
  }
  /// A block is direct while a run fits the zero run. With dw == 1 the kw
  /// taps of one kernel row read kw·c consecutive floats, so K is kh runs
  /// of kw·c (rows whose run crosses the left or right padding assemble it
  /// in blk.edges); otherwise it is kh·kw runs of c channels. Long runs
  /// matter when c is small: a 3-channel stem's 9 runs of 3 floats cost
  /// more in row pointers than in FMAs (runtime/bench BM_Conv, c = 3).
  bool direct(std::size_t row0, std::size_t rows, DirectBlock &blk) const {
    const std::size_t kh = taps / kw;
    const bool byRow = dw == 1 && kw > 1 && taps * c * std::size_t(kRows) <= DirectBlock::kEdgeFloats;
    if (byRow ? kw * c > kZeroRun || kh > DirectBlock::kMaxTaps
              : c > kZeroRun || taps > DirectBlock::kMaxTaps)
      return false;
    blk.taps = byRow ? kh : taps;
    blk.width = byRow ? kw * c : c;
    // The block's rows in runs along one output row (b, oy): per kernel
    // row ky, whether it is inside the input and where it starts hold for
    // the whole run, and the run's pixels step sw columns apart.
    std::size_t b = row0 / (oh * ow), oy = row0 / ow % oh, ox = row0 % ow;
    for (std::size_t r = 0; r < rows;) {
      const std::size_t run = rows - r < ow - ox ? rows - r : ow - ox;
      const float *image = x + b * h * wd * c;
      const std::ptrdiff_t y0 = std::ptrdiff_t(oy * sh) - std::ptrdiff_t(pt);
      const std::ptrdiff_t x0 = std::ptrdiff_t(ox * sw) - std::ptrdiff_t(pl);
      for (std::size_t ky = 0; ky < kh; ++ky) {
        const std::ptrdiff_t iy = y0 + std::ptrdiff_t(ky * dh);
        const bool rowInside = iy >= 0 && iy < std::ptrdiff_t(h);
        const float *line = image + (rowInside ? std::size_t(iy) * wd * c : 0);
        for (std::size_t q = 0; q < run; ++q) {
          const std::ptrdiff_t xq = x0 + std::ptrdiff_t(q * sw);
          if (byRow) {
            blk.row[ky][r + q] =
                rowInside ? runOfRow(line, xq, blk.edges + ((r + q) * kh + ky) * kw * c)
                          : kZeros;
            continue;
          }
          for (std::size_t kx = 0; kx < kw; ++kx) {
            const std::ptrdiff_t ix = xq + std::ptrdiff_t(kx * dw);
            blk.row[ky * kw + kx][r + q] = rowInside && ix >= 0 && ix < std::ptrdiff_t(wd)
                                               ? line + std::size_t(ix) * c
                                               : kZeros;
          }
        }
      }
      r += run;
      ox += run;
      if (ox == ow) {
        ox = 0;
        if (++oy == oh) {
          oy = 0;
          ++b;
        }
      }
    }
    return true;
  }
  /// The kw·c floats input row `line` holds from column x0 on.
  const float *runOfRow(const float *line, std::ptrdiff_t x0, float *room) const {
    return inputColumns(line, wd, c, x0, kw, room);
  }
  std::size_t taps;
};

} // namespace detail

/// dense_f32 over a packed kernel: y = act(x . W + bias + residual).
template <Act A>
inline void dense_packed_f32(const float *x, const float *wp, const float *bias, float *y,
                             std::size_t rows, std::size_t in, std::size_t units,
                             const float *residual = nullptr) {
  detail::gemm_packed<A>(detail::RowGather{x, in, in}, rows, in, wp,
                         detail::Epilogue{bias, residual, y, units, units});
}

namespace detail {
/// The convolution as an implicit GEMM: (n*oh*ow pixels) x (kh*kw*c) times
/// (kh*kw*c) x f, over panels packed or (`inPlace`) the kernel itself.
template <Act A>
inline void conv2dPanels(const float *x, const float *wp, const float *bias, float *y,
                         std::size_t n, std::size_t h, std::size_t wd, std::size_t c,
                         std::size_t kh, std::size_t kw, std::size_t f, std::size_t oh,
                         std::size_t ow, std::size_t sh, std::size_t sw, std::size_t dh,
                         std::size_t dw, std::size_t pt, std::size_t pl, const float *residual,
                         std::size_t ldy, bool inPlace) {
  const Epilogue e{bias, residual, y, f, ldy ? ldy : f};
  if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && oh == h && ow == wd)
    gemm_packed<A>(RowGather{x, c, c}, n * oh * ow, c, wp, e, inPlace);
  else
    gemm_packed<A>(Im2colGather{x, h, wd, c, kw, oh, ow, sh, sw, dh, dw, pt, pl, kh * kw},
                   n * oh * ow, kh * kw * c, wp, e, inPlace);
}
} // namespace detail

/// conv2d_f32 (groups 1) over a packed HWIO kernel, as an implicit GEMM.
/// Output pixels are `ldy` floats apart (0: f).
template <Act A>
inline void conv2d_packed_f32(const float *x, const float *wp, const float *bias, float *y,
                              std::size_t n, std::size_t h, std::size_t wd, std::size_t c,
                              std::size_t kh, std::size_t kw, std::size_t f, std::size_t oh,
                              std::size_t ow, std::size_t sh, std::size_t sw, std::size_t dh,
                              std::size_t dw, std::size_t pt, std::size_t pl,
                              const float *residual = nullptr, std::size_t ldy = 0) {
  detail::conv2dPanels<A>(x, wp, bias, y, n, h, wd, c, kh, kw, f, oh, ow, sh, sw, dh, dw, pt, pl,
                          residual, ldy, false);
}

/// dense_packed_f32 reading a row-major (in x units) kernel in place as its
/// panels, for units a multiple of kPanel: a kernel that changes every
/// step (training) is not packed, so no pass over it is spent per call,
/// and the microkernel runs as fast (the panels' rows are `units` floats
/// apart rather than kPanel).
template <Act A>
inline void dense_panels_in_place_f32(const float *x, const float *w, const float *bias,
                                      float *y, std::size_t rows, std::size_t in,
                                      std::size_t units, const float *residual = nullptr) {
  detail::gemm_packed<A>(detail::RowGather{x, in, in}, rows, in, w,
                         detail::Epilogue{bias, residual, y, units, units}, true);
}

/// conv2d_packed_f32 reading the HWIO kernel in place as its panels, for
/// f a multiple of kPanel (as dense_panels_in_place_f32).
template <Act A>
inline void conv2d_panels_in_place_f32(const float *x, const float *w, const float *bias,
                                       float *y, std::size_t n, std::size_t h, std::size_t wd,
                                       std::size_t c, std::size_t kh, std::size_t kw,
                                       std::size_t f, std::size_t oh, std::size_t ow,
                                       std::size_t sh, std::size_t sw, std::size_t dh,
                                       std::size_t dw, std::size_t pt, std::size_t pl,
                                       const float *residual = nullptr, std::size_t ldy = 0) {
  detail::conv2dPanels<A>(x, w, bias, y, n, h, wd, c, kh, kw, f, oh, ow, sh, sw, dh, dw, pt, pl,
                          residual, ldy, true);
}

} // namespace rt
} // namespace kiln

#endif
