// Finite-difference checks of the training kernels (kiln/rt/train): each
// analytic gradient against central differences of the forward kernel, in
// double-checked float (step 1e-3, tolerance relative to the gradient).
#include "kiln/rt/kiln_rt.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <type_traits>
#include <vector>

namespace {
using Forward = std::function<double(const std::vector<float> &)>;

std::vector<float> randomVector(std::size_t n, unsigned seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

/// Central difference of the scalar `f` at x along every coordinate.
std::vector<float> numericGradient(const Forward &f, std::vector<float> x, float h = 1e-3f) {
  std::vector<float> g(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    float saved = x[i];
    x[i] = saved + h;
    double up = f(x);
    x[i] = saved - h;
    double down = f(x);
    x[i] = saved;
    g[i] = float((up - down) / (2.0 * h));
  }
  return g;
}

void expectClose(const std::vector<float> &analytic, const std::vector<float> &numeric,
                 float tolerance = 2e-3f) {
  float scale = 1e-3f;
  for (float v : numeric)
    scale = std::max(scale, std::fabs(v));
  for (std::size_t i = 0; i < analytic.size(); ++i)
    EXPECT_NEAR(analytic[i], numeric[i], tolerance * scale) << "element " << i;
}

/// A fixed random projection turns a tensor-valued kernel into a scalar
/// loss, L = Σ w·y, so dL/dy = w.
double project(const std::vector<float> &y, const std::vector<float> &w) {
  double s = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i)
    s += double(y[i]) * w[i];
  return s;
}

template <kiln::rt::Act A>
void checkActivation(float lo, float hi, bool fromResult) {
  const std::size_t n = 64;
  std::vector<float> x = randomVector(n, 1, lo, hi), w = randomVector(n, 2);
  Forward f = [&](const std::vector<float> &v) {
    std::vector<float> y(n);
    for (std::size_t i = 0; i < n; ++i)
      y[i] = std::isfinite(v[i]) ? kiln::rt::activate<A>(v[i]) : 0.0f;
    return project(y, w);
  };
  std::vector<float> v = x, dx(n);
  if (fromResult)
    for (std::size_t i = 0; i < n; ++i)
      v[i] = kiln::rt::activate<A>(x[i]);
  kiln::rt::activation_grad_f32<A>(w.data(), v.data(), dx.data(), n, fromResult);
  // The forward kernels use fast approximations; allow for their error.
  expectClose(dx, numericGradient(f, x), 5e-3f);
}
} // namespace

TEST(TrainingKernels, ActivationDerivatives) {
  using kiln::rt::Act;
  // Ranges keep every point away from kinks, where differences are meaningless.
  checkActivation<Act::relu>(0.1f, 2.0f, true);
  checkActivation<Act::sigmoid>(-3.0f, 3.0f, true);
  checkActivation<Act::tanh>(-2.0f, 2.0f, true);
  checkActivation<Act::exponential>(-2.0f, 2.0f, true);
  checkActivation<Act::gelu>(-3.0f, 3.0f, false);
  checkActivation<Act::gelu_tanh>(-3.0f, 3.0f, false);
  checkActivation<Act::silu>(-3.0f, 3.0f, false);
  checkActivation<Act::elu>(-3.0f, -0.1f, false);
  checkActivation<Act::selu>(-3.0f, -0.1f, false);
  checkActivation<Act::softplus>(-3.0f, 3.0f, false);
  checkActivation<Act::softsign>(0.1f, 3.0f, false);
  checkActivation<Act::mish>(-3.0f, 3.0f, false);
  checkActivation<Act::log_sigmoid>(-3.0f, 3.0f, false);
  checkActivation<Act::hard_silu>(-2.5f, 2.5f, false);
  checkActivation<Act::square>(-2.0f, 2.0f, false);
  checkActivation<Act::sqrt>(0.5f, 3.0f, false);
  checkActivation<Act::log>(0.5f, 3.0f, false);
  checkActivation<Act::celu>(-3.0f, -0.1f, false);
  checkActivation<Act::squareplus>(-3.0f, 3.0f, false);
  checkActivation<Act::soft_shrink>(0.6f, 3.0f, false);
  checkActivation<Act::soft_shrink>(-0.4f, 0.4f, false);
  checkActivation<Act::hard_shrink>(-3.0f, -0.6f, false);
  checkActivation<Act::tanh_shrink>(-3.0f, 3.0f, false);
  checkActivation<Act::sparse_plus>(-0.9f, 0.9f, false);
  checkActivation<Act::sparse_plus>(1.1f, 3.0f, false);
  checkActivation<Act::sparse_sigmoid>(-0.9f, 0.9f, false);
  checkActivation<Act::threshold>(0.1f, 2.0f, false);
  checkActivation<Act::hard_sigmoid_keras2>(-2.4f, 2.4f, false);
  checkActivation<Act::hard_sigmoid_keras2>(2.6f, 4.0f, false);
}

TEST(TrainingKernels, ExtremumGradients) {
  using kiln::rt::BinOp;
  // a (4, 3) against b (3) broadcast along the rows: iteration (1, 1, 4, 3).
  std::vector<float> a = randomVector(12, 40), b = randomVector(3, 41), w = randomVector(12, 42);
  auto check = [&](auto op) {
    constexpr BinOp O = decltype(op)::value;
    auto forward = [&](const std::vector<float> &av, const std::vector<float> &bv) {
      std::vector<float> y(12);
      kiln::rt::binary_f32<O>(av.data(), bv.data(), y.data(), 1, 1, 4, 3, 0, 0, 3, 1, 0, 0, 0, 1);
      return project(y, w);
    };
    std::vector<float> da(12), dbFull(12), db(3);
    kiln::rt::extremum_grad_f32<O>(w.data(), a.data(), b.data(), da.data(), 1, 1, 4, 3, 0, 0, 3,
                                   1, 0, 0, 0, 1, false);
    kiln::rt::extremum_grad_f32<O>(w.data(), a.data(), b.data(), dbFull.data(), 1, 1, 4, 3, 0, 0,
                                   3, 1, 0, 0, 0, 1, true);
    kiln::rt::sum_to_f32(dbFull.data(), db.data(), 1, 1, 4, 3, 0, 0, 0, 1, 3);
    expectClose(da, numericGradient([&](const std::vector<float> &v) { return forward(v, b); }, a));
    expectClose(db, numericGradient([&](const std::vector<float> &v) { return forward(a, v); }, b));
    // A tie splits the gradient evenly, as JAX's maximum and minimum do.
    float tieA = 0.0f, tieB = 0.0f, one = 1.0f, value = 0.25f;
    kiln::rt::extremum_grad_f32<O>(&one, &value, &value, &tieA, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0,
                                   1, false);
    kiln::rt::extremum_grad_f32<O>(&one, &value, &value, &tieB, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0,
                                   1, true);
    EXPECT_EQ(tieA, 0.5f);
    EXPECT_EQ(tieB, 0.5f);
  };
  check(std::integral_constant<BinOp, BinOp::max>{});
  check(std::integral_constant<BinOp, BinOp::min>{});
}

TEST(TrainingKernels, ResizeGradients) {
  using kiln::rt::Resize;
  // (2, 3, 4, 5) resized to 2x and to a non-integer factor, up and down.
  const std::size_t n = 2, h = 3, w = 4, c = 5;
  std::vector<float> x = randomVector(n * h * w * c, 43);
  auto check = [&](auto kind, std::size_t oh, std::size_t ow) {
    constexpr Resize R = decltype(kind)::value;
    std::vector<float> wts = randomVector(n * oh * ow * c, 44);
    Forward f = [&](const std::vector<float> &v) {
      std::vector<float> y(n * oh * ow * c);
      kiln::rt::resize_f32<R>(v.data(), y.data(), n, h, w, c, oh, ow);
      return project(y, wts);
    };
    std::vector<float> dx(x.size());
    kiln::rt::resize_grad_f32<R>(wts.data(), dx.data(), n, h, w, c, oh, ow);
    expectClose(dx, numericGradient(f, x));
  };
  for (auto [oh, ow] : {std::pair<std::size_t, std::size_t>{6, 8}, {7, 3}, {2, 9}}) {
    check(std::integral_constant<Resize, Resize::nearest>{}, oh, ow);
    check(std::integral_constant<Resize, Resize::bilinear>{}, oh, ow);
  }
}

TEST(TrainingKernels, SoftmaxGradient) {
  const std::size_t outer = 3, n = 5, inner = 2, size = outer * n * inner;
  std::vector<float> x = randomVector(size, 3, -2.0f, 2.0f), w = randomVector(size, 4);
  for (bool log : {false, true}) {
    Forward f = [&](const std::vector<float> &v) {
      std::vector<float> y(size);
      kiln::rt::softmax_f32(v.data(), y.data(), outer, n, inner, log);
      return project(y, w);
    };
    std::vector<float> y(size), dx(size);
    kiln::rt::softmax_f32(x.data(), y.data(), outer, n, inner, log);
    kiln::rt::softmax_grad_f32(w.data(), y.data(), dx.data(), outer, n, inner, log);
    expectClose(dx, numericGradient(f, x));
  }
}

void checkDense(std::size_t rows, std::size_t in, std::size_t units) {
  std::vector<float> x = randomVector(rows * in, 5), k = randomVector(in * units, 6),
                     w = randomVector(rows * units, 7);
  auto forward = [&](const std::vector<float> &xv, const std::vector<float> &kv) {
    std::vector<float> y(rows * units);
    kiln::rt::dense_f32<kiln::rt::Act::linear>(xv.data(), kv.data(), nullptr, y.data(), rows,
                                               in, units);
    return project(y, w);
  };
  std::vector<float> dx(rows * in), dk(in * units);
  kiln::rt::dense_grad_input_f32(w.data(), k.data(), dx.data(), rows, in, units);
  kiln::rt::dense_grad_kernel_f32(x.data(), w.data(), dk.data(), rows, in, units);
  expectClose(dx, numericGradient([&](const std::vector<float> &v) { return forward(v, k); }, x));
  expectClose(dk, numericGradient([&](const std::vector<float> &v) { return forward(x, v); }, k));
  // With scratch, the transposed kernel packed into panels and the packed
  // GEMM: the same gradient.
  std::vector<float> scratch(kiln::rt::dense_grad_input_scratch_floats(in, units), NAN),
      packedDx(rows * in);
  kiln::rt::dense_grad_input_f32(w.data(), k.data(), packedDx.data(), rows, in, units,
                                 scratch.data());
  expectClose(packedDx, dx);
}

// dw += xᵀ · dy against a double-precision sum, for every register tile
// shape and remainder: channels 1 to 19 (full tiles of 8, or 6 and 3 on
// AVX2 and NEON, and every leftover), units of whole panels of 32 and 16
// and a tail, x rows longer than the channels (a strided run), runs of
// several chunks of rows (300), and both accumulating and assigning.
TEST(TrainingKernels, OuterProductMatchesReference) {
  for (std::size_t count : {1u, 3u, 32u, 300u})
    for (std::size_t channels = 1; channels <= 19; ++channels)
      for (std::size_t units : {16u, 32u, 48u, 52u, 5u}) {
        const std::size_t xStep = channels + 2;
        std::vector<float> x = randomVector(count * xStep, 11), dy = randomVector(count * units, 12),
                           start = randomVector(channels * units, 13);
        std::vector<float> added = start, assigned(channels * units, NAN);
        kiln::rt::outer_product_add_f32(x.data(), xStep, dy.data(), count, channels, units,
                                        added.data());
        std::vector<float> dense(count * channels); // the same rows, unstrided
        for (std::size_t p = 0; p < count; ++p)
          for (std::size_t c = 0; c < channels; ++c)
            dense[p * channels + c] = x[p * xStep + c];
        kiln::rt::dense_grad_kernel_f32(dense.data(), dy.data(), assigned.data(), count, channels,
                                        units);
        for (std::size_t c = 0; c < channels; ++c)
          for (std::size_t u = 0; u < units; ++u) {
            double sum = 0.0;
            for (std::size_t p = 0; p < count; ++p)
              sum += double(x[p * xStep + c]) * dy[p * units + u];
            const std::size_t i = c * units + u;
            ASSERT_NEAR(added[i], start[i] + sum, 1e-5 * (1.0 + count))
                << "count " << count << " channels " << channels << " units " << units;
            ASSERT_NEAR(assigned[i], sum, 1e-5 * (1.0 + count))
                << "count " << count << " channels " << channels << " units " << units;
          }
      }
}

TEST(TrainingKernels, DenseGradients) {
  checkDense(3, 7, 20);
  // The kernel gradient's register tiles: 8 + 3 kernel rows, panels of 32
  // and 16 columns, and 4 columns after them; an odd number of rows.
  checkDense(5, 11, 52);
  // Packed: 13 rows (a full register tile and one more), 37 inputs (three
  // panels, the last padded), 10 units.
  checkDense(13, 37, 10);
}

TEST(TrainingKernels, SumToIsTheBroadcastAdjoint) {
  // (2, 3, 4) summed to (2, 1, 4): the adjoint of broadcasting along axis 1.
  std::vector<float> x = randomVector(24, 8), y(8);
  kiln::rt::sum_to_f32(x.data(), y.data(), 1, 2, 3, 4, 0, 4, 0, 1, 8);
  for (std::size_t a = 0; a < 2; ++a)
    for (std::size_t c = 0; c < 4; ++c) {
      float expected = 0.0f;
      for (std::size_t b = 0; b < 3; ++b)
        expected += x[(a * 3 + b) * 4 + c];
      EXPECT_FLOAT_EQ(y[a * 4 + c], expected);
    }
}

namespace {
template <kiln::rt::Loss L>
void checkLoss(bool fromLogits, float smoothing, std::vector<float> pred,
               const std::vector<float> &target, std::size_t rows, std::size_t n) {
  Forward f = [&](const std::vector<float> &p) {
    float loss = 0.0f;
    kiln::rt::loss_f32<L>(p.data(), target.data(), &loss, rows, n, fromLogits, smoothing, 0.7f);
    return loss;
  };
  std::vector<float> grad(rows * n);
  kiln::rt::loss_grad_f32<L>(pred.data(), target.data(), grad.data(), rows, n, fromLogits,
                             smoothing, 0.7f, 0.5f);
  std::vector<float> numeric = numericGradient(f, pred, 1e-3f);
  for (float &v : numeric)
    v *= 0.5f; // the scale given to loss_grad_f32
  expectClose(grad, numeric);
}
} // namespace

TEST(TrainingKernels, LossGradients) {
  using kiln::rt::Loss;
  const std::size_t rows = 4, n = 3;
  std::vector<float> logits = randomVector(rows * n, 9, -2.0f, 2.0f);
  std::vector<float> values = randomVector(rows * n, 10), target = randomVector(rows * n, 11);
  // Probabilities: softmax rows, and independent sigmoids.
  std::vector<float> probs(rows * n), sig(rows * n), onehot(rows * n, 0.0f), binary(rows * n);
  kiln::rt::softmax_f32(logits.data(), probs.data(), rows, n, 1, false);
  std::vector<float> ids{2, 0, 1, 2};
  for (std::size_t i = 0; i < rows * n; ++i) {
    sig[i] = 1.0f / (1.0f + std::exp(-logits[i]));
    binary[i] = target[i] > 0.0f ? 1.0f : 0.0f;
  }
  for (std::size_t r = 0; r < rows; ++r)
    onehot[r * n + std::size_t(ids[r])] = 1.0f;
  checkLoss<Loss::mean_squared_error>(false, 0.0f, values, target, rows, n);
  checkLoss<Loss::mean_absolute_error>(false, 0.0f, values, target, rows, n);
  checkLoss<Loss::huber>(false, 0.0f, values, target, rows, n);
  checkLoss<Loss::binary_crossentropy>(false, 0.1f, sig, binary, rows, n);
  checkLoss<Loss::binary_crossentropy>(true, 0.0f, logits, binary, rows, n);
  checkLoss<Loss::categorical_crossentropy>(false, 0.0f, probs, onehot, rows, n);
  checkLoss<Loss::categorical_crossentropy>(true, 0.2f, logits, onehot, rows, n);
  checkLoss<Loss::sparse_categorical_crossentropy>(false, 0.0f, probs, ids, rows, n);
  checkLoss<Loss::sparse_categorical_crossentropy>(true, 0.0f, logits, ids, rows, n);
}

TEST(TrainingKernels, RegularizationGradient) {
  // Values kept away from 0, where |x| has no derivative; at exactly 0 the
  // kernel takes JAX's +1.
  const std::size_t n = 40;
  std::vector<float> x = randomVector(n, 21);
  for (float &v : x)
    v += v >= 0.0f ? 0.05f : -0.05f;
  struct Factors {
    float l1, l2, scale;
  };
  for (const Factors &c : {Factors{0.01f, 0.0f, 1.0f}, Factors{0.0f, 0.02f, 0.125f},
                           Factors{0.003f, 0.5f, 1.0f}}) {
    Forward f = [&](const std::vector<float> &v) {
      float penalty = 0.0f;
      kiln::rt::regularization_f32(v.data(), &penalty, n, c.l1, c.l2, c.scale);
      return double(penalty);
    };
    std::vector<float> dx(n);
    kiln::rt::regularization_grad_f32(x.data(), dx.data(), n, c.l1, c.l2, c.scale);
    expectClose(dx, numericGradient(f, x));
  }
  float zero = 0.0f, minusZero = -0.0f, g = 0.0f;
  kiln::rt::regularization_grad_f32(&zero, &g, 1, 0.5f, 0.0f, 1.0f);
  EXPECT_EQ(g, 0.5f);
  kiln::rt::regularization_grad_f32(&minusZero, &g, 1, 0.5f, 0.0f, 1.0f);
  EXPECT_EQ(g, 0.5f);
}

TEST(TrainingKernels, AdamStepIsTheFormulaWithinRounding) {
  // 37 weights: two 16-lane blocks, which multiply by a refined reciprocal
  // estimate, and a remainder, which divides. At each of three steps, with
  // and without amsgrad, the step is checked against Keras's formula, its
  // division in double precision, from the moments the kernel stored:
  // within 4 float roundings of the step, plus the new weight's rounding.
  for (bool amsgrad : {false, true}) {
    const std::size_t n = 37, slot = 48;
    std::vector<float> w = randomVector(n, 50), state(3 * slot, 0.0f);
    const float *m = state.data(), *v = state.data() + slot, *vhat = v + slot;
    kiln::rt::OptimizerParams p{};
    p.learning_rate = 0.01f, p.beta_1 = 0.9f, p.beta_2 = 0.999f, p.epsilon = 1e-7f;
    p.amsgrad = amsgrad;
    for (int step = 0; step < 3; ++step) {
      const std::vector<float> g = randomVector(n, 51 + step, -2.0f, 2.0f), before = w;
      kiln::rt::optimizer_update_f32<kiln::rt::Optimizer::adam>(w.data(), g.data(),
                                                               state.data(), n, step, p);
      // The bias correction as Keras computes it, in float32.
      const float t = float(step + 1);
      const double alpha = p.learning_rate * std::sqrt(1.0f - std::pow(p.beta_2, t)) /
                           (1.0f - std::pow(p.beta_1, t));
      for (std::size_t i = 0; i < n; ++i) {
        const double root = std::sqrt(double(amsgrad ? vhat[i] : v[i]));
        const double delta = m[i] * alpha / (root + p.epsilon), want = before[i] - delta;
        EXPECT_NEAR(w[i], want, 0x1p-24 * (std::fabs(want) + 4 * std::fabs(delta)))
            << "weight " << i << ", step " << step << (amsgrad ? ", amsgrad" : "");
      }
    }
  }
}

TEST(TrainingKernels, ConvolutionGradients) {
  const kiln::rt::ConvGeometry geometries[] = {
      // Strided, dilated, padded and grouped: the tap-by-tap kernels.
      {2, 7, 6, 4, 3, 2, 6, 4, 3, 2, 2, 1, 2, 1, 1, 2},
      // One group, stride 1, dilated and padded: dx as a packed convolution;
      // dk blocked over 8 + 3 channels, two panels and a 5-channel tail.
      {1, 5, 4, 11, 3, 3, 37, 5, 4, 1, 1, 1, 2, 1, 2, 1},
      // One group, strided, asymmetric padding: dx tap by tap, dk blocked.
      {2, 7, 6, 3, 3, 2, 16, 4, 3, 2, 2, 1, 1, 1, 0, 1},
      // A 3-channel stem, "same" (taps cut at both edges), then strided.
      {2, 6, 7, 3, 3, 3, 16, 6, 7, 1, 1, 1, 1, 1, 1, 1},
      {1, 9, 9, 3, 3, 3, 8, 5, 5, 2, 2, 1, 1, 1, 1, 1},
      // An image narrower than the kernel.
      {1, 4, 2, 2, 3, 3, 16, 4, 2, 1, 1, 1, 1, 1, 1, 1},
      // dk's runs of KW·C channels: a 5x5 "same" (two cut columns per side,
      // 20 filters: a panel and a tail), and a "valid" 2x3 (no cuts).
      {1, 8, 9, 2, 5, 5, 20, 8, 9, 1, 1, 1, 1, 2, 2, 1},
      {1, 7, 8, 5, 2, 3, 16, 6, 6, 1, 1, 1, 1, 0, 0, 1},
  };
  for (const kiln::rt::ConvGeometry &g : geometries) {
    const std::size_t inSize = g.n * g.h * g.w * g.c, outSize = g.n * g.oh * g.ow * g.f;
    const std::size_t kSize = g.kh * g.kw * g.cg() * g.f;
    std::vector<float> x = randomVector(inSize, 12), k = randomVector(kSize, 13),
                       w = randomVector(outSize, 14);
    auto forward = [&](const std::vector<float> &xv, const std::vector<float> &kv) {
      std::vector<float> y(outSize);
      kiln::rt::conv2d_f32<kiln::rt::Act::linear>(xv.data(), kv.data(), nullptr, y.data(), g.n,
                                                  g.h, g.w, g.c, g.kh, g.kw, g.f, g.oh, g.ow,
                                                  g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.groups);
      return project(y, w);
    };
    std::vector<float> dx(inSize), dk(kSize);
    std::vector<float> scratch(kiln::rt::conv2d_grad_input_scratch_floats(g));
    EXPECT_EQ(scratch.empty(), g.groups != 1 || g.sh != 1) << "the convolution path";
    kiln::rt::conv2d_grad_input_f32(w.data(), k.data(), dx.data(), g,
                                    scratch.empty() ? nullptr : scratch.data(), scratch.size());
    kiln::rt::conv2d_grad_kernel_f32(x.data(), w.data(), dk.data(), g);
    expectClose(dx,
                numericGradient([&](const std::vector<float> &v) { return forward(v, k); }, x));
    expectClose(dk,
                numericGradient([&](const std::vector<float> &v) { return forward(x, v); }, k));
  }
}

TEST(TrainingKernels, PoolingGradients) {
  const std::size_t n = 1, h = 5, w = 5, c = 3, kh = 2, kw = 3, oh = 3, ow = 3, sh = 2, sw = 2;
  const std::size_t pt = 0, pl = 1;
  std::vector<float> x = randomVector(n * h * w * c, 15), dyw = randomVector(n * oh * ow * c, 16);
  auto check = [&](auto pool) {
    constexpr kiln::rt::Pool P = decltype(pool)::value;
    Forward f = [&](const std::vector<float> &v) {
      std::vector<float> y(n * oh * ow * c);
      kiln::rt::pool2d_f32<P>(v.data(), y.data(), n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl);
      return project(y, dyw);
    };
    std::vector<float> dx(x.size());
    kiln::rt::pool2d_grad_f32<P>(dyw.data(), x.data(), dx.data(), n, h, w, c, kh, kw, oh, ow,
                                 sh, sw, pt, pl);
    expectClose(dx, numericGradient(f, x));
  };
  check(std::integral_constant<kiln::rt::Pool, kiln::rt::Pool::max>());
  check(std::integral_constant<kiln::rt::Pool, kiln::rt::Pool::avg>());
}

/// Pooling backward by definition, one window and channel at a time:
/// max's dy goes to the window's first largest input.
template <kiln::rt::Pool P>
std::vector<float> poolGradReference(const std::vector<float> &dy, const std::vector<float> &x,
                                     std::size_t n, std::size_t h, std::size_t w, std::size_t c,
                                     std::size_t kh, std::size_t kw, std::size_t oh,
                                     std::size_t ow, std::size_t sh, std::size_t sw,
                                     std::size_t pt, std::size_t pl) {
  std::vector<float> dx(x.size(), 0.0f);
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t y = 0; y < oh; ++y)
      for (std::size_t xo = 0; xo < ow; ++xo)
        for (std::size_t ch = 0; ch < c; ++ch) {
          std::vector<std::size_t> inside;
          for (std::size_t i = 0; i < kh; ++i)
            for (std::size_t j = 0; j < kw; ++j) {
              const long r = long(y * sh + i) - long(pt), q = long(xo * sw + j) - long(pl);
              if (r >= 0 && r < long(h) && q >= 0 && q < long(w))
                inside.push_back(((b * h + std::size_t(r)) * w + std::size_t(q)) * c + ch);
            }
          if (inside.empty())
            continue;
          const float g = dy[((b * oh + y) * ow + xo) * c + ch];
          if (P == kiln::rt::Pool::max) {
            std::size_t best = inside[0];
            for (std::size_t at : inside)
              if (x[at] > x[best])
                best = at;
            dx[best] += g;
          } else {
            for (std::size_t at : inside)
              dx[at] += g / float(inside.size());
          }
        }
  return dx;
}

// Windows that overlap, that leave inputs uncovered (stride above the
// window), more channels than one chunk of 64, and ties that the first
// largest input must win (values from a set of 5), also among NaNs, which
// never win unless first in their window.
TEST(TrainingKernels, PoolingGradientsMatchTheDefinition) {
  struct Geometry {
    std::size_t n, h, w, c, kh, kw, sh, sw, pt, pl;
  };
  const Geometry cases[] = {{2, 8, 8, 16, 2, 2, 2, 2, 0, 0}, {1, 7, 9, 70, 2, 2, 3, 3, 0, 0},
                            {1, 6, 6, 5, 3, 3, 2, 2, 1, 1}, {1, 5, 7, 130, 3, 2, 2, 2, 0, 1},
                            {1, 9, 9, 17, 3, 3, 1, 1, 1, 1}, {1, 4, 4, 3, 1, 1, 2, 2, 0, 0},
                            {1, 5, 5, 4, 2, 2, 2, 2, 1, 1}};
  for (const Geometry &t : cases)
    for (int values : {0, 1, 2}) { // random, ties, ties and NaNs
      const std::size_t oh = (t.h + 2 * t.pt - t.kh) / t.sh + 1;
      const std::size_t ow = (t.w + 2 * t.pl - t.kw) / t.sw + 1;
      std::vector<float> x = randomVector(t.n * t.h * t.w * t.c, 31);
      for (std::size_t i = 0; values > 0 && i < x.size(); ++i)
        x[i] = values == 2 && i % 7 == 3 ? std::nanf("") : std::round(x[i] * 1.5f);
      const std::vector<float> dy = randomVector(t.n * oh * ow * t.c, 32);
      auto check = [&](auto pool) {
        constexpr kiln::rt::Pool P = decltype(pool)::value;
        std::vector<float> dx(x.size(), 7.0f); // every element must be written
        kiln::rt::pool2d_grad_f32<P>(dy.data(), x.data(), dx.data(), t.n, t.h, t.w, t.c, t.kh,
                                     t.kw, oh, ow, t.sh, t.sw, t.pt, t.pl);
        const std::vector<float> want = poolGradReference<P>(
            dy, x, t.n, t.h, t.w, t.c, t.kh, t.kw, oh, ow, t.sh, t.sw, t.pt, t.pl);
        for (std::size_t i = 0; i < x.size(); ++i)
          ASSERT_NEAR(dx[i], want[i], 1e-6f)
              << "element " << i << ", " << t.h << "x" << t.w << "x" << t.c << " window "
              << t.kh << "x" << t.kw << " stride " << t.sh << ", values " << values
              << (P == kiln::rt::Pool::max ? ", max" : ", avg");
      };
      check(std::integral_constant<kiln::rt::Pool, kiln::rt::Pool::max>());
      check(std::integral_constant<kiln::rt::Pool, kiln::rt::Pool::avg>());
    }
}

void checkBatchNorm(std::size_t rows, std::size_t c) {
  std::vector<float> x = randomVector(rows * c, 17, -2.0f, 2.0f), gamma = randomVector(c, 18),
                     beta = randomVector(c, 19), w = randomVector(rows * c, 20);
  const float eps = 1e-3f;
  std::vector<float> mean(c), var(c), y(rows * c), dx(rows * c), dg(c), db(c);
  // Training form: the statistics depend on x.
  auto train = [&](const std::vector<float> &xv, const std::vector<float> &gv,
                   const std::vector<float> &bv) {
    std::vector<float> m(c), s(c), out(rows * c);
    kiln::rt::batch_norm_train_f32(xv.data(), gv.data(), bv.data(), out.data(), m.data(),
                                   s.data(), rows, c, eps);
    return project(out, w);
  };
  kiln::rt::batch_norm_train_f32(x.data(), gamma.data(), beta.data(), y.data(), mean.data(),
                                 var.data(), rows, c, eps);
  kiln::rt::batch_norm_grad_f32(w.data(), x.data(), mean.data(), var.data(), gamma.data(),
                                dx.data(), dg.data(), db.data(), rows, c, eps, true);
  expectClose(dx, numericGradient([&](const std::vector<float> &v) { return train(v, gamma, beta); }, x));
  expectClose(dg, numericGradient([&](const std::vector<float> &v) { return train(x, v, beta); }, gamma));
  expectClose(db, numericGradient([&](const std::vector<float> &v) { return train(x, gamma, v); }, beta));
  // Inference form: fixed (moving) statistics.
  std::vector<float> movingMean = randomVector(c, 21), movingVar = randomVector(c, 22, 0.5f, 2.0f);
  Forward frozen = [&](const std::vector<float> &xv) {
    std::vector<float> out(rows * c);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t j = 0; j < c; ++j)
        out[r * c + j] = (xv[r * c + j] - movingMean[j]) / std::sqrt(movingVar[j] + eps) *
                             gamma[j] + beta[j];
    return project(out, w);
  };
  kiln::rt::batch_norm_grad_f32(w.data(), x.data(), movingMean.data(), movingVar.data(),
                                gamma.data(), dx.data(), dg.data(), db.data(), rows, c, eps,
                                false);
  expectClose(dx, numericGradient(frozen, x));
}

TEST(TrainingKernels, BatchNormGradients) {
  // Small, and past one chunk of 64 channels and one block of 64 rows.
  checkBatchNorm(6, 4);
  checkBatchNorm(70, 67);
}

TEST(TrainingKernels, BroadcastIsTheSumAdjoint) {
  // <broadcast_to(a), b> == <a, sum_to(b)> for (2, 1, 4) against (2, 3, 4).
  std::vector<float> a = randomVector(8, 23), b = randomVector(24, 24), big(24), small(8);
  kiln::rt::broadcast_to_f32(a.data(), big.data(), 1, 2, 3, 4, 0, 4, 0, 1, 0.5f);
  kiln::rt::sum_to_f32(b.data(), small.data(), 1, 2, 3, 4, 0, 4, 0, 1, 8);
  EXPECT_NEAR(project(big, b), 0.5f * project(a, small), 1e-5f);
}

TEST(TrainingKernels, LayerNormGradients) {
  const std::size_t rows = 3, n = 6;
  std::vector<float> x = randomVector(rows * n, 25, -2.0f, 2.0f), gamma = randomVector(n, 26),
                     beta = randomVector(n, 27), w = randomVector(rows * n, 28);
  for (bool rms : {false, true}) {
    auto forward = [&](const std::vector<float> &xv, const std::vector<float> &gv,
                       const std::vector<float> &bv) {
      std::vector<float> y(rows * n);
      kiln::rt::layer_norm_f32(xv.data(), gv.data(), bv.data(), y.data(), rows, n, 1e-3f, rms);
      return project(y, w);
    };
    std::vector<float> dx(rows * n), dg(n), db(n);
    kiln::rt::layer_norm_grad_f32(w.data(), x.data(), gamma.data(), dx.data(), dg.data(),
                                  db.data(), rows, n, 1e-3f, rms);
    expectClose(dx, numericGradient([&](const std::vector<float> &v) { return forward(v, gamma, beta); }, x));
    expectClose(dg, numericGradient([&](const std::vector<float> &v) { return forward(x, v, beta); }, gamma));
    expectClose(db, numericGradient([&](const std::vector<float> &v) { return forward(x, gamma, v); }, beta));
  }
}

TEST(TrainingKernels, EmbeddingGradient) {
  const std::size_t vocab = 5, dim = 3;
  std::vector<std::int32_t> ids{1, 4, 1, -1, 7}; // -1 is row 4; 7 is outside the table
  std::vector<float> table = randomVector(vocab * dim, 29), w = randomVector(ids.size() * dim, 30);
  Forward f = [&](const std::vector<float> &t) {
    std::vector<float> y(ids.size() * dim);
    kiln::rt::embedding_f32(ids.data(), t.data(), y.data(), ids.size(), vocab, dim);
    for (float &v : y)
      v = std::isnan(v) ? 0.0f : v; // the outside id's NaN row takes no gradient
    return project(y, w);
  };
  std::vector<float> dt(vocab * dim);
  kiln::rt::embedding_grad_f32(ids.data(), w.data(), dt.data(), ids.size(), vocab, dim);
  expectClose(dt, numericGradient(f, table));
}

TEST(TrainingKernels, StridedScatterIsTheViewAdjoint) {
  // A transpose with an offset and a repeated element: x (4x6), view of
  // 3x4 with strides (1, 6) from offset 1, plus a stride-0 axis.
  std::vector<float> x = randomVector(24, 31), w = randomVector(2 * 3 * 4, 32);
  Forward f = [&](const std::vector<float> &xv) {
    std::vector<float> y(24);
    kiln::rt::strided_copy_f32(xv.data(), y.data(), 1, 1, 1, 1, 2, 3, 4, 0, 0, 0, 0, 1, 6);
    return project(y, w);
  };
  std::vector<float> dx(24);
  kiln::rt::strided_scatter_add_f32(w.data(), dx.data(), 1, 24, 1, 1, 1, 2, 3, 4, 0, 0, 0, 0, 1,
                                    6);
  expectClose(dx, numericGradient(f, x));
}

namespace {
/// A noise layer over n elements, one draw per element.
template <kiln::rt::Noise K, bool Gradient = false>
void noise(const std::vector<float> &x, std::vector<float> &y, float rate, std::int64_t step) {
  if constexpr (Gradient)
    kiln::rt::noise_grad_f32<K>(x.data(), y.data(), 1, 1, 1, x.size(), 0, 0, 0, 1, rate, 42, step);
  else
    kiln::rt::noise_f32<K>(x.data(), y.data(), 1, 1, 1, x.size(), 0, 0, 0, 1, rate, 42, step);
}

void meanAndVariance(const std::vector<float> &v, double &mean, double &variance) {
  mean = variance = 0.0;
  for (float e : v)
    mean += e;
  mean /= double(v.size());
  for (float e : v)
    variance += (e - mean) * (e - mean);
  variance /= double(v.size());
}
} // namespace

TEST(TrainingKernels, DropoutMask) {
  using kiln::rt::Noise;
  const std::size_t n = 200000;
  const float rate = 0.3f;
  std::vector<float> x(n, 1.0f), y(n), y2(n), later(n);
  noise<Noise::dropout>(x, y, rate, 5);
  noise<Noise::dropout>(x, y2, rate, 5);
  noise<Noise::dropout>(x, later, rate, 6);
  std::size_t kept = 0, same = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (y[i] != 0.0f) {
      ++kept;
      EXPECT_FLOAT_EQ(y[i], 1.0f / (1.0f - rate));
    }
    same += (y[i] != 0.0f) == (later[i] != 0.0f);
  }
  EXPECT_EQ(y, y2); // the same seed and step draw the same mask
  EXPECT_NEAR(double(kept) / n, 1.0 - rate, 0.005);
  // The next step's mask is independent: agreement p² + (1-p)², not 1.
  EXPECT_NEAR(double(same) / n, 0.7 * 0.7 + 0.3 * 0.3, 0.01);
  // The gradient applies the forward's mask and scale.
  std::vector<float> dy = randomVector(n, 33), dx(n);
  noise<Noise::dropout, true>(dy, dx, rate, 5);
  for (std::size_t i = 0; i < n; ++i)
    EXPECT_EQ(dx[i], y[i] == 0.0f ? 0.0f : dy[i] * (1.0f / (1.0f - rate))) << i;
}

TEST(TrainingKernels, NoiseLayers) {
  using kiln::rt::Noise;
  const std::size_t n = 400000;
  std::vector<float> ones(n, 1.0f), y(n), dx(n);
  double mean, variance;
  // GaussianDropout: x · N(1, rate / (1 − rate)); its gradient the same factor.
  noise<Noise::gaussian_dropout>(ones, y, 0.2f, 3);
  meanAndVariance(y, mean, variance);
  EXPECT_NEAR(mean, 1.0, 0.005);
  EXPECT_NEAR(variance, 0.25, 0.005);
  std::vector<float> dy = randomVector(n, 49);
  noise<Noise::gaussian_dropout, true>(dy, dx, 0.2f, 3);
  for (std::size_t i = 0; i < n; i += 997)
    EXPECT_FLOAT_EQ(dx[i], dy[i] * y[i]) << i;
  // GaussianNoise: x + N(0, stddev²).
  noise<Noise::gaussian_noise>(ones, y, 0.5f, 3);
  meanAndVariance(y, mean, variance);
  EXPECT_NEAR(mean, 1.0, 0.005);
  EXPECT_NEAR(variance, 0.25, 0.005);
  // AlphaDropout keeps a standard normal input at mean 0 and variance 1;
  // dropped elements all take one value and pass no gradient.
  std::vector<float> normal(n);
  noise<Noise::gaussian_noise>(std::vector<float>(n, 0.0f), normal, 1.0f, 8);
  noise<Noise::alpha_dropout>(normal, y, 0.25f, 4);
  meanAndVariance(y, mean, variance);
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(variance, 1.0, 0.01);
  noise<Noise::alpha_dropout, true>(ones, dx, 0.25f, 4);
  std::size_t dropped = 0;
  for (float d : dx)
    dropped += d == 0.0f;
  EXPECT_NEAR(double(dropped) / n, 0.25, 0.005);
}

TEST(TrainingKernels, SharedNoiseDraws) {
  // SpatialDropout's shape: (2, 3, 4) with one draw per (sample, channel):
  // draw strides (4, 0, 1) over the iteration (1, 2, 3, 4).
  std::vector<float> x(24, 1.0f), y(24);
  kiln::rt::noise_f32<kiln::rt::Noise::dropout>(x.data(), y.data(), 1, 2, 3, 4, 0, 4, 0, 1, 0.5f,
                                                 11, 2);
  for (std::size_t b = 0; b < 2; ++b)
    for (std::size_t t = 1; t < 3; ++t)
      for (std::size_t c = 0; c < 4; ++c)
        EXPECT_EQ(y[(b * 3 + t) * 4 + c], y[b * 12 + c]) << b << " " << t << " " << c;
}

namespace {
/// The optional parts of a recurrent layer a gradient check exercises.
struct RecurrentOptions {
  bool resetAfter = false;
  bool masked = false;        // a mask that drops some steps of each sample
  bool zeroOutputForMask = false;
  bool states = false;        // initial states in, final states out (with gradients)
};

template <kiln::rt::Cell C>
void checkRecurrent(bool returnSequences, bool backwards, RecurrentOptions o = {}) {
  using kiln::rt::Act;
  constexpr std::size_t G = kiln::rt::detail::gates<C>();
  constexpr bool lstm = C == kiln::rt::Cell::lstm;
  const kiln::rt::RnnShape s{2, 4, 3, 5, backwards, returnSequences, o.resetAfter,
                             o.zeroOutputForMask};
  const std::size_t gu = G * s.units, outSize = returnSequences ? 2 * 4 * 5 : 2 * 5;
  // A GRU with reset_after has an input and a recurrent bias.
  std::vector<float> x = randomVector(2 * 4 * 3, 34), k = randomVector(3 * gu, 35),
                     rk = randomVector(5 * gu, 36), b = randomVector(o.resetAfter ? 2 * gu : gu, 37),
                     w = randomVector(outSize, 38), h0 = randomVector(10, 45),
                     c0 = randomVector(10, 46), wh = randomVector(10, 47), wc = randomVector(10, 48);
  // Sample 0 drops its second and last steps, sample 1 its first.
  const std::vector<float> mask{1, 0, 1, 0, 0, 1, 1, 1};
  const float *maskData = o.masked ? mask.data() : nullptr;
  auto forward = [&](const std::vector<float> &xv, const std::vector<float> &kv,
                     const std::vector<float> &rkv, const std::vector<float> &bv,
                     const std::vector<float> &h0v, const std::vector<float> &c0v) {
    std::vector<float> y(outSize), hOut(10), cOut(10), scratch(kiln::rt::rnn_scratch_floats<C>(s));
    kiln::rt::rnn_f32<C, Act::tanh, Act::sigmoid>(
        xv.data(), kv.data(), rkv.data(), bv.data(), maskData, o.states ? h0v.data() : nullptr,
        o.states && lstm ? c0v.data() : nullptr, y.data(), hOut.data(), cOut.data(),
        scratch.data(), s);
    double loss = project(y, w);
    if (o.states)
      loss += project(hOut, wh) + (lstm ? project(cOut, wc) : 0.0);
    return loss;
  };
  std::vector<float> dx(x.size()), dk(k.size()), drk(rk.size()), db(b.size()), dh0(10), dc0(10),
      scratch(kiln::rt::rnn_grad_scratch_floats<C>(s));
  kiln::rt::rnn_grad_f32<C, Act::tanh, Act::sigmoid>(
      w.data(), x.data(), k.data(), rk.data(), b.data(), maskData,
      o.states ? h0.data() : nullptr, o.states && lstm ? c0.data() : nullptr,
      o.states ? wh.data() : nullptr, o.states && lstm ? wc.data() : nullptr, dx.data(),
      dk.data(), drk.data(), db.data(), o.states ? dh0.data() : nullptr,
      o.states && lstm ? dc0.data() : nullptr, scratch.data(), s);
  auto at = [&](int which) {
    return [&, which](const std::vector<float> &v) {
      return forward(which == 0 ? v : x, which == 1 ? v : k, which == 2 ? v : rk,
                     which == 3 ? v : b, which == 4 ? v : h0, which == 5 ? v : c0);
    };
  };
  expectClose(dx, numericGradient(at(0), x));
  expectClose(dk, numericGradient(at(1), k));
  expectClose(drk, numericGradient(at(2), rk));
  expectClose(db, numericGradient(at(3), b));
  if (o.states)
    expectClose(dh0, numericGradient(at(4), h0));
  if (o.states && lstm)
    expectClose(dc0, numericGradient(at(5), c0));
  if constexpr (C != kiln::rt::Cell::gru) {
    // A training forward pass that saves its pre-activations and states
    // gives the same outputs, bit for bit; backpropagation from them gives
    // the gradients it computes by running the recurrence again.
    std::vector<float> saved(kiln::rt::rnn_saved_floats<C>(s)), y(outSize), hOut(10), cOut(10),
        plain(outSize), plainH(10), plainC(10), fs(kiln::rt::rnn_scratch_floats<C>(s));
    const float *h0p = o.states ? h0.data() : nullptr, *c0p = o.states && lstm ? c0.data() : nullptr;
    kiln::rt::rnn_f32<C, Act::tanh, Act::sigmoid>(x.data(), k.data(), rk.data(), b.data(),
                                                  maskData, h0p, c0p, plain.data(),
                                                  plainH.data(), plainC.data(), fs.data(), s);
    kiln::rt::rnn_f32<C, Act::tanh, Act::sigmoid>(x.data(), k.data(), rk.data(), b.data(),
                                                  maskData, h0p, c0p, y.data(), hOut.data(),
                                                  cOut.data(), fs.data(), s, saved.data());
    EXPECT_EQ(y, plain);
    EXPECT_EQ(hOut, plainH);
    std::vector<float> dx2(x.size()), dk2(k.size()), drk2(rk.size()), db2(b.size()), dh02(10),
        dc02(10);
    kiln::rt::rnn_grad_f32<C, Act::tanh, Act::sigmoid>(
        w.data(), x.data(), k.data(), rk.data(), b.data(), maskData, h0p, c0p,
        o.states ? wh.data() : nullptr, o.states && lstm ? wc.data() : nullptr, dx2.data(),
        dk2.data(), drk2.data(), db2.data(), o.states ? dh02.data() : nullptr,
        o.states && lstm ? dc02.data() : nullptr, scratch.data(), s, saved.data());
    expectClose(dx2, dx, 1e-5f);
    expectClose(dk2, dk, 1e-5f);
    expectClose(drk2, drk, 1e-5f);
    expectClose(db2, db, 1e-5f);
    if (o.states)
      expectClose(dh02, dh0, 1e-5f);
    if (o.states && lstm)
      expectClose(dc02, dc0, 1e-5f);
  }
}
} // namespace

TEST(TrainingKernels, RecurrentGradients) {
  checkRecurrent<kiln::rt::Cell::lstm>(true, false);
  checkRecurrent<kiln::rt::Cell::lstm>(false, true);
  checkRecurrent<kiln::rt::Cell::simple>(true, true);
  checkRecurrent<kiln::rt::Cell::simple>(false, false);
  checkRecurrent<kiln::rt::Cell::gru>(true, false, {true});
  checkRecurrent<kiln::rt::Cell::gru>(false, true, {true});
  checkRecurrent<kiln::rt::Cell::gru>(true, true, {false});
  checkRecurrent<kiln::rt::Cell::gru>(false, false, {false});
}

TEST(TrainingKernels, RecurrentGradientsWithMasksAndStates) {
  using kiln::rt::Cell;
  for (bool backwards : {false, true})
    for (bool zeros : {false, true}) {
      RecurrentOptions masked{false, true, zeros, false}, all{false, true, zeros, true};
      checkRecurrent<Cell::lstm>(true, backwards, masked);
      checkRecurrent<Cell::lstm>(false, backwards, all);
      checkRecurrent<Cell::simple>(true, backwards, all);
      checkRecurrent<Cell::gru>(true, backwards, {true, true, zeros, true});
      checkRecurrent<Cell::gru>(false, backwards, {false, true, zeros, true});
    }
  checkRecurrent<Cell::lstm>(true, false, {false, false, false, true});
  checkRecurrent<Cell::gru>(false, true, {true, false, false, true});
}
