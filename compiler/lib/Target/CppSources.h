// The hand-written parts of a generated folder: the API header, the predict
// wrapper around the emitted forward function, the executable's main and the
// CMake file.
#ifndef KILN_TARGET_CPPSOURCES_H
#define KILN_TARGET_CPPSOURCES_H

#include "kiln/Target/CppTarget.h"

namespace kiln {

std::string weightsSymbol(const ModelInterface &model);
std::string headerSource(const ModelInterface &model, const std::string &modelPath);
/// `forwardCode` is the C++ that EmitC produced for `kiln_forward`.
std::string implementationSource(const ModelInterface &model, const std::string &modelPath,
                                 const std::string &forwardCode);
/// NAME_main.cpp: the executable's main, which hands its model's tables to
/// the harness.
std::string mainSource(const ModelInterface &model);
/// NAME_train.cpp: the training executable's main.
std::string trainMainSource(const ModelInterface &model);
/// The harnesses themselves, kiln_harness.cpp and kiln_train_harness.cpp
/// (kiln/rt/harness.h, kiln/rt/train/harness.h): the same for every model,
/// so the build cache builds each once (harnessObject in Toolchain.cpp).
extern const char *const kHarnessFile;
extern const char *const kTrainHarnessFile;
std::string harnessSource();
std::string trainHarnessSource();
std::string cmakeSource(const ModelInterface &model);
/// NAME_bench.cpp: kiln bench's Google Benchmark harness (kiln/rt/bench.h).
std::string benchSource(const ModelInterface &model);

/// The runtime headers, as {relative path, contents}.
const std::vector<std::pair<std::string, std::string>> &runtimeHeaders();

} // namespace kiln

#endif
