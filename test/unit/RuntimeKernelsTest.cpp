// The runtime kernels against plain double-precision references written
// straight from the formulas.
#include "kiln/rt/kiln_rt.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

using kiln::rt::Act;

namespace {
std::vector<float> randomVector(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

void expectClose(const std::vector<float> &got, const std::vector<double> &want,
                 double rel = 1e-5) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], rel * std::fmax(1.0, std::fabs(want[i]))) << "at " << i;
}

double sigmoidRef(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double softplusRef(double x) { return std::log1p(std::exp(x)); }
} // namespace

TEST(Dense, MatchesReferenceOnOddSizes) {
  // Also past the register tiles: 4-row blocks and single rows, 64- and
  // 16-column tiles and the columns after them.
  for (auto [rows, in, units] : {std::tuple<int, int, int>{1, 1, 1}, {3, 7, 5}, {2, 33, 17},
                                  {4, 130, 9}, {6, 20, 100}, {9, 5, 64}}) {
    auto x = randomVector(rows * in, 1), w = randomVector(in * units, 2),
         b = randomVector(units, 3);
    for (bool withBias : {false, true}) {
      for (bool withResidual : {false, true}) {
        auto residual = randomVector(rows * units, 4);
        std::vector<float> y(rows * units);
        kiln::rt::dense_f32<Act::relu>(x.data(), w.data(), withBias ? b.data() : nullptr,
                                       y.data(), rows, in, units,
                                       withResidual ? residual.data() : nullptr);
        std::vector<double> ref(rows * units);
        for (int r = 0; r < rows; ++r)
          for (int j = 0; j < units; ++j) {
            double acc = withBias ? b[j] : 0.0;
            for (int k = 0; k < in; ++k)
              acc += double(x[r * in + k]) * w[k * units + j];
            // The residual joins before the activation: relu(x.W + b + r).
            if (withResidual)
              acc += residual[r * units + j];
            ref[r * units + j] = acc > 0 ? acc : 0.0;
          }
        expectClose(y, ref);
      }
    }
  }
}

TEST(Matmul, MatchesDoublePrecisionAndEachRowIsTheSameAlone) {
  // Attention's shapes (16x32 by 32x16, 16x16 by 16x32), widths with a
  // scalar column tail, row counts with remainders, one shared B.
  struct Case {
    std::size_t batch, m, k, n;
    bool shared;
  };
  for (Case c : {Case{3, 16, 32, 16, false}, {2, 16, 16, 32, false}, {1, 13, 7, 37, false},
                 {4, 9, 5, 3, true}, {1, 1, 1, 1, false}, {2, 20, 64, 40, false},
                 {2, 3, 0, 5, false}}) {
    auto a = randomVector(c.batch * c.m * c.k, 101),
         b = randomVector((c.shared ? 1 : c.batch) * c.k * c.n, 102);
    const std::size_t stride = c.shared ? 0 : c.k * c.n;
    std::vector<float> y(c.batch * c.m * c.n, -1.0f);
    kiln::rt::matmul_f32(a.data(), b.data(), y.data(), c.batch, c.m, c.k, c.n, stride);
    std::vector<double> want(y.size());
    for (std::size_t p = 0; p < c.batch; ++p)
      for (std::size_t i = 0; i < c.m; ++i)
        for (std::size_t j = 0; j < c.n; ++j) {
          double acc = 0;
          for (std::size_t q = 0; q < c.k; ++q)
            acc += double(a[(p * c.m + i) * c.k + q]) * b[p * stride + q * c.n + j];
          want[(p * c.m + i) * c.n + j] = acc;
        }
    expectClose(y, want);
    // A row gets the same bits whatever tile it falls in: alone, as a
    // one-row product (a batch-1 sample against its batch).
    const std::size_t last = c.batch * c.m - 1, p = last / c.m;
    std::vector<float> alone(c.n);
    kiln::rt::matmul_f32(a.data() + last * c.k, b.data() + p * stride, alone.data(), 1, 1, c.k,
                         c.n, 0);
    EXPECT_EQ(0, std::memcmp(alone.data(), y.data() + last * c.n, c.n * sizeof(float)));
    kiln::rt::ThreadScope scope(3);
    std::vector<float> threaded(y.size());
    kiln::rt::matmul_f32(a.data(), b.data(), threaded.data(), c.batch, c.m, c.k, c.n, stride);
    EXPECT_EQ(threaded, y);
  }
}

TEST(LayerNorm, MatchesDoublePrecisionOverRowWidths) {
  // Widths below, at and past a vector (lane sums plus a tail), centered
  // and rms, with an offset so the mean matters.
  for (std::size_t n : {1, 7, 16, 32, 45, 100})
    for (bool rms : {false, true}) {
      const std::size_t rows = 5;
      auto x = randomVector(rows * n, 111, 2.0f), gamma = randomVector(n, 112),
           beta = randomVector(n, 113);
      for (float &v : x)
        v += 3.0f;
      std::vector<float> y(rows * n);
      kiln::rt::layer_norm_f32(x.data(), gamma.data(), beta.data(), y.data(), rows, n, 1e-3f,
                               rms);
      std::vector<double> want(rows * n);
      for (std::size_t r = 0; r < rows; ++r) {
        double mean = 0, var = 0;
        for (std::size_t i = 0; i < n; ++i)
          mean += x[r * n + i];
        mean /= n;
        for (std::size_t i = 0; i < n; ++i)
          var += (x[r * n + i] - mean) * (x[r * n + i] - mean);
        var /= n;
        for (std::size_t i = 0; i < n; ++i)
          want[r * n + i] = (x[r * n + i] - (rms ? 0.0 : mean)) / std::sqrt(var + 1e-3) *
                                gamma[i] + (rms ? 0.0 : beta[i]);
      }
      expectClose(y, want, 2e-5);
    }
}

TEST(Reduce, MatchesRowOrderBitForBitOverEveryColumnSplit) {
  // Inner widths that take every register block (8, 4, 2, 1 vectors) and
  // a scalar tail, and the 1-wide reduction over a contiguous axis; NaNs
  // in one column. The reference combines rows in order, as the
  // row-at-a-time kernel did (and is checked against double precision).
  using kiln::rt::Reduce;
  struct Case {
    std::size_t outer, n, inner;
  };
  for (Case c : {Case{2, 7, 245}, {1, 49, 1280}, {3, 5, 1}, {1, 1, 37}, {2, 12544, 3}}) {
    // Named copies: a lambda may not capture structured bindings (C++17).
    const std::size_t outer = c.outer, n = c.n, inner = c.inner;
    auto x = randomVector(outer * n * inner, 91, 2.0f);
    if (inner > 3)
      x[(n / 2) * inner + 3] = std::numeric_limits<float>::quiet_NaN();
    auto check = [&](auto kind) {
      constexpr Reduce R = decltype(kind)::value;
      std::vector<float> got(outer * inner), want(outer * inner);
      kiln::rt::reduce_f32<R>(x.data(), got.data(), outer, n, inner);
      for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t i = 0; i < inner; ++i) {
          float acc = x[o * n * inner + i];
          double sum = acc;
          for (std::size_t k = 1; k < n; ++k) {
            const float v = x[(o * n + k) * inner + i];
            sum += v;
            if (R == Reduce::sum || R == Reduce::mean) acc += v;
            else if (R == Reduce::max) acc = v > acc ? v : acc;
            else acc = v < acc ? v : acc;
          }
          if (R == Reduce::mean)
            acc /= float(n);
          want[o * inner + i] = acc;
          if ((R == Reduce::sum || R == Reduce::mean) && !std::isnan(acc))
            EXPECT_NEAR(acc, R == Reduce::sum ? sum : sum / n, 1e-4 * (1 + std::fabs(sum)));
        }
      ASSERT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float)))
          << "outer " << outer << " n " << n << " inner " << inner;
    };
    check(std::integral_constant<Reduce, Reduce::sum>{});
    check(std::integral_constant<Reduce, Reduce::mean>{});
    check(std::integral_constant<Reduce, Reduce::max>{});
    check(std::integral_constant<Reduce, Reduce::min>{});
  }
}

TEST(Activation, MatchesFormulasIncludingExtremes) {
  std::vector<float> x = randomVector(200, 4, 3.0f);
  for (float extreme : {-80.0f, -30.0f, -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 30.0f, 80.0f})
    x.push_back(extreme);
  auto check = [&](auto act, double (*ref)(double)) {
    std::vector<float> y(x.size());
    kiln::rt::activation_f32<decltype(act)::value>(x.data(), y.data(), x.size());
    std::vector<double> want;
    for (float v : x)
      want.push_back(ref(v));
    expectClose(y, want);
  };
  check(std::integral_constant<Act, Act::selu>{}, [](double v) {
    return 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * std::expm1(v));
  });
  check(std::integral_constant<Act, Act::gelu>{},
        [](double v) { return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))); });
  check(std::integral_constant<Act, Act::silu>{}, [](double v) { return v * sigmoidRef(v); });
  check(std::integral_constant<Act, Act::sigmoid>{}, sigmoidRef);
  check(std::integral_constant<Act, Act::softplus>{}, softplusRef);
  check(std::integral_constant<Act, Act::log_sigmoid>{},
        [](double v) { return -softplusRef(-v); });
  check(std::integral_constant<Act, Act::mish>{},
        [](double v) { return v * std::tanh(softplusRef(v)); });
  check(std::integral_constant<Act, Act::hard_silu>{},
        [](double v) { return v * std::fmin(std::fmax(v + 3.0, 0.0), 6.0) / 6.0; });
  check(std::integral_constant<Act, Act::squareplus>{},
        [](double v) { return 0.5 * (v + std::sqrt(v * v + 4.0)); });
  check(std::integral_constant<Act, Act::sparse_plus>{}, [](double v) {
    return v <= -1 ? 0.0 : (v >= 1 ? v : 0.25 * (v + 1) * (v + 1));
  });
}

TEST(Softmax, MatchesReferenceOnEveryAxisPosition) {
  const std::size_t outer = 3, n = 7, inner = 4;
  auto x = randomVector(outer * n * inner, 5, 4.0f);
  for (bool log : {false, true}) {
    std::vector<float> y(x.size());
    kiln::rt::softmax_f32(x.data(), y.data(), outer, n, inner, log);
    std::vector<double> ref(x.size());
    for (std::size_t o = 0; o < outer; ++o)
      for (std::size_t i = 0; i < inner; ++i) {
        double sum = 0;
        for (std::size_t k = 0; k < n; ++k)
          sum += std::exp(double(x[(o * n + k) * inner + i]));
        for (std::size_t k = 0; k < n; ++k) {
          double v = x[(o * n + k) * inner + i];
          ref[(o * n + k) * inner + i] = log ? v - std::log(sum) : std::exp(v) / sum;
        }
      }
    expectClose(y, ref);
  }
}

TEST(Softmax, InPlace) {
  auto x = randomVector(10, 6);
  std::vector<float> copy = x, y(10);
  kiln::rt::softmax_f32(copy.data(), y.data(), 1, 10, 1, false);
  kiln::rt::softmax_f32(x.data(), x.data(), 1, 10, 1, false);
  EXPECT_EQ(x, y);
}

TEST(Glu, MatchesReference) {
  const std::size_t outer = 2, h = 3, inner = 2;
  auto x = randomVector(outer * 2 * h * inner, 7);
  std::vector<float> y(outer * h * inner);
  kiln::rt::glu_f32(x.data(), y.data(), outer, h, inner);
  std::vector<double> ref;
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t k = 0; k < h * inner; ++k)
      ref.push_back(double(x[o * 2 * h * inner + k]) *
                    sigmoidRef(x[o * 2 * h * inner + h * inner + k]));
  expectClose(y, ref);
}

TEST(Sparsemax, FollowsKerasDefinition) {
  // Keras: tau = (sum of the running sums over the support - 1) / |support|.
  const std::size_t n = 9;
  for (unsigned seed : {8u, 9u, 10u}) {
    auto x = randomVector(n, seed, seed == 8 ? 0.2f : 2.0f);
    std::vector<float> y(n), scratch(n);
    kiln::rt::sparsemax_f32(x.data(), y.data(), 1, n, 1, scratch.data());
    std::vector<double> sorted(x.begin(), x.end());
    std::sort(sorted.rbegin(), sorted.rend());
    double cumsum = 0, supportSum = 0;
    int support = 0;
    for (std::size_t k = 0; k < n; ++k) {
      cumsum += sorted[k];
      if (sorted[k] - (cumsum - 1) / double(k + 1) > 0) {
        ++support;
        supportSum += cumsum;
      }
    }
    double tau = (supportSum - 1) / support;
    std::vector<double> ref;
    for (float v : x)
      ref.push_back(std::fmax(v - tau, 0.0));
    expectClose(y, ref);
  }
}

TEST(Conv2D, ResidualJoinsBeforeTheActivation) {
  // 2 images of 5x4x3, a 3x3 kernel to 6 channels in 3 groups, stride 2,
  // asymmetric padding: every index of the formula is exercised.
  const std::size_t n = 2, h = 5, wd = 4, c = 3, kh = 3, kw = 3, f = 6, groups = 3,
                    sh = 2, sw = 1, pt = 1, pb = 0, pl = 2, pr = 1;
  const std::size_t oh = (h + pt + pb - kh) / sh + 1, ow = (wd + pl + pr - kw) / sw + 1;
  const std::size_t cg = c / groups, fg = f / groups;
  auto x = randomVector(n * h * wd * c, 5), w = randomVector(kh * kw * cg * f, 6),
       b = randomVector(f, 7), residual = randomVector(n * oh * ow * f, 8);
  for (bool withResidual : {false, true}) {
    std::vector<float> y(n * oh * ow * f);
    kiln::rt::conv2d_f32<Act::relu>(x.data(), w.data(), b.data(), y.data(), n, h, wd, c, kh,
                                    kw, f, oh, ow, sh, sw, 1, 1, pt, pl, groups,
                                    withResidual ? residual.data() : nullptr);
    std::vector<double> ref(y.size());
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t oy = 0; oy < oh; ++oy)
        for (std::size_t ox = 0; ox < ow; ++ox)
          for (std::size_t o = 0; o < f; ++o) {
            std::size_t out = ((i * oh + oy) * ow + ox) * f + o;
            double acc = b[o] + (withResidual ? residual[out] : 0.0);
            for (std::size_t ky = 0; ky < kh; ++ky)
              for (std::size_t kx = 0; kx < kw; ++kx) {
                long iy = long(oy * sh + ky) - long(pt), ix = long(ox * sw + kx) - long(pl);
                if (iy < 0 || iy >= long(h) || ix < 0 || ix >= long(wd))
                  continue;
                for (std::size_t ci = 0; ci < cg; ++ci)
                  acc += double(x[((i * h + iy) * wd + ix) * c + (o / fg) * cg + ci]) *
                         w[((ky * kw + kx) * cg + ci) * f + o];
              }
            ref[out] = acc > 0 ? acc : 0.0;
          }
    expectClose(y, ref);
  }
}

TEST(Conv2D, WritesAChannelSliceAtARowStride) {
  // A 1x1 convolution to 3 channels written into channels 2..4 of 7.
  const std::size_t h = 3, wd = 2, c = 2, f = 3, ldy = 7, first = 2;
  auto x = randomVector(h * wd * c, 9), w = randomVector(c * f, 10);
  std::vector<float> wide(h * wd * ldy, -1.0f);
  kiln::rt::conv2d_f32<Act::linear>(x.data(), w.data(), nullptr, wide.data() + first, 1, h, wd,
                                    c, 1, 1, f, h, wd, 1, 1, 1, 1, 0, 0, 1, nullptr, ldy);
  for (std::size_t p = 0; p < h * wd; ++p)
    for (std::size_t o = 0; o < ldy; ++o) {
      double want = -1.0; // untouched outside the slice
      if (o >= first && o < first + f) {
        want = 0.0;
        for (std::size_t ci = 0; ci < c; ++ci)
          want += double(x[p * c + ci]) * w[ci * f + (o - first)];
      }
      EXPECT_NEAR(wide[p * ldy + o], want, 1e-5) << "pixel " << p << " channel " << o;
    }
}

TEST(Elementwise, RunsAProgramOverBroadcastInputs) {
  // y = tanh(relu(a * b, alpha 0.5)) with b broadcast along rows: the
  // program kiln emits for a fused chain, checked against the formula.
  using P = kiln::rt::Program<2, 4, kiln::rt::Bin<kiln::rt::BinOp::mul, 0, 1>,
                              kiln::rt::UnaryParam<Act::relu, 2, 0x3f000000u, 0x7f800000u, 0u>,
                              kiln::rt::Unary<Act::tanh, 3>>;
  const std::size_t rows = 3, cols = 5;
  auto a = randomVector(rows * cols, 11), b = randomVector(rows, 12);
  std::vector<float> y(rows * cols);
  kiln::rt::elementwise_f32<P>(y.data(), 1, 1, rows, cols, kiln::rt::operand(a.data(), 0, 0, cols, 1),
                               kiln::rt::operand(b.data(), 0, 0, 1, 0));
  std::vector<double> want;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < cols; ++i) {
      double v = double(a[r * cols + i]) * b[r];
      want.push_back(std::tanh(v > 0 ? v : 0.5 * v));
    }
  expectClose(y, want);
  // In place over the input laid out like the result.
  kiln::rt::elementwise_f32<P>(a.data(), 1, 1, rows, cols, kiln::rt::operand(a.data(), 0, 0, cols, 1),
                               kiln::rt::operand(b.data(), 0, 0, 1, 0));
  expectClose(a, want);
}

TEST(Packed, DenseMatchesTheReferenceKernel) {
  // Row counts around the register tile (4, 6 or 12 rows by ISA), unit
  // counts around the 16-wide panel and the 2-panel tile (an odd panel
  // left over), depths past one 512-deep chunk, a kernel too big for one
  // L2 column block (4100 x 80: three blocks of one panel group); bias,
  // residual, activation.
  for (auto [rows, in, units] :
       {std::tuple<int, int, int>{1, 1, 1}, {3, 7, 5}, {4, 33, 16}, {5, 20, 17}, {9, 130, 40},
        {13, 64, 48}, {25, 1100, 33}, {12, 512, 32}, {7, 513, 80}, {29, 4100, 80}}) {
    auto x = randomVector(rows * in, 13), w = randomVector(in * units, 14),
         b = randomVector(units, 15), residual = randomVector(rows * units, 16);
    std::vector<float> packed(kiln::rt::packed_floats(in, units));
    kiln::rt::pack_panels(w.data(), in, units, packed.data());
    std::vector<float> got(rows * units);
    kiln::rt::dense_packed_f32<Act::silu>(x.data(), packed.data(), b.data(), got.data(), rows,
                                          in, units, residual.data());
    // Double-precision reference; a float sum of `in` products may be off by
    // a few ulps of the sum of their magnitudes, and silu' is at most 1.1.
    for (int r = 0; r < rows; ++r)
      for (int j = 0; j < units; ++j) {
        double sum = double(b[j]) + residual[r * units + j];
        double magnitude = std::fabs(b[j]) + std::fabs(residual[r * units + j]);
        for (int k = 0; k < in; ++k) {
          sum += double(x[r * in + k]) * w[k * units + j];
          magnitude += std::fabs(double(x[r * in + k]) * w[k * units + j]);
        }
        const double want = sum * sigmoidRef(sum);
        EXPECT_NEAR(got[r * units + j], want, 1e-6 * std::fmax(1.0, magnitude))
            << rows << "x" << in << "x" << units << " at " << r << "," << j;
      }
  }
}

TEST(Packed, ConvMatchesTheReferenceKernel) {
  // Strides, dilation, asymmetric padding, a row of 7 pixels (one partial
  // 4-pixel block), 19 output channels (a partial panel), a residual and a
  // channel-slice output.
  const std::size_t n = 2, h = 6, wd = 7, c = 3, kh = 3, kw = 2, f = 19, sh = 1, sw = 1,
                    dh = 2, dw = 1, pt = 2, pb = 1, pl = 1, pr = 0;
  const std::size_t oh = (h + pt + pb - ((kh - 1) * dh + 1)) / sh + 1,
                    ow = (wd + pl + pr - ((kw - 1) * dw + 1)) / sw + 1;
  auto x = randomVector(n * h * wd * c, 17), w = randomVector(kh * kw * c * f, 18),
       b = randomVector(f, 19), residual = randomVector(n * oh * ow * f, 20);
  std::vector<float> packed(kiln::rt::packed_floats(kh * kw * c, f));
  kiln::rt::pack_panels(w.data(), kh * kw * c, f, packed.data());
  const std::size_t ldy = f + 5;
  std::vector<float> got(n * oh * ow * ldy, 0.0f), want(n * oh * ow * ldy, 0.0f);
  kiln::rt::conv2d_packed_f32<Act::relu>(x.data(), packed.data(), b.data(), got.data(), n, h,
                                         wd, c, kh, kw, f, oh, ow, sh, sw, dh, dw, pt, pl,
                                         residual.data(), ldy);
  kiln::rt::conv2d_f32<Act::relu>(x.data(), w.data(), b.data(), want.data(), n, h, wd, c, kh,
                                  kw, f, oh, ow, sh, sw, dh, dw, pt, pl, 1, residual.data(), ldy);
  expectClose(got, std::vector<double>(want.begin(), want.end()));
}

TEST(Packed, ConvRowRunsAcrossBothPaddings) {
  // With dw = 1 a kernel row's taps are one run of kw·c floats; here the
  // image (3 wide) is narrower than the kernel (5 wide), so runs cross the
  // left padding, the right one, or both, and rows above and below lie
  // wholly in it. dw = 2 takes the tap-by-tap path over the same values.
  const std::size_t n = 2, h = 4, wd = 3, c = 2, kh = 3, kw = 5, f = 17, sh = 1, sw = 2,
                    pt = 2, pb = 1, pl = 3, pr = 4;
  for (std::size_t dw : {1, 2}) {
    const std::size_t oh = (h + pt + pb - kh) / sh + 1,
                      ow = (wd + pl + pr - ((kw - 1) * dw + 1)) / sw + 1;
    auto x = randomVector(n * h * wd * c, 41), w = randomVector(kh * kw * c * f, 42),
         b = randomVector(f, 43);
    std::vector<float> packed(kiln::rt::packed_floats(kh * kw * c, f));
    kiln::rt::pack_panels(w.data(), kh * kw * c, f, packed.data());
    std::vector<float> got(n * oh * ow * f), want(n * oh * ow * f);
    kiln::rt::conv2d_packed_f32<Act::linear>(x.data(), packed.data(), b.data(), got.data(), n,
                                             h, wd, c, kh, kw, f, oh, ow, sh, sw, 1, dw, pt, pl);
    kiln::rt::conv2d_f32<Act::linear>(x.data(), w.data(), b.data(), want.data(), n, h, wd, c, kh,
                                      kw, f, oh, ow, sh, sw, 1, dw, pt, pl, 1);
    SCOPED_TRACE("dw=" + std::to_string(dw));
    expectClose(got, std::vector<double>(want.begin(), want.end()));
  }
}

TEST(Packed, ARowGetsTheSameBitsInEveryBlock) {
  // A row's sums run in one order whether it falls in a full register
  // tile or in the 8-, 4- or 1-row tiles of a short block, so a sample's
  // result does not depend on the batch around it. Widths: one odd panel,
  // a panel group plus the odd panel, two groups; odd depths leave a
  // remainder after any k unrolling.
  for (auto [in, units] : {std::pair<int, int>{37, 16}, {37, 48}, {130, 64}}) {
    const int rows = 29;
    auto x = randomVector(rows * in, 51), w = randomVector(in * units, 52),
         b = randomVector(units, 53);
    std::vector<float> packed(kiln::rt::packed_floats(in, units));
    kiln::rt::pack_panels(w.data(), in, units, packed.data());
    std::vector<float> all(rows * units);
    kiln::rt::dense_packed_f32<Act::linear>(x.data(), packed.data(), b.data(), all.data(), rows,
                                            in, units, nullptr);
    for (int r0 = 0; r0 < rows; r0 += 3)
      for (int count : {1, 5, 9}) {
        if (r0 + count > rows)
          continue;
        std::vector<float> part(count * units);
        kiln::rt::dense_packed_f32<Act::linear>(x.data() + r0 * in, packed.data(), b.data(),
                                                part.data(), count, in, units, nullptr);
        EXPECT_TRUE(std::equal(part.begin(), part.end(), all.begin() + r0 * units))
            << count << " rows from " << r0 << ", " << in << "x" << units;
      }
  }
  // A padded 3x3 convolution over a batch of two 7x7 images (49 pixels: the
  // second image starts inside a block) against each image alone.
  const struct {
    std::size_t h, wd, c, f;
  } k{7, 7, 16, 48};
  auto x = randomVector(2 * k.h * k.wd * k.c, 54), w = randomVector(9 * k.c * k.f, 55),
       b = randomVector(k.f, 56);
  std::vector<float> packed(kiln::rt::packed_floats(9 * k.c, k.f));
  kiln::rt::pack_panels(w.data(), 9 * k.c, k.f, packed.data());
  const std::size_t image = k.h * k.wd * k.f;
  std::vector<float> both(2 * image), one(image);
  kiln::rt::conv2d_packed_f32<Act::linear>(x.data(), packed.data(), b.data(), both.data(), 2,
                                           k.h, k.wd, k.c, 3, 3, k.f, k.h, k.wd, 1, 1, 1, 1, 1,
                                           1);
  for (std::size_t i = 0; i < 2; ++i) {
    kiln::rt::conv2d_packed_f32<Act::linear>(x.data() + i * k.h * k.wd * k.c, packed.data(),
                                             b.data(), one.data(), 1, k.h, k.wd, k.c, 3, 3, k.f,
                                             k.h, k.wd, 1, 1, 1, 1, 1, 1);
    EXPECT_TRUE(std::equal(one.begin(), one.end(), both.begin() + i * image)) << "image " << i;
  }
}

namespace {
struct ConvCase {
  std::size_t n, h, wd, c, kh, kw, f, sh, sw, pt, pb, pl, pr;
};

std::vector<float> packedConv(const ConvCase &k, const std::vector<float> &x,
                              const std::vector<float> &packed, const std::vector<float> &b,
                              std::size_t oh, std::size_t ow) {
  std::vector<float> y(k.n * oh * ow * k.f);
  kiln::rt::conv2d_packed_f32<Act::relu6>(x.data(), packed.data(), b.data(), y.data(), k.n, k.h,
                                          k.wd, k.c, k.kh, k.kw, k.f, oh, ow, k.sh, k.sw, 1, 1,
                                          k.pt, k.pl);
  return y;
}
} // namespace

TEST(Packed, ConvShapesAcrossChunksAndThreadCounts) {
  // A 1x1 convolution (the plain-GEMM path), a strided 3x3 whose 600
  // channels split a tap across two 512-deep chunks, a 7x7/2 stem, and a
  // 3x3 over 520 channels whose kernel spans three L2 column blocks; each
  // must match the reference and give the same bits on 1, 2 and 3 threads.
  for (const ConvCase &k : {ConvCase{2, 5, 6, 40, 1, 1, 70, 1, 1, 0, 0, 0, 0},
                            ConvCase{1, 7, 5, 600, 3, 3, 20, 2, 2, 1, 1, 1, 1},
                            ConvCase{1, 5, 5, 520, 3, 3, 80, 1, 1, 1, 1, 1, 1},
                            ConvCase{1, 16, 16, 3, 7, 7, 64, 2, 2, 3, 3, 2, 3}}) {
    const std::size_t oh = (k.h + k.pt + k.pb - k.kh) / k.sh + 1,
                      ow = (k.wd + k.pl + k.pr - k.kw) / k.sw + 1;
    auto x = randomVector(k.n * k.h * k.wd * k.c, 21), w = randomVector(k.kh * k.kw * k.c * k.f, 22),
         b = randomVector(k.f, 23);
    std::vector<float> packed(kiln::rt::packed_floats(k.kh * k.kw * k.c, k.f));
    kiln::rt::pack_panels(w.data(), k.kh * k.kw * k.c, k.f, packed.data());
    std::vector<float> want(k.n * oh * ow * k.f);
    kiln::rt::conv2d_f32<Act::relu6>(x.data(), w.data(), b.data(), want.data(), k.n, k.h, k.wd,
                                     k.c, k.kh, k.kw, k.f, oh, ow, k.sh, k.sw, 1, 1, k.pt, k.pl,
                                     1);
    const std::vector<float> one = packedConv(k, x, packed, b, oh, ow);
    expectClose(one, std::vector<double>(want.begin(), want.end()), 1e-4);
    for (std::size_t threads : {2, 3}) {
      kiln::rt::ThreadScope scope(threads);
      EXPECT_EQ(packedConv(k, x, packed, b, oh, ow), one) << threads << " threads, c=" << k.c;
    }
  }
}

TEST(Packed, KernelsReadInPlaceGiveThePackedKernelsBits) {
  // A row-major kernel whose width is a multiple of the panel, read as
  // panels where it lies (training's kiln.panels_in_place), runs the same
  // microkernel over the same values as its packed copy: the same bits.
  // Dense: row counts around the tile, an odd panel (48 = 3 panels), depths
  // past one 512-deep chunk. Conv: a 1x1 (plain GEMM), a padded 3x3 (direct
  // blocks), and 600 channels, which gather chunk by chunk.
  for (auto [rows, in, units] : {std::tuple<int, int, int>{1, 7, 16}, {4, 33, 32}, {13, 64, 48},
                                 {25, 1100, 80}, {32, 784, 256}}) {
    auto x = randomVector(rows * in, 31), w = randomVector(in * units, 32),
         b = randomVector(units, 33), residual = randomVector(rows * units, 34);
    std::vector<float> packed(kiln::rt::packed_floats(in, units));
    kiln::rt::pack_panels(w.data(), in, units, packed.data());
    std::vector<float> want(rows * units), got(rows * units);
    kiln::rt::dense_packed_f32<Act::relu>(x.data(), packed.data(), b.data(), want.data(), rows,
                                          in, units, residual.data());
    kiln::rt::dense_panels_in_place_f32<Act::relu>(x.data(), w.data(), b.data(), got.data(),
                                                   rows, in, units, residual.data());
    EXPECT_EQ(got, want) << rows << "x" << in << "x" << units;
  }
  for (const ConvCase &k : {ConvCase{2, 5, 6, 40, 1, 1, 32, 1, 1, 0, 0, 0, 0},
                            ConvCase{2, 9, 7, 16, 3, 3, 16, 1, 1, 1, 1, 1, 1},
                            ConvCase{1, 7, 5, 600, 3, 3, 48, 2, 2, 1, 1, 1, 1}}) {
    const std::size_t oh = (k.h + k.pt + k.pb - k.kh) / k.sh + 1,
                      ow = (k.wd + k.pl + k.pr - k.kw) / k.sw + 1;
    auto x = randomVector(k.n * k.h * k.wd * k.c, 35),
         w = randomVector(k.kh * k.kw * k.c * k.f, 36), b = randomVector(k.f, 37);
    std::vector<float> packed(kiln::rt::packed_floats(k.kh * k.kw * k.c, k.f));
    kiln::rt::pack_panels(w.data(), k.kh * k.kw * k.c, k.f, packed.data());
    std::vector<float> got(k.n * oh * ow * k.f);
    kiln::rt::conv2d_panels_in_place_f32<Act::relu6>(x.data(), w.data(), b.data(), got.data(),
                                                     k.n, k.h, k.wd, k.c, k.kh, k.kw, k.f, oh,
                                                     ow, k.sh, k.sw, 1, 1, k.pt, k.pl);
    EXPECT_EQ(got, packedConv(k, x, packed, b, oh, ow)) << "c=" << k.c << " f=" << k.f;
  }
}

TEST(Parallel, RunsEveryItemOnceAndNests) {
  kiln::rt::ThreadScope scope(3);
  std::vector<int> hits(1000, 0);
  kiln::rt::parallel_for(hits.size(), [&](std::size_t i) {
    // A kernel called from a worker runs on that worker alone.
    kiln::rt::parallel_for(2, [&](std::size_t j) { hits[i] += int(j) + 1; });
  });
  EXPECT_EQ(std::count(hits.begin(), hits.end(), 3), 1000);
  EXPECT_EQ(kiln::rt::thread_count(), 3u);
}

namespace {
/// One depthwise geometry: input (n, h, wd, c), kernel (kh, kw), multiplier,
/// strides, dilations, top/left padding and output size.
struct DepthwiseCase {
  std::size_t n, h, wd, c, mult, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow;
};

/// depthwise_conv2d_f32 against conv2d_f32 with groups = c (the scalar
/// reference), with a residual and a channel-slice output (row stride
/// f + 3), then the same bits on 2 threads.
template <Act A> void checkDepthwise(const DepthwiseCase &k) {
  const std::size_t f = k.c * k.mult, ldy = f + 3;
  auto x = randomVector(k.n * k.h * k.wd * k.c, 31), w = randomVector(k.kh * k.kw * f, 32),
       b = randomVector(f, 33), residual = randomVector(k.n * k.oh * k.ow * f, 34);
  std::vector<float> got(k.n * k.oh * k.ow * ldy, 0.0f), want(got.size(), 0.0f);
  kiln::rt::conv2d_f32<A>(x.data(), w.data(), b.data(), want.data(), k.n, k.h, k.wd, k.c, k.kh,
                          k.kw, f, k.oh, k.ow, k.sh, k.sw, k.dh, k.dw, k.pt, k.pl, k.c,
                          residual.data(), ldy);
  kiln::rt::depthwise_conv2d_f32<A>(x.data(), w.data(), b.data(), got.data(), k.n, k.h, k.wd,
                                    k.c, k.kh, k.kw, f, k.oh, k.ow, k.sh, k.sw, k.dh, k.dw, k.pt,
                                    k.pl, residual.data(), ldy);
  expectClose(got, std::vector<double>(want.begin(), want.end()));
  std::vector<float> twoThreads(got.size(), 0.0f);
  kiln::rt::ThreadScope scope(2);
  kiln::rt::depthwise_conv2d_f32<A>(x.data(), w.data(), b.data(), twoThreads.data(), k.n, k.h,
                                    k.wd, k.c, k.kh, k.kw, f, k.oh, k.ow, k.sh, k.sw, k.dh, k.dw,
                                    k.pt, k.pl, residual.data(), ldy);
  EXPECT_EQ(twoThreads, got);
}
} // namespace

TEST(Depthwise, MatchesTheGroupedReferenceKernel) {
  // Multipliers 1 and 2 over 70 channels (channel vectors of 16, 8 or 4
  // and a scalar tail), stride 2 with asymmetric padding, dilation.
  for (std::size_t mult : {1, 2})
    checkDepthwise<Act::relu6>({2, 7, 6, 70, mult, 3, 3, 2, 1, 1, 2, 1, 2, 4, 2});
  // Rows wide enough for the register blocks (up to 16 pixels, 12 on AVX2,
  // then 8, 4, 2 and 1), with edge pixels on both sides: 3x3 "same" at
  // stride 1 and 2, 5x5 at stride 2 and 1, a 3x3 dilated by 2, "valid"
  // padding, and channels 16, 20 (a tail past 16 or 8), 48 and 72.
  checkDepthwise<Act::relu6>({1, 8, 29, 20, 1, 3, 3, 1, 1, 1, 1, 1, 1, 8, 29});
  checkDepthwise<Act::silu>({1, 13, 21, 48, 1, 3, 3, 1, 1, 1, 1, 1, 1, 13, 21});
  checkDepthwise<Act::relu>({2, 14, 23, 16, 1, 3, 3, 2, 2, 1, 1, 0, 0, 7, 12});
  checkDepthwise<Act::linear>({1, 17, 30, 72, 1, 5, 5, 2, 2, 1, 1, 1, 1, 9, 15});
  checkDepthwise<Act::hard_silu>({1, 12, 25, 32, 1, 3, 3, 1, 1, 2, 2, 2, 2, 12, 25});
  checkDepthwise<Act::relu6>({1, 9, 20, 32, 1, 3, 3, 1, 1, 1, 1, 0, 0, 7, 18});
  checkDepthwise<Act::relu6>({1, 11, 26, 32, 1, 5, 5, 1, 1, 1, 1, 2, 2, 11, 26});
}

TEST(FastMath, MaximumErrorsOverTheFloatRange) {
  // Every 1e-4 step over [-100, 100] against double precision; the bounds
  // are the ones fastmath.h states.
  double expRel = 0, sigmoidAbs = 0, tanhAbs = 0, erfAbs = 0;
  for (double xd = -100.0; xd <= 100.0; xd += 1e-4) {
    const float x = float(xd);
    if (x > -87.0f && x < 88.0f) {
      const double want = std::exp(double(x));
      expRel = std::fmax(expRel, std::fabs(kiln::rt::fast::exp(x) - want) / want);
    }
    sigmoidAbs = std::fmax(sigmoidAbs, std::fabs(kiln::rt::vecmath::sigmoid(x) - sigmoidRef(x)));
    tanhAbs = std::fmax(tanhAbs, std::fabs(kiln::rt::fast::tanh(x) - std::tanh(double(x))));
    erfAbs = std::fmax(erfAbs, std::fabs(kiln::rt::fast::erf(x) - std::erf(double(x))));
  }
  EXPECT_LE(expRel, 2 * 5.97e-8);
  EXPECT_LE(sigmoidAbs, 2e-7);
  EXPECT_LE(tanhAbs, 2e-7);
  EXPECT_LE(erfAbs, 5e-7);
  // The edges: flush below the normal range, saturate above, odd symmetry.
  EXPECT_EQ(kiln::rt::fast::exp(-100.0f), 0.0f);
  EXPECT_TRUE(std::isfinite(kiln::rt::fast::exp(1000.0f)));
  EXPECT_EQ(kiln::rt::fast::tanh(-3.0f), -kiln::rt::fast::tanh(3.0f));
  EXPECT_EQ(kiln::rt::fast::tanh(1e-30f), 1e-30f);
  std::printf("fast::exp %.2f ulp, sigmoid %.2g, tanh %.2g, erf %.2g (max abs)\n",
              expRel / 5.96e-8, sigmoidAbs, tanhAbs, erfAbs);
}

TEST(FastMath, LaneFormsGiveTheScalarFormsBitsAndSiluIsAccurate) {
  // activation_f32 runs whole registers and finishes a row with floats, so
  // where a row splits (thread counts) must not change any element's bits.
  std::vector<float> x;
  for (double xd = -100.0; xd <= 100.0; xd += 1e-3)
    x.push_back(float(xd));
  for (float special : {std::numeric_limits<float>::quiet_NaN(),
                        std::numeric_limits<float>::infinity(), -0.0f, 1e-30f, -1e-30f})
    x.push_back(special);
  std::vector<float> silu(x.size()), sigmoid(x.size());
  kiln::rt::activation_f32<Act::silu>(x.data(), silu.data(), x.size());
  kiln::rt::activation_f32<Act::sigmoid>(x.data(), sigmoid.data(), x.size());
  double siluRel = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float one[1] = {x[i]};
    float s[1], g[1];
    kiln::rt::activation_f32<Act::silu>(one, s, 1); // the scalar tail's path
    kiln::rt::activation_f32<Act::sigmoid>(one, g, 1);
    ASSERT_EQ(0, std::memcmp(s, &silu[i], sizeof(float))) << "silu(" << x[i] << ")";
    ASSERT_EQ(0, std::memcmp(g, &sigmoid[i], sizeof(float))) << "sigmoid(" << x[i] << ")";
    if (x[i] >= -80.0f && x[i] <= 100.0f && x[i] != 0.0f) {
      const double want = double(x[i]) * sigmoidRef(x[i]);
      siluRel = std::fmax(siluRel, std::fabs(silu[i] - want) / std::fabs(want));
    }
  }
  EXPECT_TRUE(std::isnan(silu[x.size() - 5]) && std::isnan(sigmoid[x.size() - 5]));
  EXPECT_EQ(silu[x.size() - 4], std::numeric_limits<float>::infinity());
  EXPECT_EQ(sigmoid[x.size() - 4], 1.0f);
  EXPECT_LE(siluRel, 4e-7);
  std::printf("silu %.2g (max relative)\n", siluRel);
}

namespace {
/// rnn_f32 over a batch of 40 (from 32 rows on it multiplies by kernels in
/// panels) against the same samples one at a time, with plain kernels and
/// with kernels stored as panels (what -kiln-prepack-weights makes).
template <kiln::rt::Cell C> void checkRecurrentPanels(bool resetAfter, bool returnSequences) {
  constexpr std::size_t n = 40, t = 3, f = 5, u = 20;
  constexpr std::size_t gu = kiln::rt::detail::gates<C>() * u;
  const kiln::rt::RnnShape batch{n, t, f, u, false, returnSequences, resetAfter, false};
  const kiln::rt::RnnShape one{1, t, f, u, false, returnSequences, resetAfter, false};
  ASSERT_TRUE(kiln::rt::detail::rnnPacksRecurrent<C>(batch) || (C == kiln::rt::Cell::gru && !resetAfter));
  ASSERT_TRUE(kiln::rt::detail::rnnPacksInput(batch) && !kiln::rt::detail::rnnPacksInput(one));
  auto x = randomVector(n * t * f, 61), k = randomVector(f * gu, 62, 0.5f),
       rk = randomVector(u * gu, 63, 0.3f), b = randomVector(resetAfter ? 2 * gu : gu, 64),
       h0 = randomVector(n * u, 65), c0 = randomVector(n * u, 66);
  const std::size_t perSample = returnSequences ? t * u : u;
  std::vector<float> y(n * perSample), h(n * u), c(n * u),
      scratch(kiln::rt::rnn_scratch_floats<C>(batch));
  kiln::rt::rnn_f32<C, Act::tanh, Act::sigmoid>(x.data(), k.data(), rk.data(), b.data(), nullptr,
                                                h0.data(), c0.data(), y.data(), h.data(), c.data(),
                                                scratch.data(), batch);
  std::vector<float> y1(perSample), h1(u), c1(u), scratch1(kiln::rt::rnn_scratch_floats<C>(one));
  // Stored panels: the recurrent kernel too, except where the GRU step reads it by parts.
  kiln::rt::RnnShape stored = one;
  stored.kernel_in_panels = true;
  stored.recurrent_in_panels = !(C == kiln::rt::Cell::gru && !resetAfter);
  ASSERT_LE(kiln::rt::rnn_scratch_floats<C>(stored), kiln::rt::rnn_scratch_floats<C>(one));
  std::vector<float> kp(kiln::rt::packed_floats(f, gu)), rkp(kiln::rt::packed_floats(u, gu));
  kiln::rt::pack_panels(k.data(), f, gu, kp.data());
  kiln::rt::pack_panels(rk.data(), u, gu, rkp.data());
  const float *rkStored = stored.recurrent_in_panels ? rkp.data() : rk.data();
  std::vector<float> y2(perSample), h2(u), c2(u), scratch2(kiln::rt::rnn_scratch_floats<C>(stored));
  for (std::size_t s = 0; s < n; ++s) {
    kiln::rt::rnn_f32<C, Act::tanh, Act::sigmoid>(
        x.data() + s * t * f, k.data(), rk.data(), b.data(), nullptr, h0.data() + s * u,
        c0.data() + s * u, y1.data(), h1.data(), c1.data(), scratch1.data(), one);
    kiln::rt::rnn_f32<C, Act::tanh, Act::sigmoid>(
        x.data() + s * t * f, kp.data(), rkStored, b.data(), nullptr, h0.data() + s * u,
        c0.data() + s * u, y2.data(), h2.data(), c2.data(), scratch2.data(), stored);
    for (std::size_t i = 0; i < perSample; ++i)
      EXPECT_NEAR(y2[i], y1[i], 1e-5f) << "stored panels, sample " << s << " output " << i;
    for (std::size_t i = 0; i < u; ++i)
      EXPECT_NEAR(h2[i], h1[i], 1e-5f) << "stored panels, sample " << s << " h " << i;
    for (std::size_t i = 0; i < perSample; ++i)
      EXPECT_NEAR(y[s * perSample + i], y1[i], 1e-5f) << "sample " << s << " output " << i;
    for (std::size_t i = 0; i < u; ++i) {
      EXPECT_NEAR(h[s * u + i], h1[i], 1e-5f) << "sample " << s << " h " << i;
      if (C == kiln::rt::Cell::lstm)
        EXPECT_NEAR(c[s * u + i], c1[i], 1e-5f) << "sample " << s << " c " << i;
    }
  }
}
} // namespace

TEST(Recurrent, KernelsInPanelsMatchPlainKernels) {
  checkRecurrentPanels<kiln::rt::Cell::lstm>(false, true);
  checkRecurrentPanels<kiln::rt::Cell::simple>(false, false);
  checkRecurrentPanels<kiln::rt::Cell::gru>(true, true);
  // Without reset_after only the input kernel is packed.
  checkRecurrentPanels<kiln::rt::Cell::gru>(false, false);
}
