// The machine's single-core fp32 peak, measured in the benchmark binary
// itself (kiln-kernel-bench, kiln bench): independent broadcast FMAs on the
// microkernel's own register type, as many chains as the GEMM tile keeps in
// registers (more would spill: 24 Row16 chains are 48 ymm on AVX2), best of
// many short runs (the machines are shared, so the best run is the one least
// disturbed).
#ifndef KILN_RT_PEAK_H
#define KILN_RT_PEAK_H

#include "kiln/rt/gemm/isa.h"

#include <chrono>

namespace kiln::rt {

// Never inlined: inside a large caller (kiln bench's harness) GCC spilled
// the chains to the stack on every step and the "peak" came out at a third.
[[gnu::noinline]] inline double measurePeakGflops() {
  using kiln::rt::isa::Row16;
  constexpr int kChains = kiln::rt::isa::kTileRows * kiln::rt::isa::kTilePanels;
  constexpr long kSteps = 1000000;
  float seed[16];
  for (float &s : seed)
    s = 1e-9f;
  float scalar = 1.0f;
  Row16 acc[kChains];
  for (Row16 &a : acc)
    a = kiln::rt::isa::zero();
  const Row16 b = kiln::rt::isa::load(seed);
  double best = 1e30;
  for (int trial = 0; trial < 40; ++trial) {
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < kSteps; ++i) {
#pragma GCC unroll 32
      for (int c = 0; c < kChains; ++c)
        kiln::rt::isa::fma(acc[c], scalar, b);
      // Keeps the compiler from swapping the loops (which would put the
      // chains in memory).
      asm volatile("" : "+r"(i));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = seconds < best ? seconds : best;
  }
  float sink[16];
  for (const Row16 &a : acc) {
    kiln::rt::isa::store(sink, a);
    // Every lane must be live: keeping only sink[0] let GCC -O3 drop the
    // other ymm of each AVX2 chain, and the "peak" came out 1.4x too high.
    asm volatile("" : : "r"(sink) : "memory");
  }
  return 2.0 * 16 * kChains * kSteps / best / 1e9;
}

} // namespace kiln::rt

#endif
