// Command-line driver shared by every generated executable:
//   NAME --input INPUT_NAME=FILE.npy ... --output-dir OUT
// reads inputs by Keras input name (or in positional order when the name is
// left out), runs predict over all samples, writes OUT/<output name>.npy.
// Host-side only: allocates and uses stdio.
#ifndef KILN_RT_HARNESS_H
#define KILN_RT_HARNESS_H

#include "kiln/rt/model_info.h"
#include "kiln/rt/npy.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace kiln {
namespace rt {

namespace detail {
inline int fail(const ModelInfo &m, const std::string &msg) {
  std::fprintf(stderr, "%s: error: %s\n", m.model_name, msg.c_str());
  return 1;
}
inline std::string shapeString(const std::int64_t *shape, std::size_t rank) {
  std::string s = "(";
  for (std::size_t i = 0; i < rank; ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (rank == 1 ? ",)" : ")");
}
} // namespace detail

inline int runMain(int argc, char **argv, const ModelInfo &m) {
  std::vector<std::string> files(m.num_inputs);
  std::string outDir;
  std::size_t positional = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char *flag) -> const char * {
      std::string f = flag;
      if (arg.compare(0, f.size() + 1, f + "=") == 0)
        return argv[i] + f.size() + 1;
      if (arg == f && i + 1 < argc)
        return argv[++i];
      return nullptr;
    };
    if (arg == "--help" || arg == "-h") {
      std::printf("usage: %s --input NAME=FILE.npy ... --output-dir OUT\ninputs:", argv[0]);
      for (std::size_t k = 0; k < m.num_inputs; ++k)
        std::printf(" %s%s", m.inputs[k].name,
                    detail::shapeString(m.inputs[k].shape, m.inputs[k].rank).c_str());
      std::printf("\n");
      return 0;
    } else if (const char *v = value("--input")) {
      std::string spec = v;
      std::size_t eq = spec.find('=');
      std::size_t slot = m.num_inputs;
      if (eq != std::string::npos) {
        std::string name = spec.substr(0, eq);
        for (std::size_t k = 0; k < m.num_inputs; ++k)
          if (name == m.inputs[k].name)
            slot = k;
        if (slot == m.num_inputs)
          return detail::fail(m, "the model has no input named '" + name + "'");
        spec = spec.substr(eq + 1);
      } else {
        slot = positional++;
        if (slot >= m.num_inputs)
          return detail::fail(m, "more inputs given than the model's " +
                                     std::to_string(m.num_inputs));
      }
      files[slot] = spec;
    } else if (const char *v = value("--output-dir")) {
      outDir = v;
    } else {
      return detail::fail(m, "unknown argument '" + arg + "'");
    }
  }
  if (outDir.empty())
    return detail::fail(m, "--output-dir is required");
  std::vector<NpyArray> inputs(m.num_inputs);
  std::size_t samples = 0;
  for (std::size_t k = 0; k < m.num_inputs; ++k) {
    const TensorInfo &t = m.inputs[k];
    if (files[k].empty())
      return detail::fail(m, std::string("no file given for input '") + t.name + "'");
    std::string error;
    if (!readNpy(files[k], inputs[k], error))
      return detail::fail(m, error);
    const auto &shape = inputs[k].shape;
    // Either (N, *sample_shape) or a single sample without the batch axis.
    bool batched = shape.size() == t.rank + 1;
    bool single = shape.size() == t.rank;
    bool ok = batched || single;
    for (std::size_t d = 0; ok && d < t.rank; ++d)
      ok = shape[d + (batched ? 1 : 0)] == t.shape[d];
    if (!ok) {
      std::string got = detail::shapeString(shape.data(), shape.size());
      std::string want = "(N";
      for (std::size_t d = 0; d < t.rank; ++d)
        want += ", " + std::to_string(t.shape[d]);
      return detail::fail(m, "input '" + std::string(t.name) + "' from '" + files[k] +
                                 "' has shape " + got + "; expected " + want + ")");
    }
    std::size_t n = batched ? std::size_t(shape[0]) : 1;
    if (k > 0 && n != samples)
      return detail::fail(m, "inputs disagree on the number of samples");
    samples = n;
  }
  std::vector<std::vector<float>> outputs(m.num_outputs);
  std::vector<std::vector<std::int32_t>> ids32(m.num_inputs);
  std::vector<std::vector<std::int64_t>> ids64(m.num_inputs);
  std::vector<const void *> inPtrs;
  std::vector<float *> outPtrs;
  for (std::size_t k = 0; k < m.num_inputs; ++k) {
    std::string error;
    bool ok = true;
    if (m.inputs[k].dtype == DType::i32) {
      ok = npyIntegers(inputs[k], ids32[k], error);
      inPtrs.push_back(ids32[k].data());
    } else if (m.inputs[k].dtype == DType::i64) {
      ok = npyIntegers(inputs[k], ids64[k], error);
      inPtrs.push_back(ids64[k].data());
    } else {
      inPtrs.push_back(inputs[k].data.data());
    }
    if (!ok)
      return detail::fail(m, "input '" + std::string(m.inputs[k].name) + "' from '" + files[k] +
                                 "': " + error);
  }
  for (std::size_t k = 0; k < m.num_outputs; ++k) {
    outputs[k].resize(samples * m.outputs[k].size);
    outPtrs.push_back(outputs[k].data());
  }
  // A model built with --arena=caller needs the caller's arena.
  std::vector<unsigned char> arena(m.static_arena ? 0 : m.arena_bytes + 64);
  void *aligned = arena.empty() ? nullptr
                                : arena.data() + (64 - reinterpret_cast<std::uintptr_t>(arena.data()) % 64) % 64;
  m.predict(inPtrs.data(), outPtrs.data(), samples, aligned);
  ::mkdir(outDir.c_str(), 0777);
  for (std::size_t k = 0; k < m.num_outputs; ++k) {
    const TensorInfo &t = m.outputs[k];
    std::vector<std::int64_t> shape{std::int64_t(samples)};
    shape.insert(shape.end(), t.shape, t.shape + t.rank);
    std::string error;
    if (!writeNpy(outDir + "/" + t.name + ".npy", shape, outputs[k].data(), error))
      return detail::fail(m, error);
  }
  return 0;
}

} // namespace rt
} // namespace kiln

#endif
