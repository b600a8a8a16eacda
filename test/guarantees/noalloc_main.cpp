// Checks what generated code promises its callers, for a model compiled as
// namespace `model` (kiln compile --name model):
//   - predict() allocates nothing on the heap (malloc and operator new are
//     interposed and counted; with --threads > 1 only the first call may,
//     to start the thread pool);
//   - it is deterministic: the same inputs give the same bytes every call;
//   - it is reentrant with caller arenas: two threads calling it at once,
//     each with its own arena, get the bytes of a single call.
// Prints one line per property; exits 1 if any fails.
#include "model.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>
#include <vector>

#include "count_allocations.h"

namespace {
struct Run {
  std::vector<std::vector<unsigned char>> outputs;
};

std::vector<std::vector<unsigned char>> g_inputs;
std::vector<const void *> g_inputPointers;
constexpr std::size_t kSamples = 3 * model::kBatch + (model::kBatch > 1 ? 1 : 0);

void makeInputs() {
  std::uint32_t state = 7;
  for (std::size_t i = 0; i < model::kNumInputs; ++i) {
    std::size_t n = model::kInputSizes[i] * kSamples, bytes = model::kInputElementBytes[i];
    g_inputs.emplace_back(n * bytes);
    for (std::size_t k = 0; k < n; ++k) {
      state = state * 1664525u + 1013904223u;
      // Floats in [-1, 1), or small ids (valid for any Embedding of 8 rows).
      float v = float(state >> 8) / float(1u << 23) - 1.0f;
      std::int64_t id = std::int64_t(state >> 29);
      std::int32_t id32 = std::int32_t(id);
      unsigned char *p = &g_inputs[i][k * bytes];
      if (!model::kInputIsInteger[i])
        std::memcpy(p, &v, 4);
      else if (bytes == 4)
        std::memcpy(p, &id32, 4);
      else
        std::memcpy(p, &id, 8);
    }
    g_inputPointers.push_back(g_inputs[i].data());
  }
}

Run predict(void *arena) {
  Run run;
  std::vector<float *> pointers;
  for (std::size_t k = 0; k < model::kNumOutputs; ++k)
    run.outputs.emplace_back(model::kOutputSizes[k] * kSamples * sizeof(float));
  for (auto &o : run.outputs)
    pointers.push_back(reinterpret_cast<float *>(o.data()));
  model::predict(g_inputPointers.data(), pointers.data(), kSamples, arena);
  return run;
}

struct Arena {
  Arena() : bytes(model::kArenaBytes + 64) {}
  void *get() {
    auto p = reinterpret_cast<std::uintptr_t>(bytes.data());
    return bytes.data() + (64 - p % 64) % 64;
  }
  std::vector<unsigned char> bytes;
};
} // namespace

int main() {
  makeInputs();
  Arena a, b, c;
  int status = 0;

  // Outputs are allocated before counting starts; only predict() is counted.
  std::vector<std::vector<unsigned char>> out(model::kNumOutputs);
  std::vector<float *> pointers;
  for (std::size_t k = 0; k < model::kNumOutputs; ++k) {
    out[k].resize(model::kOutputSizes[k] * kSamples * sizeof(float));
    pointers.push_back(reinterpret_cast<float *>(out[k].data()));
  }
  long perCall[2];
  for (long &calls : perCall) {
    g_allocations = 0;
    g_counting = true;
    model::predict(g_inputPointers.data(), pointers.data(), kSamples, a.get());
    g_counting = false;
    calls = g_allocations.load();
  }
  bool noAlloc = perCall[1] == 0 && (model::kThreads > 1 || perCall[0] == 0);
  std::printf("heap allocations in predict: first call %ld, second call %ld: %s\n", perCall[0],
              perCall[1], noAlloc ? "ok" : "FAIL");
  status |= !noAlloc;

  Run first = predict(a.get()), again = predict(b.get());
  bool same = first.outputs == again.outputs;
  std::printf("deterministic across calls and arenas: %s\n", same ? "ok" : "FAIL");
  status |= !same;

  Run r1, r2;
  std::thread t1([&] { r1 = predict(b.get()); });
  std::thread t2([&] { r2 = predict(c.get()); });
  t1.join();
  t2.join();
  bool reentrant = r1.outputs == first.outputs && r2.outputs == first.outputs;
  std::printf("reentrant with caller arenas (two threads): %s\n", reentrant ? "ok" : "FAIL");
  status |= !reentrant;
  return status;
}
