// The compiler plans the arena with its own copies of the runtime's size
// formulas (KilnOps.h): a copy that falls behind would hand a kernel less
// scratch than it writes. Each pair must agree.
#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/rt/conv/winograd.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace {

struct Sizes {
  std::int64_t k, n;
};

TEST(ScratchSizes, PanelsMatchTheRuntime) {
  for (Sizes s : {Sizes{1, 1}, Sizes{3, 16}, Sizes{27, 17}, Sizes{512, 1000}, Sizes{0, 5}})
    EXPECT_EQ(std::size_t(kiln::panelFloats(s.k, s.n)),
              kiln::rt::packed_floats(std::size_t(s.k), std::size_t(s.n)))
        << s.k << " x " << s.n;
}

TEST(ScratchSizes, WinogradMatchesTheRuntime) {
  struct Case {
    std::int64_t tileBlock, c, f;
  };
  // Blocks whose points' rows are a multiple of 4 KiB (64 tiles of 16
  // channels), odd and even numbers of cache lines, partial lines.
  for (Case t : {Case{64, 16, 16}, Case{108, 16, 16}, Case{72, 16, 32}, Case{24, 64, 64},
                 Case{1, 3, 5}, Case{49, 128, 128}, Case{4, 512, 512}, Case{7, 17, 33}}) {
    const auto tb = std::size_t(t.tileBlock), c = std::size_t(t.c), f = std::size_t(t.f);
    EXPECT_EQ(std::size_t(kiln::winogradKernelFloats(t.c, t.f)),
              kiln::rt::winograd_f43_kernel_floats(c, f));
    EXPECT_EQ(std::size_t(kiln::winogradScratchFloats(t.tileBlock, t.c, t.f)),
              kiln::rt::winograd_f43_scratch_floats(tb, c, f))
        << "block " << tb << ", " << c << " -> " << f;
    EXPECT_EQ(std::size_t(kiln::winogradAtRunTimeScratchFloats(t.tileBlock, t.c, t.f)),
              kiln::rt::winograd_f43_hwio_scratch_floats(tb, c, f));
  }
}

} // namespace
