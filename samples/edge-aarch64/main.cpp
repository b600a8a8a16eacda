// Keyword spotting on a device: the model compiled by kiln for aarch64, the
// working memory a static buffer this program owns (kiln compile
// --arena=caller leaves the model without one of its own), the weights
// const data in .rodata. Nothing is allocated; prints the 12 scores.
#include "kws.h"
#include "sample.h"

#include <cstdio>

namespace {
// RAM: the arena is the model's only working memory.
alignas(kws::kArenaAlignment) unsigned char g_arena[kws::kArenaBytes];
float g_scores[kws::kOutput0Size];
} // namespace

int main() {
  static_assert(sizeof(kSample) / sizeof(float) == kws::kInput0Size, "one MFCC block");
  const void *inputs[] = {kSample};
  float *outputs[] = {g_scores};
  kws::predict(inputs, outputs, 1, g_arena);
  for (float score : g_scores)
    std::printf("%.9g\n", score);
  return 0;
}
