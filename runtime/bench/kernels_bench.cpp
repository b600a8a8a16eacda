// Kernel benchmarks, one family per group: GEMM (square and batch-1),
// ResNet50's convolutions (in sequence, cold, and layer by layer, warm),
// Winograd 3x3 convolution, depthwise convolution, pooling, activations, softmax, an LSTM layer
// (kernels stored as panels or row-major), and training's forward Dense
// (kernel packed per call or read in place) and Adam step. Each reports GFLOP/s (or GB/s
// for memory-bound kernels) and the share of the single-core fp32 peak
// measured first, in this binary.
//   build/runtime/bench/kiln-kernel-bench [--benchmark_filter=REGEX]
#include "kiln/rt/peak.h"

#include "kiln/rt/kiln_rt.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <new>
#include <cstdio>
#include <random>
#include <vector>

namespace {
using kiln::rt::Act;

double g_peakGflops = 0;

/// Buffers start on 64-byte boundaries, as the generated code's weight
/// blob and arena do: a packed panel row is then one cache line, and an
/// unaligned one (std::vector's 16 bytes) costs the GEMM about 10 %.
template <class T> struct Aligned64 {
  using value_type = T;
  Aligned64() = default;
  template <class U> Aligned64(const Aligned64<U> &) {}
  T *allocate(std::size_t n) {
    return static_cast<T *>(::operator new(n * sizeof(T), std::align_val_t(64)));
  }
  void deallocate(T *p, std::size_t) { ::operator delete(p, std::align_val_t(64)); }
  template <class U> bool operator==(const Aligned64<U> &) const { return true; }
  template <class U> bool operator!=(const Aligned64<U> &) const { return false; }
};
using Floats = std::vector<float, Aligned64<float>>;

Floats randomFloats(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Floats v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

/// Reports flops per iteration as GFLOP/s and as % of the measured peak.
void reportFlops(benchmark::State &state, double flopsPerIteration) {
  const double total = flopsPerIteration * double(state.iterations());
  state.counters["GFLOP/s"] = benchmark::Counter(total / 1e9, benchmark::Counter::kIsRate);
  state.counters["%peak"] =
      benchmark::Counter(total / 1e9 / g_peakGflops * 100.0, benchmark::Counter::kIsRate);
}

/// One convolution of a network, batch 1, NHWC; padding "same" or "valid".
struct ConvShape {
  std::size_t h, w, c, k, f, stride;
  bool same;
  std::size_t out(std::size_t in) const {
    return same ? (in + stride - 1) / stride : (in - k) / stride + 1;
  }
  std::size_t padBefore(std::size_t in) const {
    if (!same)
      return 0;
    const std::size_t o = out(in), need = (o - 1) * stride + k;
    return need > in ? (need - in) / 2 : 0;
  }
  double flops() const { return 2.0 * out(h) * out(w) * f * k * k * c; }
};

/// A convolution with its weights packed, ready to run.
struct PackedConv {
  ConvShape s;
  Floats x, packed, bias, y;
  explicit PackedConv(const ConvShape &shape) : s(shape) {
    x = randomFloats(s.h * s.w * s.c, 1);
    const auto w = randomFloats(s.k * s.k * s.c * s.f, 2);
    packed.resize(kiln::rt::packed_floats(s.k * s.k * s.c, s.f));
    kiln::rt::pack_panels(w.data(), s.k * s.k * s.c, s.f, packed.data());
    bias = randomFloats(s.f, 3);
    y.resize(s.out(s.h) * s.out(s.w) * s.f);
  }
  void run() {
    kiln::rt::conv2d_packed_f32<Act::relu>(x.data(), packed.data(), bias.data(), y.data(), 1,
                                           s.h, s.w, s.c, s.k, s.k, s.f, s.out(s.h), s.out(s.w),
                                           s.stride, s.stride, 1, 1, s.padBefore(s.h),
                                           s.padBefore(s.w));
  }
};

/// Every convolution of ResNet50 (v1.5 as keras.applications builds it:
/// stride on the 1x1 of each stage's first block), in order.
std::vector<ConvShape> resnet50Convs() {
  std::vector<ConvShape> convs{{230, 230, 3, 7, 64, 2, false}};
  std::size_t size = 56, in = 64;
  const std::size_t blocks[] = {3, 4, 6, 3}, widths[] = {64, 128, 256, 512};
  for (int stage = 0; stage < 4; ++stage) {
    const std::size_t width = widths[stage], out = 4 * width;
    for (std::size_t b = 0; b < blocks[stage]; ++b) {
      const std::size_t stride = stage > 0 && b == 0 ? 2 : 1;
      const std::size_t inSize = size;
      if (b == 0)
        convs.push_back({inSize, inSize, in, 1, out, stride, false}); // shortcut
      convs.push_back({inSize, inSize, in, 1, width, stride, false});
      size = (inSize - 1) / stride + 1;
      convs.push_back({size, size, width, 3, width, 1, true});
      convs.push_back({size, size, width, 1, out, 1, false});
      in = out;
    }
  }
  return convs;
}

void BM_Sgemm(benchmark::State &state) {
  const std::size_t m = state.range(0), k = state.range(1), n = state.range(2);
  const auto x = randomFloats(m * k, 1), w = randomFloats(k * n, 2);
  Floats packed(kiln::rt::packed_floats(k, n)), y(m * n);
  kiln::rt::pack_panels(w.data(), k, n, packed.data());
  for (auto _ : state) {
    kiln::rt::dense_packed_f32<Act::linear>(x.data(), packed.data(), nullptr, y.data(), m, k, n);
    benchmark::DoNotOptimize(y.data());
  }
  reportFlops(state, 2.0 * m * n * k);
}
BENCHMARK(BM_Sgemm)->Args({512, 512, 512})->Args({1, 2048, 1000})->Args({32, 784, 512})
    ->Args({196, 1024, 256});

void BM_ResNet50Convs(benchmark::State &state) {
  std::vector<PackedConv> convs;
  double flops = 0;
  for (const ConvShape &s : resnet50Convs()) {
    convs.emplace_back(s);
    flops += s.flops();
  }
  kiln::rt::ThreadScope threads(std::size_t(state.range(0)));
  for (auto _ : state)
    for (PackedConv &conv : convs) {
      conv.run();
      benchmark::DoNotOptimize(conv.y.data());
    }
  reportFlops(state, flops);
  state.counters["layers"] = double(convs.size());
}
BENCHMARK(BM_ResNet50Convs)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond)
    ->UseRealTime();

/// The same layers, each timed warm on its own (best of 5 back-to-back
/// runs, as a layer whose weights and activations are already in cache),
/// reported as one iteration of their sum.
void BM_ResNet50ConvsWarm(benchmark::State &state) {
  std::vector<PackedConv> convs;
  double flops = 0;
  for (const ConvShape &s : resnet50Convs()) {
    convs.emplace_back(s);
    flops += s.flops();
  }
  for (auto _ : state) {
    double total = 0;
    for (PackedConv &conv : convs) {
      double best = 1e30;
      for (int run = 0; run < 5; ++run) {
        const auto start = std::chrono::steady_clock::now();
        conv.run();
        benchmark::DoNotOptimize(conv.y.data());
        const std::chrono::duration<double> t = std::chrono::steady_clock::now() - start;
        best = t.count() < best ? t.count() : best;
      }
      total += best;
    }
    state.SetIterationTime(total);
  }
  reportFlops(state, flops);
}
BENCHMARK(BM_ResNet50ConvsWarm)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_Conv(benchmark::State &state) {
  const ConvShape s{std::size_t(state.range(0)), std::size_t(state.range(0)),
                    std::size_t(state.range(1)), std::size_t(state.range(2)),
                    std::size_t(state.range(3)), 1, true};
  PackedConv conv(s);
  for (auto _ : state) {
    conv.run();
    benchmark::DoNotOptimize(conv.y.data());
  }
  reportFlops(state, s.flops());
}
// (size, channels in, kernel, channels out): ResNet50's 3x3 stages and 1x1s.
BENCHMARK(BM_Conv)->Args({56, 64, 3, 64})->Args({28, 128, 3, 128})->Args({14, 256, 3, 256})
    ->Args({7, 512, 3, 512})->Args({56, 64, 1, 256})->Args({7, 2048, 1, 512})
    // the training benchmark CNN's 16-channel convolution (one panel) and
    // its 3-channel stem (kernel rows read as runs of kw·c floats)
    ->Args({32, 16, 3, 16})->Args({32, 3, 3, 16})
    // MobileNetV2's block_1_expand: a 1x1 whose depth (16) is one panel row
    ->Args({112, 16, 1, 96});

/// A 3x3 stride-1 "same" convolution as Winograd F(4x4, 3x3), batch 1,
/// over blocks of `tileBlock` 4x4 output tiles. GFLOP/s counts the direct
/// convolution's FLOPs, so the rate compares with BM_Conv's at the same
/// shape (and can pass the peak).
void BM_Winograd(benchmark::State &state) {
  const ConvShape s{std::size_t(state.range(0)), std::size_t(state.range(0)),
                    std::size_t(state.range(1)), 3, std::size_t(state.range(2)), 1, true};
  const std::size_t tileBlock = state.range(3);
  kiln::rt::ThreadScope threads(state.range(4));
  const auto x = randomFloats(s.h * s.w * s.c, 1), w = randomFloats(9 * s.c * s.f, 2),
             bias = randomFloats(s.f, 3);
  Floats u(kiln::rt::winograd_f43_kernel_floats(s.c, s.f)), y(s.h * s.w * s.f),
      scratch(kiln::rt::winograd_f43_scratch_floats(tileBlock, s.c, s.f));
  kiln::rt::winograd_f43_pack(w.data(), s.c, s.f, u.data());
  for (auto _ : state) {
    kiln::rt::conv2d_winograd_f43_f32<Act::relu>(x.data(), u.data(), bias.data(), y.data(), 1,
                                                 s.h, s.w, s.c, s.f, s.h, s.w, 1, 1, tileBlock,
                                                 scratch.data());
    benchmark::DoNotOptimize(y.data());
  }
  reportFlops(state, s.flops());
}
// (size, channels in, channels out, tile block, threads): BM_Conv's 3x3
// shapes at the block -kiln-select-winograd picks (scratch about the
// transformed kernel's size, at least 0.5 MiB), then the 56x56 layer at
// other blocks, and on 2 threads.
BENCHMARK(BM_Winograd)->ArgNames({"hw", "c", "f", "block", "threads"})
    ->Args({56, 64, 64, 24, 1})->Args({28, 128, 128, 49, 1})
    ->Args({14, 256, 256, 16, 1})->Args({7, 512, 512, 4, 1})->Args({32, 16, 16, 64, 1})
    ->Args({56, 64, 64, 12, 1})->Args({56, 64, 64, 48, 1})->Args({56, 64, 64, 96, 1})
    ->Args({56, 64, 64, 196, 1})->Args({56, 64, 64, 24, 2})->UseRealTime();

/// A 3x3 depthwise convolution, "same" padding, at stride 1 or 2, with
/// the activation of MobileNetV2 (relu6) or EfficientNet (silu).
template <Act A> void BM_Depthwise(benchmark::State &state) {
  const std::size_t h = state.range(0), c = state.range(1), s = state.range(2), k = 3;
  const std::size_t o = (h + s - 1) / s, pad = ((o - 1) * s + k - h) / 2;
  const auto x = randomFloats(h * h * c, 1), w = randomFloats(k * k * c, 2),
             b = randomFloats(c, 3);
  Floats y(o * o * c);
  for (auto _ : state) {
    kiln::rt::depthwise_conv2d_f32<A>(x.data(), w.data(), b.data(), y.data(), 1, h, h, c, k, k,
                                      c, o, o, s, s, 1, 1, pad, pad);
    benchmark::DoNotOptimize(y.data());
  }
  reportFlops(state, 2.0 * o * o * c * k * k);
}
BENCHMARK_TEMPLATE(BM_Depthwise, Act::relu6)
    ->ArgNames({"hw", "c", "stride"})
    ->Args({112, 32, 1})->Args({56, 144, 1})->Args({14, 576, 1});
BENCHMARK_TEMPLATE(BM_Depthwise, Act::silu)
    ->ArgNames({"hw", "c", "stride"})
    ->Args({112, 96, 2})->Args({56, 144, 1})->Args({14, 576, 1});

void BM_MaxPool(benchmark::State &state) {
  const std::size_t h = state.range(0), c = state.range(1), o = h / 2;
  const auto x = randomFloats(h * h * c, 1);
  Floats y(o * o * c);
  for (auto _ : state) {
    kiln::rt::pool2d_f32<kiln::rt::Pool::max>(x.data(), y.data(), 1, h, h, c, 2, 2, o, o, 2, 2,
                                              0, 0);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t((x.size() + y.size()) * 4));
}
BENCHMARK(BM_MaxPool)->Args({112, 64})->Args({28, 256});

/// Attention's batched products (batch x heads entries): the scores
/// (m x k by k x n = 16x32 by 32x16) and the context (16x16 by 16x32) of
/// the transformer classifier at batch 32 with 2 heads.
void BM_Matmul(benchmark::State &state) {
  const std::size_t batch = state.range(0), m = state.range(1), k = state.range(2),
                    n = state.range(3);
  const auto a = randomFloats(batch * m * k, 1), b = randomFloats(batch * k * n, 2);
  Floats y(batch * m * n);
  for (auto _ : state) {
    kiln::rt::matmul_f32(a.data(), b.data(), y.data(), batch, m, k, n, k * n);
    benchmark::DoNotOptimize(y.data());
  }
  reportFlops(state, 2.0 * batch * m * k * n);
}
BENCHMARK(BM_Matmul)->Args({64, 16, 32, 16})->Args({64, 16, 16, 32})->Args({8, 128, 64, 128});

/// The transformer classifier's LayerNormalization at batch 32: 512 rows of 32.
void BM_LayerNorm(benchmark::State &state) {
  const std::size_t rows = state.range(0), n = state.range(1);
  const auto x = randomFloats(rows * n, 1), gamma = randomFloats(n, 2), beta = randomFloats(n, 3);
  Floats y(rows * n);
  for (auto _ : state) {
    kiln::rt::layer_norm_f32(x.data(), gamma.data(), beta.data(), y.data(), rows, n, 1e-6f, false);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(rows * n));
}
BENCHMARK(BM_LayerNorm)->Args({512, 32})->Args({128, 768});

/// GlobalAveragePooling2D as kiln lowers it: a mean over w, then over h.
void BM_GlobalAveragePool(benchmark::State &state) {
  const std::size_t hw = state.range(0), c = state.range(1);
  const auto x = randomFloats(hw * hw * c, 1);
  Floats rows(hw * c), y(c);
  for (auto _ : state) {
    kiln::rt::reduce_f32<kiln::rt::Reduce::mean>(x.data(), rows.data(), hw, hw, c);
    kiln::rt::reduce_f32<kiln::rt::Reduce::mean>(rows.data(), y.data(), 1, hw, c);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(x.size() * 4));
}
// EfficientNetB0's first squeeze-excite and MobileNetV2's last pooling.
BENCHMARK(BM_GlobalAveragePool)->Args({112, 32})->Args({7, 1280});

template <Act A> void BM_Activation(benchmark::State &state) {
  const std::size_t n = state.range(0);
  const auto x = randomFloats(n, 1);
  Floats y(n);
  for (auto _ : state) {
    kiln::rt::activation_f32<A>(x.data(), y.data(), n);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(n));
}
BENCHMARK_TEMPLATE(BM_Activation, Act::relu)->Arg(1 << 16);
BENCHMARK_TEMPLATE(BM_Activation, Act::sigmoid)->Arg(1 << 16);
BENCHMARK_TEMPLATE(BM_Activation, Act::tanh)->Arg(1 << 16);
BENCHMARK_TEMPLATE(BM_Activation, Act::gelu)->Arg(1 << 16);
BENCHMARK_TEMPLATE(BM_Activation, Act::silu)->Arg(1 << 16);

void BM_Softmax(benchmark::State &state) {
  const std::size_t rows = state.range(0), n = state.range(1);
  const auto x = randomFloats(rows * n, 1);
  Floats y(rows * n);
  for (auto _ : state) {
    kiln::rt::softmax_f32(x.data(), y.data(), rows, n, 1, false);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(rows * n));
}
BENCHMARK(BM_Softmax)->Args({128, 128})->Args({1, 1000});

/// An LSTM over a sequence, batch N: kernels as the compiler stores them
/// for inference (panels, -kiln-prepack-weights) against row-major
/// kernels (rnn_f32 packs them into scratch from 32 rows on).
void BM_Lstm(benchmark::State &state) {
  const std::size_t n = state.range(0), t = state.range(1), f = state.range(2),
                    u = state.range(3), gu = 4 * u;
  const bool stored = state.range(4) != 0;
  const auto x = randomFloats(n * t * f, 1), k = randomFloats(f * gu, 2),
             rk = randomFloats(u * gu, 3), b = randomFloats(gu, 4);
  kiln::rt::RnnShape s{n, t, f, u, false, false, false, false, stored, stored};
  Floats kp(kiln::rt::packed_floats(f, gu)), rkp(kiln::rt::packed_floats(u, gu));
  kiln::rt::pack_panels(k.data(), f, gu, kp.data());
  kiln::rt::pack_panels(rk.data(), u, gu, rkp.data());
  Floats y(n * u), scratch(kiln::rt::rnn_scratch_floats<kiln::rt::Cell::lstm>(s));
  for (auto _ : state) {
    kiln::rt::rnn_f32<kiln::rt::Cell::lstm, Act::tanh, Act::sigmoid>(
        x.data(), stored ? kp.data() : k.data(), stored ? rkp.data() : rk.data(), b.data(),
        nullptr, nullptr, nullptr, y.data(), nullptr, nullptr, scratch.data(), s);
    benchmark::DoNotOptimize(y.data());
  }
  reportFlops(state, 2.0 * n * t * (f + u) * gu);
}
BENCHMARK(BM_Lstm)
    ->ArgNames({"n", "t", "f", "u", "stored"})
    ->Args({1, 16, 32, 64, 0})->Args({1, 16, 32, 64, 1})
    ->Args({1, 100, 128, 128, 0})->Args({1, 100, 128, 128, 1})
    ->Args({32, 50, 64, 128, 0})->Args({32, 50, 64, 128, 1});

/// A trained Dense layer's forward GEMM at batch 32, whose kernel changes
/// every step: packed into panels on every call (kiln.pack_at_run_time)
/// against read as panels where it lies (kiln.panels_in_place).
void BM_TrainDense(benchmark::State &state) {
  const std::size_t rows = 32, in = state.range(0), units = state.range(1);
  const bool inPlace = state.range(2) != 0;
  const auto x = randomFloats(rows * in, 1), w = randomFloats(in * units, 2),
             b = randomFloats(units, 3);
  Floats panels(kiln::rt::packed_floats(in, units)), y(rows * units);
  for (auto _ : state) {
    if (inPlace) {
      kiln::rt::dense_panels_in_place_f32<Act::relu>(x.data(), w.data(), b.data(), y.data(),
                                                     rows, in, units);
    } else {
      kiln::rt::pack_panels(w.data(), in, units, panels.data());
      kiln::rt::dense_packed_f32<Act::relu>(x.data(), panels.data(), b.data(), y.data(), rows,
                                            in, units);
    }
    benchmark::DoNotOptimize(y.data());
  }
  reportFlops(state, 2.0 * rows * in * units);
}
BENCHMARK(BM_TrainDense)
    ->ArgNames({"in", "units", "in_place"})
    ->Args({784, 256, 0})->Args({784, 256, 1})->Args({256, 128, 0})->Args({256, 128, 1});

/// A weight gradient dw += xᵀ · dy over `count` rows (Dense, the RNNs' dU
/// and dW, and each tap's run in a conv's kernel gradient, whose runs are
/// one output row: 32 rows of 16 channels by 16 or 32 filters in the
/// training benchmark's CNN).
void BM_OuterProduct(benchmark::State &state) {
  const std::size_t count = state.range(0), channels = state.range(1), units = state.range(2);
  const auto x = randomFloats(count * channels, 1), dy = randomFloats(count * units, 2);
  Floats dw(channels * units, 0.0f);
  for (auto _ : state) {
    kiln::rt::outer_product_add_f32(x.data(), channels, dy.data(), count, channels, units,
                                    dw.data());
    benchmark::DoNotOptimize(dw.data());
  }
  reportFlops(state, 2.0 * count * channels * units);
}
BENCHMARK(BM_OuterProduct)
    ->ArgNames({"count", "channels", "units"})
    ->Args({32, 16, 16})->Args({32, 16, 32})->Args({32, 784, 256})->Args({640, 64, 256});

/// A 3x3 "same" convolution's kernel gradient over a batch: the training
/// benchmark CNN's stem (3 channels), its 16-channel convolution, and its
/// 16x16x16 -> 32 one, at batch 32.
void BM_ConvGradKernel(benchmark::State &state) {
  const std::size_t n = state.range(0), h = state.range(1), c = state.range(2),
                    f = state.range(3);
  const kiln::rt::ConvGeometry g{n, h, h, c, 3, 3, f, h, h, 1, 1, 1, 1, 1, 1, 1};
  const auto x = randomFloats(n * h * h * c, 1), dy = randomFloats(n * h * h * f, 2);
  Floats dk(9 * c * f);
  for (auto _ : state) {
    kiln::rt::conv2d_grad_kernel_f32(x.data(), dy.data(), dk.data(), g);
    benchmark::DoNotOptimize(dk.data());
  }
  reportFlops(state, 2.0 * n * h * h * 9 * c * f);
}
BENCHMARK(BM_ConvGradKernel)
    ->ArgNames({"n", "hw", "c", "f"})
    ->Args({32, 32, 3, 16})->Args({32, 32, 16, 16})->Args({32, 16, 16, 32})
    ->Unit(benchmark::kMicrosecond);

/// Max pooling's gradient, 2x2 windows at stride 2 over an h x h x c
/// image: bytes of its three streams (x and dy read, dx written). 32x32x16
/// is the training benchmark CNN's pool, per image.
void BM_MaxPoolGrad(benchmark::State &state) {
  const std::size_t h = state.range(0), c = state.range(1), o = h / 2;
  const auto x = randomFloats(h * h * c, 1), dy = randomFloats(o * o * c, 2);
  Floats dx(h * h * c);
  for (auto _ : state) {
    kiln::rt::pool2d_grad_f32<kiln::rt::Pool::max>(dy.data(), x.data(), dx.data(), 1, h, h, c,
                                                   2, 2, o, o, 2, 2, 0, 0);
    benchmark::DoNotOptimize(dx.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t((2 * x.size() + dy.size()) * 4));
}
BENCHMARK(BM_MaxPoolGrad)->Args({32, 16})->Args({112, 64});

/// One Adam step over n weights: bytes of its seven streams (w, g, m, v
/// read; w, m, v written). 16k weights stay in cache, 200k do not.
void BM_Adam(benchmark::State &state) {
  const std::size_t n = state.range(0), slot = (n + 15) / 16 * 16;
  auto w = randomFloats(n, 1);
  const auto g = randomFloats(n, 2);
  Floats moments(2 * slot, 0.0f);
  kiln::rt::OptimizerParams p{};
  p.learning_rate = 1e-3f, p.beta_1 = 0.9f, p.beta_2 = 0.999f, p.epsilon = 1e-7f;
  std::int64_t step = 0;
  for (auto _ : state) {
    kiln::rt::optimizer_update_f32<kiln::rt::Optimizer::adam>(w.data(), g.data(),
                                                             moments.data(), n, step++, p);
    benchmark::DoNotOptimize(w.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n * 7 * sizeof(float)));
}
BENCHMARK(BM_Adam)->Arg(16384)->Arg(200704);

} // namespace

int main(int argc, char **argv) {
  g_peakGflops = kiln::rt::measurePeakGflops();
  std::printf("kiln kernels, ISA %s: measured single-core fp32 peak %.1f GFLOP/s\n",
              kiln::rt::isa::kName, g_peakGflops);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
