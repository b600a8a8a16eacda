// The harness kiln bench builds around a compiled model: Google Benchmark
// times predict() on one batch of synthetic inputs with a caller-owned arena
// and reports latency, throughput, GFLOP/s and the share of the machine's
// single-core peak, measured first in the same binary. A profiled build
// (kiln compile --profile) also gets each Keras layer's time, FLOPs and
// share of the total. Host-side only: allocates and uses stdio.
#ifndef KILN_RT_BENCH_H
#define KILN_RT_BENCH_H

#include "kiln/rt/harness.h"
#include "kiln/rt/peak.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln::rt {

/// The per-op timers of a profiled build (NAME::profile_read and friends).
struct ProfileInfo {
  std::size_t slots = 0;
  const char *const *layers = nullptr; // Keras layers each slot's op computes
  const std::int64_t *flops = nullptr; // per forward pass
  void (*read)(std::uint64_t *nanoseconds, std::uint64_t *calls) = nullptr;
  void (*reset)() = nullptr;
};

struct BenchInfo {
  ModelInfo model;
  std::size_t threads;
  std::int64_t flops; // per forward pass of kBatch samples
  ProfileInfo profile;
};

namespace detail {
/// Medians of the timed repetitions, in seconds per batch.
struct MedianReporter : benchmark::BenchmarkReporter {
  std::vector<double> medians;
  std::string error;
  bool ReportContext(const Context &) override { return true; }
  void ReportRuns(const std::vector<Run> &runs) override {
    for (const Run &run : runs) {
      if (run.error_occurred)
        error = run.error_message;
      else if (run.aggregate_name == "median")
        medians.push_back(run.GetAdjustedRealTime() /
                          benchmark::GetTimeUnitMultiplier(run.time_unit));
    }
  }
};

struct Buffers {
  std::vector<std::vector<unsigned char>> inputs, outputs;
  std::vector<const void *> inputPointers;
  std::vector<float *> outputPointers;
  std::unique_ptr<unsigned char, void (*)(void *)> arena{nullptr, std::free};
};

/// One batch of inputs: floats spread over [-1, 1), integer ids 1 (valid for
/// any Embedding with two or more rows).
inline Buffers makeBuffers(const BenchInfo &b) {
  Buffers buf;
  std::uint32_t state = 12345;
  for (std::size_t i = 0; i < b.model.num_inputs; ++i) {
    const TensorInfo &t = b.model.inputs[i];
    std::size_t n = t.size * b.model.batch;
    std::size_t bytes = t.dtype == DType::i64 ? 8 : 4;
    buf.inputs.emplace_back(n * bytes);
    unsigned char *p = buf.inputs.back().data();
    for (std::size_t k = 0; k < n; ++k) {
      if (t.dtype == DType::f32) {
        state = state * 1664525u + 1013904223u;
        float v = float(state >> 8) / float(1u << 23) - 1.0f;
        std::memcpy(p + k * 4, &v, 4);
      } else if (t.dtype == DType::i32) {
        std::int32_t v = 1;
        std::memcpy(p + k * 4, &v, 4);
      } else {
        std::int64_t v = 1;
        std::memcpy(p + k * 8, &v, 8);
      }
    }
    buf.inputPointers.push_back(p);
  }
  for (std::size_t k = 0; k < b.model.num_outputs; ++k) {
    buf.outputs.emplace_back(b.model.outputs[k].size * b.model.batch * sizeof(float));
    buf.outputPointers.push_back(reinterpret_cast<float *>(buf.outputs.back().data()));
  }
  std::size_t arenaBytes = (std::max<std::size_t>(b.model.arena_bytes, 1) + 63) / 64 * 64;
  buf.arena.reset(static_cast<unsigned char *>(std::aligned_alloc(64, arenaBytes)));
  return buf;
}

inline void runPredict(const BenchInfo &b, Buffers &buf) {
  b.model.predict(buf.inputPointers.data(), buf.outputPointers.data(), b.model.batch,
                  buf.arena.get());
}

/// Per Keras layer (label), over `calls` forward passes: time, FLOPs.
inline void reportProfile(const BenchInfo &b, Buffers &buf, const char *tablePath) {
  const ProfileInfo &p = b.profile;
  // Enough passes for a stable split, and at least a quarter second.
  p.reset();
  std::size_t calls = 0;
  auto start = std::chrono::steady_clock::now();
  while (calls < 10 ||
         std::chrono::steady_clock::now() - start < std::chrono::milliseconds(250)) {
    runPredict(b, buf);
    ++calls;
  }
  std::vector<std::uint64_t> ns(p.slots), count(p.slots);
  p.read(ns.data(), count.data());
  struct Row {
    std::string layers;
    double seconds = 0; // per forward pass
    std::int64_t flops = 0;
    std::size_t first = 0;
  };
  std::vector<Row> rows;
  std::map<std::string, std::size_t> index;
  double total = 0;
  for (std::size_t s = 0; s < p.slots; ++s) {
    auto [it, added] = index.try_emplace(p.layers[s], rows.size());
    if (added)
      rows.push_back({p.layers[s], 0, 0, s});
    Row &row = rows[it->second];
    row.seconds += double(ns[s]) * 1e-9 / double(calls);
    row.flops += p.flops[s];
    total += double(ns[s]) * 1e-9 / double(calls);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row &a, const Row &c) { return a.seconds > c.seconds; });
  std::printf("\nper layer, %zu profiled passes (slowest first; fused layers share a row):\n",
              calls);
  std::printf("%10s %7s %14s %9s  %s\n", "ms", "share", "FLOPs", "GFLOP/s", "layer");
  FILE *table = tablePath ? std::fopen(tablePath, "w") : nullptr;
  if (tablePath && !table)
    std::fprintf(stderr, "warning: cannot write %s\n", tablePath);
  for (const Row &row : rows) {
    double share = total > 0 ? 100.0 * row.seconds / total : 0;
    double gflops = row.seconds > 0 ? double(row.flops) / row.seconds / 1e9 : 0;
    std::printf("%10.4f %6.1f%% %14lld %9.2f  %s\n", row.seconds * 1e3, share,
                static_cast<long long>(row.flops), gflops, row.layers.c_str());
    if (table)
      std::fprintf(table, "%s\t%.9g\t%lld\t%.3f\n", row.layers.c_str(), row.seconds,
                   static_cast<long long>(row.flops), share);
  }
  std::printf("%10.4f %6.1f%% %14lld %9s  total of the profiled ops\n", total * 1e3, 100.0,
              static_cast<long long>(b.flops), "");
  if (table)
    std::fclose(table);
}
} // namespace detail

/// usage: NAME_bench [--profile-table FILE.tsv] [--benchmark_* flags]
inline int benchMain(int argc, char **argv, const BenchInfo &b) {
  const char *tablePath = nullptr;
  std::vector<char *> args{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--profile-table") && i + 1 < argc)
      tablePath = argv[++i];
    else
      args.push_back(argv[i]);
  }
  int n = int(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data()))
    return 1;

  const double peak = measurePeakGflops();
  detail::Buffers buf = detail::makeBuffers(b);
  benchmark::RegisterBenchmark(b.model.model_name, [&](benchmark::State &state) {
    for (auto _ : state)
      detail::runPredict(b, buf);
  })->UseRealTime()->Unit(benchmark::kMicrosecond)->Repetitions(5)->ReportAggregatesOnly(true);
  detail::MedianReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (!reporter.error.empty() || reporter.medians.empty())
    return detail::fail(b.model, "benchmark failed: " + reporter.error);

  const double seconds = reporter.medians.front();
  const double gflops = double(b.flops) / seconds / 1e9;
  std::printf("model %s: batch %zu, %zu thread%s, %.4g MFLOP per batch, kernels for %s\n",
              b.model.model_name, b.model.batch, b.threads, b.threads == 1 ? "" : "s",
              double(b.flops) / 1e6, isa::kName);
  std::printf("latency     %.4f ms per batch (median of 5 repetitions)\n", seconds * 1e3);
  std::printf("throughput  %.1f samples/s\n", double(b.model.batch) / seconds);
  std::printf("compute     %.2f GFLOP/s = %.1f %% of the measured peak (%.1f GFLOP/s%s)\n", gflops,
              100.0 * gflops / (peak * double(b.threads)), peak * double(b.threads),
              b.threads == 1 ? ", one core" : ", single-core peak x threads");
  if (b.profile.slots)
    detail::reportProfile(b, buf, tablePath);
  return 0;
}

} // namespace kiln::rt

#endif
