// Winograd F(4x4, 3x3) convolution against a double-precision direct sum.
#include "kiln/rt/conv/winograd.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using kiln::rt::Act;

namespace {
std::vector<float> normals(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

struct Case {
  std::size_t n, h, wd, c, f, oh, ow, pt, pl, tileBlock;
};

std::vector<float> winograd(const Case &k, const std::vector<float> &x,
                            const std::vector<float> &u, const std::vector<float> &bias,
                            const std::vector<float> &residual, std::size_t ldy) {
  std::vector<float> y(k.n * k.oh * k.ow * ldy, -7.0f),
      scratch(kiln::rt::winograd_f43_scratch_floats(k.tileBlock, k.c, k.f));
  kiln::rt::conv2d_winograd_f43_f32<Act::relu6>(x.data(), u.data(), bias.data(), y.data(), k.n,
                                                k.h, k.wd, k.c, k.f, k.oh, k.ow, k.pt, k.pl,
                                                k.tileBlock, scratch.data(), residual.data(),
                                                ldy);
  return y;
}

/// Checks y (relu6 of bias + residual + the 3x3 convolution, pixels `ldy`
/// floats apart) against a double direct sum; returns the worst error
/// relative to the sum of the terms' magnitudes.
double expectDirectSum(const Case &k, const std::vector<float> &x, const std::vector<float> &w,
                       const std::vector<float> &bias, const std::vector<float> &residual,
                       const std::vector<float> &got, std::size_t ldy) {
  double worst = 0;
  for (std::size_t b = 0; b < k.n; ++b)
    for (std::size_t oy = 0; oy < k.oh; ++oy)
      for (std::size_t ox = 0; ox < k.ow; ++ox)
        for (std::size_t o = 0; o < ldy; ++o) {
          const std::size_t pixel = (b * k.oh + oy) * k.ow + ox;
          if (o >= k.f) { // outside the slice: untouched
            EXPECT_EQ(got[pixel * ldy + o], -7.0f);
            continue;
          }
          double sum = bias[o] + residual[pixel * k.f + o], magnitude = 0;
          for (std::size_t ky = 0; ky < 3; ++ky)
            for (std::size_t kx = 0; kx < 3; ++kx) {
              const std::ptrdiff_t iy = std::ptrdiff_t(oy + ky) - std::ptrdiff_t(k.pt),
                                   ix = std::ptrdiff_t(ox + kx) - std::ptrdiff_t(k.pl);
              if (iy < 0 || ix < 0 || iy >= std::ptrdiff_t(k.h) || ix >= std::ptrdiff_t(k.wd))
                continue;
              for (std::size_t ci = 0; ci < k.c; ++ci) {
                const double term =
                    double(x[((b * k.h + std::size_t(iy)) * k.wd + std::size_t(ix)) * k.c + ci]) *
                    w[((ky * 3 + kx) * k.c + ci) * k.f + o];
                sum += term;
                magnitude += std::fabs(term);
              }
            }
          const double want = std::fmin(std::fmax(sum, 0.0), 6.0);
          const double err = std::fabs(got[pixel * ldy + o] - want);
          worst = std::fmax(worst, err / (1.0 + magnitude));
          // F(4x4, 3x3) adds rounding of its transforms (entries up to 8
          // and 1/24): a few float ulps of the sum of magnitudes.
          EXPECT_LE(err, 1e-5 * (1.0 + magnitude))
              << "c=" << k.c << " f=" << k.f << " at " << pixel << "," << o;
        }
  return worst;
}
} // namespace

TEST(Winograd, MatchesTheDirectSumOnEveryEdge) {
  // "same" padding on 9x9 (a partial last tile each way), "valid" on
  // 10x7, asymmetric padding, channel counts off the 16-lane panel, tile
  // blocks smaller than the image (several blocks, a partial last one),
  // a residual, a channel-slice output; the same bits on 1, 2 and 3 threads.
  for (const Case &k : {Case{2, 9, 9, 20, 37, 9, 9, 1, 1, 5}, Case{1, 10, 7, 3, 16, 8, 5, 0, 0, 64},
                        Case{1, 14, 14, 64, 64, 14, 14, 1, 1, 16},
                        Case{1, 6, 11, 17, 5, 5, 10, 0, 1, 3}}) {
    const std::size_t ldy = k.f + 3;
    const auto x = normals(k.n * k.h * k.wd * k.c, 1), w = normals(9 * k.c * k.f, 2),
               bias = normals(k.f, 3), residual = normals(k.n * k.oh * k.ow * k.f, 4);
    std::vector<float> u(kiln::rt::winograd_f43_kernel_floats(k.c, k.f));
    kiln::rt::winograd_f43_pack(w.data(), k.c, k.f, u.data());
    const std::vector<float> got = winograd(k, x, u, bias, residual, ldy);
    const double worst = expectDirectSum(k, x, w, bias, residual, got, ldy);
    RecordProperty("worst_relative_error", std::to_string(worst));
    std::printf("winograd c=%zu f=%zu: worst error %.2e of the sum of magnitudes\n", k.c, k.f,
                worst);
    for (std::size_t threads : {2, 3}) {
      kiln::rt::ThreadScope scope(threads);
      EXPECT_EQ(winograd(k, x, u, bias, residual, ldy), got) << threads << " threads";
    }
  }
}

TEST(Winograd, TransformsATrainedKernelOnEveryCall) {
  // The run-time transform (float, two passes) against the compile-time
  // one (double): a few float ulps of the largest transformed entry.
  for (const auto &[c, f] : {std::pair<std::size_t, std::size_t>{16, 16}, {5, 37}}) {
    const auto w = normals(9 * c * f, 5);
    std::vector<float> compileTime(kiln::rt::winograd_f43_kernel_floats(c, f)),
        runTime(compileTime.size(), -3.0f);
    kiln::rt::winograd_f43_pack(w.data(), c, f, compileTime.data());
    const std::ptrdiff_t tap = std::ptrdiff_t(c * f);
    kiln::rt::winograd_f43_transform(w.data(), 3 * tap, tap, std::ptrdiff_t(f), 1, c, f,
                                     runTime.data());
    for (std::size_t i = 0; i < runTime.size(); ++i)
      EXPECT_NEAR(runTime[i], compileTime[i], 2e-6 * (1.0 + std::fabs(compileTime[i])))
          << "c=" << c << " f=" << f << " at " << i;
  }
}

TEST(Winograd, HwioKernelMatchesTheDirectSum) {
  const Case k{2, 9, 9, 20, 37, 9, 9, 1, 1, 5};
  const auto x = normals(k.n * k.h * k.wd * k.c, 1), w = normals(9 * k.c * k.f, 2),
             bias = normals(k.f, 3), residual = normals(k.n * k.oh * k.ow * k.f, 4);
  std::vector<float> y(k.n * k.oh * k.ow * k.f),
      scratch(kiln::rt::winograd_f43_hwio_scratch_floats(k.tileBlock, k.c, k.f));
  kiln::rt::conv2d_winograd_f43_hwio_f32<Act::relu6>(
      x.data(), w.data(), bias.data(), y.data(), k.n, k.h, k.wd, k.c, k.f, k.oh, k.ow, k.pt, k.pl,
      k.tileBlock, scratch.data(), residual.data());
  expectDirectSum(k, x, w, bias, residual, y, k.f);
}

TEST(Winograd, InputGradientMatchesTheDirectSum) {
  // dx of "same" (pad 1) and "valid" (pad 0, dx padded by 2) forward
  // convolutions, odd channel counts, several tile blocks; any thread count.
  struct GradCase {
    std::size_t n, h, wd, c, f, pt, pl, tileBlock;
    bool same;
  };
  for (const GradCase &k : {GradCase{2, 12, 12, 24, 16, 1, 1, 7, true},
                            GradCase{1, 10, 9, 19, 21, 0, 0, 12, false}}) {
    const std::size_t oh = k.same ? k.h : k.h - 2, ow = k.same ? k.wd : k.wd - 2;
    const auto dy = normals(k.n * oh * ow * k.f, 6), w = normals(9 * k.c * k.f, 7);
    std::vector<float> dx(k.n * k.h * k.wd * k.c, -7.0f),
        scratch(kiln::rt::winograd_f43_hwio_scratch_floats(k.tileBlock, k.f, k.c));
    auto run = [&] {
      kiln::rt::conv2d_grad_input_winograd_f43_f32(dy.data(), w.data(), dx.data(), k.n, k.h, k.wd,
                                                   k.c, k.f, oh, ow, k.pt, k.pl, k.tileBlock,
                                                   scratch.data());
      return dx;
    };
    const std::vector<float> got = run();
    for (std::size_t b = 0; b < k.n; ++b)
      for (std::size_t iy = 0; iy < k.h; ++iy)
        for (std::size_t ix = 0; ix < k.wd; ++ix)
          for (std::size_t ci = 0; ci < k.c; ++ci) {
            double sum = 0, magnitude = 0;
            for (std::size_t ky = 0; ky < 3; ++ky)
              for (std::size_t kx = 0; kx < 3; ++kx) {
                // Output (oy, ox) reads input (oy + ky - pt, ox + kx - pl).
                const std::ptrdiff_t oy = std::ptrdiff_t(iy + k.pt) - std::ptrdiff_t(ky),
                                     ox = std::ptrdiff_t(ix + k.pl) - std::ptrdiff_t(kx);
                if (oy < 0 || ox < 0 || oy >= std::ptrdiff_t(oh) || ox >= std::ptrdiff_t(ow))
                  continue;
                for (std::size_t fo = 0; fo < k.f; ++fo) {
                  const double term =
                      double(dy[((b * oh + std::size_t(oy)) * ow + std::size_t(ox)) * k.f + fo]) *
                      w[((ky * 3 + kx) * k.c + ci) * k.f + fo];
                  sum += term;
                  magnitude += std::fabs(term);
                }
              }
            const std::size_t at = ((b * k.h + iy) * k.wd + ix) * k.c + ci;
            EXPECT_LE(std::fabs(got[at] - sum), 1e-5 * (1.0 + magnitude))
                << "c=" << k.c << " f=" << k.f << " at " << at;
          }
    for (std::size_t threads : {2, 3}) {
      kiln::rt::ThreadScope scope(threads);
      EXPECT_EQ(run(), got) << threads << " threads";
    }
  }
}
