// When a 3x3 convolution runs as Winograd F(4x4, 3x3), and over how many
// tiles at a time: shared by -kiln-select-winograd (constant kernels) and
// -kiln-winograd-at-run-time (trained ones). The thresholds come from
// runtime/bench's BM_Winograd against BM_Conv.
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include <algorithm>

namespace kiln {

int64_t winogradTileBlock(llvm::ArrayRef<int64_t> kernel, llvm::ArrayRef<int64_t> strides,
                          llvm::ArrayRef<int64_t> dilations, int64_t n, int64_t oh, int64_t ow,
                          int64_t c, int64_t f) {
  constexpr int64_t kMiB = 1 << 20;
  if (kernel[0] != 3 || kernel[1] != 3 || strides[0] != 1 || strides[1] != 1 ||
      dilations[0] != 1 || dilations[1] != 1)
    return 0;
  const int64_t tilesH = (oh + 3) / 4, tilesW = (ow + 3) / 4;
  const int64_t tiles = n * tilesH * tilesW;
  // The transforms cost per channel what a few products save.
  if (c < 16 || f < 16 || tiles < 4)
    return 0;
  // At most 30 % of the tiles' pixels outside the image.
  if (10 * oh * ow < 7 * 16 * tilesH * tilesW)
    return 0;
  // The transformed kernel is 4x the plain one, and is streamed once per
  // block: too few tiles leave that memory-bound.
  const int64_t kernelBytes = 4 * winogradKernelFloats(c, f);
  if (kernelBytes > 4 * kMiB && tiles < 12)
    return 0;
  // Blocks whose scratch is about the kernel's size (within [0.5, 8] MiB):
  // small kernels are cheap to stream again, large ones are not.
  const int64_t budget = std::clamp<int64_t>(kernelBytes, kMiB / 2, 8 * kMiB);
  const int64_t perTile = 4 * 36 * (c + f); // without the points' alignment
  int64_t block = budget / perTile / 12 * 12; // whole register tiles of rows
  block = std::max<int64_t>(block, 12);
  return std::min(block, tiles);
}

} // namespace kiln
