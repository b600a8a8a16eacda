// The GEMM core behind every packed kernel: y = act(A . B + bias + residual)
// with B prepacked in 16-column panels (packed.h). A is never built: a
// block of kTileRows rows (a Dense layer's input rows, or the receptive
// fields of a convolution's output pixels) is read where it lies through
// one pointer per row and tap (DirectBlock), or, where that cannot be
// described, gathered into a buffer one depth chunk of K at a time. The
// microkernel keeps kTileRows x kTilePanels panel rows in registers across
// K (or a chunk of it: chunks past the first add to what the previous one
// stored, and only the last applies the epilogue). Work is split over
// row blocks and panel groups; every output element is computed by one
// worker in the same order, so results do not depend on the thread count.
#ifndef KILN_RT_GEMM_TILE_H
#define KILN_RT_GEMM_TILE_H

#include "kiln/rt/eltwise/activation.h"
#include "kiln/rt/gemm/isa.h"
#include "kiln/rt/parallel.h"

#include <cstddef>

namespace kiln {
namespace rt {

/// Columns per panel: one 512-bit register, two 256-bit or four 128-bit.
constexpr std::size_t kPanel = 16;

namespace detail {

/// Depth of one chunk of K: a gathered A block (kTileRows x kDepth floats,
/// 24 KiB on AVX-512) stays in L1 while the panels stream through.
constexpr std::size_t kDepth = 512;
/// Bytes of B one column block holds: a quarter of a 2 MiB L2, leaving room
/// for the rows of A that stream past it.
#ifndef KILN_RT_L2_BLOCK_BYTES
#define KILN_RT_L2_BLOCK_BYTES (1u << 19)
#endif
constexpr std::size_t kL2BlockBytes = KILN_RT_L2_BLOCK_BYTES;
constexpr int kRows = isa::kTileRows, kPanels = isa::kTilePanels;

/// Where a tile's results go, and what the last chunk adds.
struct Epilogue {
  const float *bias;     // n floats, or null
  const float *residual; // rows n floats apart, or null
  float *y;              // rows ldy floats apart
  std::size_t n, ldy;
};

/// Where B's panels are: panel p's row k starts at p * panelStride +
/// k * rowStride. Packed panels are (k * kPanel, kPanel); a row-major B
/// whose width is a multiple of kPanel is read in place as (kPanel, n).
struct PanelLayout {
  std::size_t panelStride, rowStride;
};

/// The microkernel, e.g. gemm_f32_12x32_avx512: acc = a . b over `depth`,
/// where a is a gathered block (depth x kRows, k-major) and b points at
/// the chunk's first row in the first of P panels laid out as `l` says.
template <int P>
KILN_RT_ALWAYS_INLINE void tile_multiply(const float *a, const float *b, PanelLayout l,
                                         std::size_t depth, isa::Row16 (&acc)[kRows][P]) {
  for (int m = 0; m < kRows; ++m)
    for (int p = 0; p < P; ++p)
      acc[m][p] = isa::zero();
  for (std::size_t k = 0; k < depth; ++k) {
    isa::Row16 bv[P];
    for (int p = 0; p < P; ++p)
      bv[p] = isa::load(b + p * l.panelStride + k * l.rowStride);
    for (int m = 0; m < kRows; ++m)
      for (int p = 0; p < P; ++p)
        isa::fma(acc[m][p], a[k * kRows + m], bv[p]);
  }
}

/// Stores one row of one panel: adds the earlier
/// chunks' partial sums unless `first`; applies bias, residual and the
/// activation if `last`, else stores the partial sum.
template <Act A>
KILN_RT_ALWAYS_INLINE void tile_store(const Epilogue &e, std::size_t row0, std::size_t col,
                                      isa::Row16 v, bool first, bool last) {
  float *yp = e.y + row0 * e.ldy + col;
  const std::size_t width = e.n - col < kPanel ? e.n - col : kPanel;
  if (width == kPanel) {
    // A full panel stays in registers; activations other than linear,
    // relu and relu6 go through memory (as whole registers where the
    // activation has a lane form).
    if (!first)
      isa::add(v, isa::load(yp));
    if (last && e.bias)
      isa::add(v, isa::load(e.bias + col));
    if (last && e.residual)
      isa::add(v, isa::load(e.residual + row0 * e.n + col));
    if (!last || A == Act::linear) {
      isa::store(yp, v);
    } else if (A == Act::relu) {
      isa::relu(v);
      isa::store(yp, v);
    } else if (A == Act::relu6) {
      isa::clamp(v, 0.0f, 6.0f);
      isa::store(yp, v);
    } else {
      float t[kPanel];
      isa::store(t, v);
      activation_f32<A>(t, yp, kPanel);
    }
    return;
  }
  float t[kPanel];
  isa::store(t, v);
  for (std::size_t j = 0; j < width; ++j) {
    float s = t[j];
    if (!first)
      s += yp[j];
    if (last) {
      if (e.bias)
        s += e.bias[col + j];
      if (e.residual)
        s += e.residual[row0 * e.n + col + j];
      s = activate<A>(s);
    }
    yp[j] = s;
  }
}

/// One tile of P panels from panel p0: multiply, then store every row.
template <Act A, int P>
inline void tile(const float *a, const float *panels, PanelLayout l, std::size_t k0,
                 std::size_t depth, std::size_t p0, std::size_t row0, std::size_t rows,
                 bool first, bool last, const Epilogue &e) {
  isa::Row16 acc[kRows][P];
  tile_multiply<P>(a, panels + p0 * l.panelStride + k0 * l.rowStride, l, depth, acc);
  for (std::size_t r = 0; r < rows; ++r)
    for (int p = 0; p < P; ++p)
      tile_store<A>(e, row0 + r, (p0 + p) * kPanel, acc[r][p], first, last);
}

/// A block of up to kRows rows of A read where it lies, without a gather:
/// K is `taps` runs of `width` values, and run t of row r starts at
/// row[t][r] (a Dense input: one run per row; a convolution: one run of
/// channels per tap, or kZeros where the tap falls in the padding).
struct DirectBlock {
  static constexpr std::size_t kMaxTaps = 64;
  /// Floats of `edges`: room for every row's runs when K is at most 512.
  static constexpr std::size_t kEdgeFloats = std::size_t(kRows) * 512;
  const float *row[kMaxTaps][kRows];
  std::size_t taps, width;
  /// Where a source may assemble runs that do not lie in memory as they
  /// are (a convolution's row of taps that crosses the padding).
  alignas(64) float edges[kEdgeFloats];
};

/// A run of zeros for taps in the padding; convolutions with more
/// channels than this gather instead.
constexpr std::size_t kZeroRun = 2048;
alignas(64) inline const float kZeros[kZeroRun] = {};

/// The microkernel over R rows of a direct block, from its row r0: as
/// tile_multiply, with each row's values broadcast from where they lie.
template <int R, int P>
KILN_RT_ALWAYS_INLINE void tile_multiply_direct(const DirectBlock &blk, std::size_t r0,
                                                const float *b, PanelLayout l,
                                                isa::Row16 (&acc)[R][P]) {
  // A single panel's tile (the odd panel of an AVX-512 group) has too few
  // accumulators to hide the FMA latency, so it keeps a second set for odd
  // k and adds the two at the end. The choice depends on the panel alone,
  // never on R: every row of a column is summed in one order whatever
  // block it falls in, so a sample's result does not depend on its batch.
  constexpr int S = P < kPanels ? 2 : 1;
  isa::Row16 sums[S][R][P];
  for (int s = 0; s < S; ++s)
    for (int m = 0; m < R; ++m)
      for (int p = 0; p < P; ++p)
        sums[s][m][p] = isa::zero();
  const std::size_t width = blk.width;
  for (std::size_t t = 0; t < blk.taps; ++t, b += width * l.rowStride) {
    const float *a[R];
    for (int m = 0; m < R; ++m)
      a[m] = blk.row[t][r0 + m];
    auto step = [&](std::size_t k, isa::Row16(&into)[R][P]) {
      isa::Row16 bv[P];
      for (int p = 0; p < P; ++p)
        bv[p] = isa::load(b + p * l.panelStride + k * l.rowStride);
      for (int m = 0; m < R; ++m)
        for (int p = 0; p < P; ++p)
          isa::fma(into[m][p], a[m][k], bv[p]);
    };
    std::size_t k = 0;
    for (; k + S <= width; k += S)
      for (int s = 0; s < S; ++s)
        step(k + s, sums[s]);
    for (; k < width; ++k)
      step(k, sums[0]);
  }
  for (int m = 0; m < R; ++m)
    for (int p = 0; p < P; ++p) {
      acc[m][p] = sums[0][m][p];
      if (S > 1)
        isa::add(acc[m][p], sums[S - 1][m][p]);
    }
}

template <Act A, int R, int P>
inline void tile_direct(const DirectBlock &blk, std::size_t r0, const float *panels,
                        PanelLayout l, std::size_t p0, std::size_t row0, const Epilogue &e) {
  isa::Row16 acc[R][P];
  tile_multiply_direct<R, P>(blk, r0, panels + p0 * l.panelStride, l, acc);
  for (std::size_t r = 0; r < std::size_t(R); ++r)
    for (int p = 0; p < P; ++p)
      tile_store<A>(e, row0 + r0 + r, (p0 + p) * kPanel, acc[r][p], true, true);
}

/// Rows [r0, r0 + R) of a direct block times panel groups [g0, g1).
template <Act A, int R>
inline void tiles_direct(const DirectBlock &blk, std::size_t r0, const float *panels,
                         PanelLayout l, std::size_t nPanels, std::size_t g0,
                         std::size_t g1, std::size_t row0, const Epilogue &e) {
  for (std::size_t g = g0; g < g1; ++g) {
    const std::size_t p0 = g * kPanels;
    if (p0 + kPanels <= nPanels) {
      tile_direct<A, R, kPanels>(blk, r0, panels, l, p0, row0, e);
    } else if constexpr (R > 8) {
      // The odd panel left over: one B row feeds only R FMAs there, and R
      // row pointers do not fit the general registers, so two halves (8
      // rows then 4 spilled the eight pointers, and measured about 3 %
      // slower on runtime/bench BM_Conv/32/16/3/16).
      tile_direct<A, R / 2, 1>(blk, r0, panels, l, p0, row0, e);
      tile_direct<A, R - R / 2, 1>(blk, r0 + R / 2, panels, l, p0, row0, e);
    } else {
      tile_direct<A, R, 1>(blk, r0, panels, l, p0, row0, e);
    }
  }
}

/// y = act(A . B + bias + residual) for an (m x k) A that `source` provides
/// block by block. source.direct(row0, rows, blk) may describe a block as
/// a DirectBlock (and return true); otherwise source(row0, rows, k0, depth,
/// dst) gathers it: dst[kk * kRows + r] = A[row0 + r][k0 + kk] for
/// r < rows (the driver zeroes the rest). `panels` is B as ceil(n / 16)
/// panels of k rows, packed unless `inPlace` (then row-major, n a multiple
/// of kPanel).
template <Act A, class Source>
inline void gemm_packed(const Source &gather, std::size_t m, std::size_t k, const float *panels,
                        const Epilogue &e, bool inPlace = false) {
  const std::size_t nPanels = (e.n + kPanel - 1) / kPanel;
  const std::size_t groups = (nPanels + kPanels - 1) / kPanels;
  const std::size_t rowBlocks = (m + kRows - 1) / kRows;
  const PanelLayout l = inPlace ? PanelLayout{kPanel, e.n} : PanelLayout{k * kPanel, kPanel};
  // B is split into column blocks that fit in L2, and every row block runs
  // over one before the next, so B streams from memory once rather than
  // once per row block (ResNet50's last 3x3 convolutions hold 9.4 MB of
  // weights for 49 output pixels). They are split further when row blocks
  // alone leave threads idle.
  const std::size_t groupBytes = k * kPanel * kPanels * sizeof(float);
  std::size_t perSplit = kL2BlockBytes / groupBytes;
  perSplit = perSplit == 0 ? 1 : perSplit < groups ? perSplit : groups;
  std::size_t splits = (groups + perSplit - 1) / perSplit;
  while (rowBlocks * splits < 4 * thread_count() && splits < groups) {
    ++splits;
    perSplit = (groups + splits - 1) / splits;
  }
  splits = (groups + perSplit - 1) / perSplit;
  // Items run in order, so consecutive ones share a column block.
  parallel_for(rowBlocks * splits, [&](std::size_t item) {
    const std::size_t block = item % rowBlocks, split = item / rowBlocks;
    const std::size_t row0 = block * kRows;
    const std::size_t rows = m - row0 < std::size_t(kRows) ? m - row0 : kRows;
    const std::size_t g0 = split * perSplit;
    const std::size_t g1 = g0 + perSplit < groups ? g0 + perSplit : groups;
    DirectBlock blk;
    if (gather.direct(row0, rows, blk)) {
      // A short block (few rows, as a batch-1 Dense has) runs 4-row and
      // 1-row tiles rather than a full tile of padding.
      std::size_t r0 = 0;
      if (rows == std::size_t(kRows)) {
        tiles_direct<A, kRows>(blk, 0, panels, l, nPanels, g0, g1, row0, e);
        r0 = rows;
      }
      if constexpr (kRows > 8) {
        if (r0 + 8 <= rows) {
          tiles_direct<A, 8>(blk, r0, panels, l, nPanels, g0, g1, row0, e);
          r0 += 8;
        }
      }
      for (; r0 + 4 <= rows; r0 += 4)
        tiles_direct<A, 4>(blk, r0, panels, l, nPanels, g0, g1, row0, e);
      for (; r0 < rows; ++r0)
        tiles_direct<A, 1>(blk, r0, panels, l, nPanels, g0, g1, row0, e);
      return;
    }
    alignas(64) float a[kDepth * kRows];
    for (std::size_t k0 = 0; k0 < k; k0 += kDepth) {
      const std::size_t depth = k - k0 < kDepth ? k - k0 : kDepth;
      if (rows < std::size_t(kRows))
        for (std::size_t i = 0; i < depth * kRows; ++i)
          a[i] = 0.0f;
      gather(row0, rows, k0, depth, a);
      const bool first = k0 == 0, last = k0 + depth == k;
      for (std::size_t g = g0; g < g1; ++g) {
        const std::size_t p0 = g * kPanels;
        if (p0 + kPanels <= nPanels)
          tile<A, kPanels>(a, panels, l, k0, depth, p0, row0, rows, first, last, e);
        else // the odd panel left over
          tile<A, 1>(a, panels, l, k0, depth, p0, row0, rows, first, last, e);
      }
    }
  });
}

} // namespace detail
} // namespace rt
} // namespace kiln

#endif
