#include "CppSources.h"

#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "llvm/ADT/StringExtras.h"

#include <fmt/format.h>

namespace kiln {
namespace {
std::string shapeList(const std::vector<int64_t> &shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s;
}

/// Declarations of one input or output: name, per-sample shape and size.
std::string tensorConstants(const char *kind, size_t index, const TensorInterface &t) {
  return fmt::format(
      "// {0} {1}: Keras name '{2}', per-sample shape ({3}).\n"
      "inline constexpr const char k{0}{1}Name[] = \"{2}\";\n"
      "inline constexpr std::int64_t k{0}{1}Shape[] = {{{3}}};\n"
      "inline constexpr std::size_t k{0}{1}Rank = {4};\n"
      "inline constexpr std::size_t k{0}{1}Size = {5};\n"
      "using {0}{1}Type = {6};\n",
      kind, index, t.name, t.sampleShape.empty() ? "1" : shapeList(t.sampleShape),
      t.sampleShape.size(), t.sampleSize, t.elementType);
}

/// A C++ string literal's body for `text`.
std::string escaped(const std::string &text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) < 0x20)
      out += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
    else
      out += c;
  }
  return out;
}

/// "a, b, c": each tensor's per-sample size, or its element bytes.
std::string sizeList(const std::vector<TensorInterface> &tensors, bool elementBytes) {
  std::string s;
  for (const TensorInterface &t : tensors)
    s += (s.empty() ? "" : ", ") + std::to_string(elementBytes ? t.elementBytes : t.sampleSize);
  return s;
}

std::string integerList(const std::vector<TensorInterface> &tensors) {
  std::string s;
  for (const TensorInterface &t : tensors)
    s += (s.empty() ? "" : ", ") + std::string(t.elementType == "float" ? "false" : "true");
  return s;
}

/// A C++ float literal that reads back as exactly `v`.
std::string cppFloat(float v) {
  std::string s = fmt::format("{:.9g}", v);
  if (s.find_first_of(".e") == std::string::npos)
    s += ".0";
  return s + "f";
}

std::string basename(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
} // namespace

std::string weightsSymbol(const ModelInterface &model) {
  return "kiln_" + model.name + "_weights";
}

std::string headerSource(const ModelInterface &model, const std::string &modelPath) {
  std::string profile;
  if (!model.profile.empty())
    profile = fmt::format(R"(
/// Profiled build (kiln compile --profile): every kiln op is timed. Slot s
/// times the op computing the Keras layers kProfileLayers[s] (several after
/// fusion, joined by " + "), kProfileFlops[s] FLOPs per forward pass.
inline constexpr std::size_t kProfileSlots = {};
extern const char *const kProfileLayers[kProfileSlots];
extern const std::int64_t kProfileFlops[kProfileSlots];
/// Wall-clock nanoseconds and calls per slot since the start or the last
/// profile_reset().
void profile_read(std::uint64_t *nanoseconds, std::uint64_t *calls);
void profile_reset();
)",
                          model.profile.size());
  std::string tensors = fmt::format(
      "/// FLOPs of one forward pass of kBatch samples.\n"
      "inline constexpr std::int64_t kFlopsPerBatch = {};\n\n",
      model.flops);
  for (size_t i = 0; i < model.inputs.size(); ++i)
    tensors += tensorConstants("Input", i, model.inputs[i]);
  for (size_t i = 0; i < model.outputs.size(); ++i)
    tensors += tensorConstants("Output", i, model.outputs[i]);
  std::string training;
  if (model.training) {
    const TrainingInterface &t = *model.training;
    std::string targets, weights;
    for (size_t k = 0; k < t.targets.size(); ++k)
      targets += tensorConstants("Target", k, t.targets[k]);
    for (float w : t.lossWeights)
      weights += (weights.empty() ? "" : ", ") + cppFloat(w);
    training = fmt::format(R"(
// Training (kiln compile --train). Target k is what output k's loss
// compares it with: the output's shape, or class ids (as floats) for a
// sparse categorical crossentropy.
{targets}inline constexpr std::size_t kTargetSizes[] = {{{targetSizes}}};
/// Keras loss_weights: the total loss is sum_k kLossWeights[k] * loss_k.
inline constexpr float kLossWeights[] = {{{lossWeights}}};
/// What train_step and evaluate write to `logs`, Keras's logs in kiln's
/// order: each output's loss, the total loss, then the metrics of the
/// model's compile_config; kLogNames names them as Keras does.
inline constexpr std::size_t kNumLosses = kNumOutputs + 1;
inline constexpr std::size_t kNumMetrics = {numMetrics};
inline constexpr std::size_t kNumLogs = kNumLosses + kNumMetrics;
extern const char *const kLogNames[kNumLogs];
/// FLOPs of one train_step, and the optimizer's persistent state.
inline constexpr std::int64_t kTrainFlopsPerStep = {flops};
inline constexpr std::size_t kTrainStateBytes = {state};

/// One optimizer step on exactly kBatch samples: inputs as for predict,
/// targets[k] holds kBatch * kTargetSizes[k] floats; writes kNumLogs floats
/// (the metrics as Keras's train_on_batch reports them: on this batch, in
/// training mode). Updates the weights that predict() reads. Calls must not
/// overlap (the weights and the optimizer state are shared); `arena` as
/// for predict.
void train_step(const void *const *inputs, const float *const *targets, float *logs,
                void *arena{arenaDefault});
/// The losses and metrics of kBatch samples in inference mode (moving
/// statistics, no dropout), as Keras's test_on_batch; changes nothing.
void evaluate(const void *const *inputs, const float *const *targets, float *logs,
              void *arena{arenaDefault});
/// Steps taken so far (Keras's optimizer.iterations), settable to resume.
std::int64_t iterations();
void set_iterations(std::int64_t steps);
/// The optimizer's slots, kTrainStateBytes bytes (to checkpoint and resume).
unsigned char *optimizer_state();
/// Clears the optimizer state and the step count (the weights stay).
void reset_optimizer();
)",
                           fmt::arg("targets", targets),
                           fmt::arg("targetSizes", sizeList(t.targets, false)),
                           fmt::arg("lossWeights", weights), fmt::arg("flops", t.flops),
                           fmt::arg("numMetrics", t.metricNames.size()),
                           fmt::arg("state", t.stateBytes),
                           fmt::arg("arenaDefault", model.staticArena ? " = nullptr" : ""));
  }
  std::string weightTable = fmt::format(R"(
/// The weights, as Keras "layer.variable" names them, in the blob's order:
/// rank, shape and whether training updates it (frozen layers do not).
inline constexpr std::size_t kNumWeights = {};
extern const char *const kWeightNames[];
extern const std::size_t kWeightRanks[];
extern const std::int64_t *const kWeightShapes[];
extern const bool kWeightTrainable[];
/// Weight w's values, row-major in the shape Keras gives it.
const float *weight_data(std::size_t w);
)",
                                        model.weights.size());
  if (model.training)
    weightTable += R"(/// The same, writable (to load weights before training).
float *mutable_weight_data(std::size_t w);
)";
  return fmt::format(R"(// Generated by kiln from {file}. Do not edit.
#ifndef KILN_GENERATED_{name}_H
#define KILN_GENERATED_{name}_H

#include <cstddef>
#include <cstdint>

namespace {name} {{

/// Samples per forward pass (kiln compile --batch); predict() takes any
/// number of samples and runs them in chunks of this size.
inline constexpr std::size_t kBatch = {batch};
inline constexpr std::size_t kNumInputs = {numInputs};
inline constexpr std::size_t kNumOutputs = {numOutputs};
/// Per input: values per sample, bytes per value and whether they are
/// integer ids; per output: floats per sample (the kInput<i>Size,
/// Input<i>Type and kOutput<k>Size below, indexable).
inline constexpr std::size_t kInputSizes[] = {{{inputSizes}}};
inline constexpr std::size_t kInputElementBytes[] = {{{inputBytes}}};
inline constexpr bool kInputIsInteger[] = {{{inputIsInteger}}};
inline constexpr std::size_t kOutputSizes[] = {{{outputSizes}}};
/// Threads predict() runs its kernels on (kiln compile --threads); the
/// pool starts on the first call and stays. Results do not depend on it.
inline constexpr std::size_t kThreads = {threads};
/// Working memory predict() needs, and the alignment it must have.
inline constexpr std::size_t kArenaBytes = {arena};
inline constexpr std::size_t kArenaAlignment = 64;
/// Whether predict() has a static arena it uses when passed nullptr
/// (kiln compile --arena=static|caller).
inline constexpr bool kStaticArena = {staticArena};
/// The weights' bytes: read-only data, or writable data when trained.
inline constexpr std::size_t kWeightBytes = {weights};

{tensors}
/// Runs the model on `num_samples` samples. inputs[i] points to
/// num_samples * kInput<i>Size values of type Input<i>Type (float, or
/// integer ids for Embedding inputs), outputs[k] receives
/// num_samples * kOutput<k>Size floats, both sample-major as NumPy stores
/// them. `arena` is kArenaBytes bytes aligned to kArenaAlignment owned by the
/// caller (calls with distinct arenas may run concurrently){arenaDoc}.
/// Allocates nothing, throws nothing.
void predict(const void *const *inputs, float *const *outputs,
             std::size_t num_samples, void *arena{arenaDefault});
{weightTable}{training}{profile}
}} // namespace {name}

#endif
)",
                     fmt::arg("file", basename(modelPath)), fmt::arg("name", model.name),
                     fmt::arg("batch", model.batch), fmt::arg("threads", model.threads),
                     fmt::arg("numInputs", model.inputs.size()),
                     fmt::arg("numOutputs", model.outputs.size()),
                     fmt::arg("inputSizes", sizeList(model.inputs, false)),
                     fmt::arg("inputBytes", sizeList(model.inputs, true)),
                     fmt::arg("outputSizes", sizeList(model.outputs, false)),
                     fmt::arg("inputIsInteger", integerList(model.inputs)),
                     fmt::arg("arena", model.arenaBytes), fmt::arg("weights", model.weightBytes),
                     fmt::arg("tensors", tensors), fmt::arg("profile", profile),
                     fmt::arg("weightTable", weightTable), fmt::arg("training", training),
                     fmt::arg("staticArena", model.staticArena ? "true" : "false"),
                     fmt::arg("arenaDoc", model.staticArena
                                              ? ", or nullptr to use\n/// the static arena (then "
                                                "calls must not overlap)"
                                              : "; it must not be\n/// nullptr (a null arena "
                                                "traps)"),
                     fmt::arg("arenaDefault", model.staticArena ? " = nullptr" : ""));
}

std::string implementationSource(const ModelInterface &model, const std::string &modelPath,
                                 const std::string &forwardCode) {
  // Arguments of kiln_forward for the full-batch chunk starting at sample s,
  // and for the staged partial chunk.
  std::string fullArgs, stagedArgs, stageIn, stageOut;
  int64_t staging = model.planBytes;
  auto stagingBuffer = [&](const TensorInterface &t) {
    int64_t offset = staging;
    staging += alignBuffer(model.batch * t.sampleSize * t.elementBytes);
    return offset;
  };
  for (size_t i = 0; i < model.inputs.size(); ++i) {
    int64_t size = model.inputs[i].sampleSize;
    const std::string &type = model.inputs[i].elementType;
    fullArgs += fmt::format("const_cast<{2} *>(static_cast<const {2} *>(inputs[{0}])) + s * {1}, ",
                            i, size, type);
    int64_t offset = stagingBuffer(model.inputs[i]);
    stageIn += fmt::format(
        "    {3} *in{0} = kiln::rt::at<{3}>(a, {1});\n"
        "    std::memcpy(in{0}, static_cast<const {3} *>(inputs[{0}]) + s * {2},\n"
        "                rest * {2} * sizeof({3}));\n"
        "    std::memset(in{0} + rest * {2}, 0, (kBatch - rest) * {2} * sizeof({3}));\n",
        i, offset, size, type);
    stagedArgs += fmt::format("in{}, ", i);
  }
  for (size_t k = 0; k < model.outputs.size(); ++k) {
    int64_t size = model.outputs[k].sampleSize;
    fullArgs += fmt::format("outputs[{}] + s * {}, ", k, size);
    int64_t offset = stagingBuffer(model.outputs[k]);
    stageIn += fmt::format("    float *out{} = kiln::rt::at<float>(a, {});\n", k, offset);
    stageOut += fmt::format(
        "    std::memcpy(outputs[{0}] + s * {1}, out{0}, rest * {1} * sizeof(float));\n", k,
        size);
    stagedArgs += fmt::format("out{}, ", k);
  }
  std::string partial =
      model.batch == 1
          ? ""
          : fmt::format(R"(  if (s < num_samples) {{
    // A partial last chunk runs on zero-padded copies in the arena.
    const std::size_t rest = num_samples - s;
{}    kiln_forward({}a);
{}  }}
)",
                        stageIn, stagedArgs, stageOut);
  std::string slots, profile;
  if (!model.profile.empty()) {
    slots = fmt::format("namespace {{\nkiln::rt::ProfileSlot kiln_profile_slots[{}];\n}} // "
                        "namespace\n",
                        model.profile.size());
    std::string layers, flops;
    for (const ProfileEntry &entry : model.profile) {
      layers += fmt::format("    \"{}\",\n", escaped(entry.layers));
      flops += fmt::format("    {},\n", entry.flops);
    }
    profile = fmt::format(R"(
const char *const kProfileLayers[kProfileSlots] = {{
{0}}};
const std::int64_t kProfileFlops[kProfileSlots] = {{
{1}}};

void profile_read(std::uint64_t *nanoseconds, std::uint64_t *calls) {{
  for (std::size_t s = 0; s < kProfileSlots; ++s) {{
    nanoseconds[s] = kiln_profile_slots[s].nanoseconds;
    calls[s] = kiln_profile_slots[s].calls;
  }}
}}

void profile_reset() {{
  for (kiln::rt::ProfileSlot &slot : kiln_profile_slots)
    slot = kiln::rt::ProfileSlot();
}}
)",
                          layers, flops);
  }
  // The weight table, and train_step around the emitted kiln_train_step.
  std::string names, ranks, shapes, shapeRefs, trainable, offsets;
  for (size_t w = 0; w < model.weights.size(); ++w) {
    const WeightInterface &weight = model.weights[w];
    names += fmt::format("    \"{}\",\n", escaped(weight.name));
    ranks += fmt::format("{}{}", w ? ", " : "", weight.shape.size());
    std::vector<int64_t> shape = weight.shape.empty() ? std::vector<int64_t>{1} : weight.shape;
    shapes += fmt::format("const std::int64_t kShape{}[] = {{{}}};\n", w, shapeList(shape));
    shapeRefs += fmt::format("{}kShape{}", w ? ", " : "", w);
    trainable += fmt::format("{}{}", w ? ", " : "", weight.trainable ? "true" : "false");
    offsets += fmt::format("{}{}", w ? ", " : "", weight.offset);
  }
  std::string weightTable = fmt::format(R"(
namespace {{
{shapes}const std::size_t kWeightOffsets[] = {{{offsets}}};
}} // namespace

const char *const kWeightNames[kNumWeights] = {{
{names}}};
const std::size_t kWeightRanks[kNumWeights] = {{{ranks}}};
const std::int64_t *const kWeightShapes[kNumWeights] = {{{shapeRefs}}};
const bool kWeightTrainable[kNumWeights] = {{{trainable}}};

const float *weight_data(std::size_t w) {{
  return reinterpret_cast<const float *>({symbol} + kWeightOffsets[w]);
}}
)",
                                        fmt::arg("shapes", shapes), fmt::arg("offsets", offsets),
                                        fmt::arg("names", names), fmt::arg("ranks", ranks),
                                        fmt::arg("shapeRefs", shapeRefs),
                                        fmt::arg("trainable", trainable),
                                        fmt::arg("symbol", weightsSymbol(model)));
  if (model.weights.empty())
    weightTable = R"(
const char *const kWeightNames[1] = {""};
const std::size_t kWeightRanks[1] = {0};
const std::int64_t *const kWeightShapes[1] = {nullptr};
const bool kWeightTrainable[1] = {false};
const float *weight_data(std::size_t) { return nullptr; }
)";
  const std::string arenaPick = model.staticArena
                                  ? "  unsigned char *a = arena ? static_cast<unsigned char "
                                    "*>(arena) : g_arena;"
                                  : "  if (!arena)\n    __builtin_trap(); // --arena=caller: "
                                    "there is no static arena\n  unsigned char *a = "
                                    "static_cast<unsigned char *>(arena);";
  std::string trainState, trainStep;
  if (model.training) {
    const TrainingInterface &t = *model.training;
    trainState = fmt::format(R"(namespace {{
// The optimizer's slots and step count (read by kiln_train_step).
alignas(64) unsigned char kiln_train_state[{0}::kTrainStateBytes > 0 ? {0}::kTrainStateBytes : 1];
std::int64_t kiln_train_iterations = 0;
}} // namespace
)",
                             model.name);
    std::string args, total, logNames;
    for (size_t i = 0; i < model.inputs.size(); ++i)
      args += fmt::format("const_cast<{0} *>(static_cast<const {0} *>(inputs[{1}])), ",
                          model.inputs[i].elementType, i);
    for (size_t k = 0; k < t.targets.size(); ++k)
      args += fmt::format("const_cast<float *>(targets[{}]), ", k);
    for (size_t k = 0; k < model.outputs.size(); ++k) {
      args += fmt::format("logs + {}, ", k);
      total += fmt::format("{}kLossWeights[{}] * logs[{}]", k ? " + " : "", k, k);
      logNames += fmt::format("    \"{}\",\n", escaped(model.outputs[k].name + "_loss"));
    }
    logNames += "    \"loss\",\n";
    // The regularizers' penalty counts toward the total only (as in Keras).
    std::string penalty;
    if (t.regularized) {
      args += "&regularization, ";
      total += " + regularization";
      penalty = "  float regularization = 0.0f;\n";
    }
    for (size_t j = 0; j < t.metricNames.size(); ++j) {
      args += fmt::format("logs + kNumLosses + {}, ", j);
      logNames += fmt::format("    \"{}\",\n", escaped(t.metricNames[j]));
    }
    trainStep = fmt::format(R"(
const char *const kLogNames[kNumLogs] = {{
{logNames}}};

float *mutable_weight_data(std::size_t w) {{
  return reinterpret_cast<float *>({symbol} + kWeightOffsets[w]);
}}

void train_step(const void *const *inputs, const float *const *targets, float *logs,
                void *arena) {{
{arenaPick}
{penalty}  kiln::rt::ThreadScope threads(kThreads);
  kiln_train_step({args}a);
  logs[kNumOutputs] = {total};
  ++kiln_train_iterations;
}}

void evaluate(const void *const *inputs, const float *const *targets, float *logs,
              void *arena) {{
{arenaPick}
{penalty}  kiln::rt::ThreadScope threads(kThreads);
  kiln_evaluate({args}a);
  logs[kNumOutputs] = {total};
}}

std::int64_t iterations() {{ return kiln_train_iterations; }}
void set_iterations(std::int64_t steps) {{ kiln_train_iterations = steps; }}
unsigned char *optimizer_state() {{ return kiln_train_state; }}

void reset_optimizer() {{
  std::memset(kiln_train_state, 0, sizeof kiln_train_state);
  kiln_train_iterations = 0;
}}
)",
                            fmt::arg("symbol", weightsSymbol(model)), fmt::arg("args", args),
                            fmt::arg("total", total), fmt::arg("arenaPick", arenaPick),
                            fmt::arg("logNames", logNames), fmt::arg("penalty", penalty));
  }
  return fmt::format(R"(// Generated by kiln from {file}. Do not edit.
#include "{name}.h"

#include "kiln/rt/profile.h"

#include <cstring>

{slots}{trainState}{forward}
namespace {name} {{
{arenaDef}
void predict(const void *const *inputs, float *const *outputs,
             std::size_t num_samples, void *arena) {{
{arenaPick}
  kiln::rt::ThreadScope threads(kThreads);
  std::size_t s = 0;
  for (; s + kBatch <= num_samples; s += kBatch)
    kiln_forward({fullArgs}a);
{partial}}}
{weightTable}{trainStep}{profile}
}} // namespace {name}

// The weights: {name}.weights.bin, assembled into {dataKind} data, 64-byte
// aligned. The assembler looks for the file in its working folder first,
// then on its include path (-Wa,-I<dir>); builds define KILN_{name}_WEIGHTS_FILE
// as the file's absolute path, so that no other file of that name is taken.
#ifndef KILN_{name}_WEIGHTS_FILE
#define KILN_{name}_WEIGHTS_FILE "{name}.weights.bin"
#endif
__asm__(".section {section}\n"
        ".balign 64\n"
        ".globl {symbol}\n"
        "{symbol}:\n"
        ".incbin \"" KILN_{name}_WEIGHTS_FILE "\"\n"
        ".byte 0\n"
        ".previous\n");
)",
                     fmt::arg("file", basename(modelPath)), fmt::arg("name", model.name),
                     fmt::arg("forward", forwardCode), fmt::arg("fullArgs", fullArgs),
                     fmt::arg("partial", partial), fmt::arg("symbol", weightsSymbol(model)),
                     fmt::arg("slots", slots), fmt::arg("profile", profile),
                     fmt::arg("weightTable", weightTable), fmt::arg("trainState", trainState),
                     fmt::arg("trainStep", trainStep),
                     fmt::arg("dataKind", model.training ? "writable" : "read-only"),
                     fmt::arg("section", model.training ? ".data" : ".rodata"),
                     fmt::arg("arenaDef", model.staticArena
                                              ? "namespace {\nalignas(kArenaAlignment) unsigned "
                                                "char g_arena[kArenaBytes > 0 ? kArenaBytes : "
                                                "1];\n} // namespace\n"
                                              : ""),
                     fmt::arg("arenaPick", arenaPick));
}

namespace {
/// kInputs / kOutputs: kiln::rt::TensorInfo tables for the harnesses.
std::string tensorInfoTables(const ModelInterface &model) {
  auto infos = [&](const char *kind, const std::vector<TensorInterface> &tensors) {
    std::string s;
    for (size_t i = 0; i < tensors.size(); ++i)
      s += fmt::format("    {{{0}::k{1}{2}Name, {0}::k{1}{2}Rank, {0}::k{1}{2}Shape, "
                       "{0}::k{1}{2}Size, {3}}},\n",
                       model.name, kind, i, tensors[i].dtypeTag);
    return s;
  };
  return fmt::format("const kiln::rt::TensorInfo kInputs[] = {{\n{}}};\n"
                     "const kiln::rt::TensorInfo kOutputs[] = {{\n{}}};\n",
                     infos("Input", model.inputs), infos("Output", model.outputs));
}

std::string modelInfo(const ModelInterface &model) {
  return fmt::format("kiln::rt::ModelInfo{{\"{0}\", {0}::kBatch, kInputs, {0}::kNumInputs, "
                     "kOutputs, {0}::kNumOutputs, &{0}::predict, {0}::kArenaBytes, "
                     "{0}::kStaticArena}}",
                     model.name);
}
} // namespace

std::string mainSource(const ModelInterface &model) {
  return fmt::format(R"(// Generated by kiln. Do not edit.
// usage: {name} --input NAME=FILE.npy ... --output-dir OUT
#include "{name}.h"

#include "kiln/rt/model_info.h"

namespace {{
{tables}}} // namespace

int main(int argc, char **argv) {{
  const kiln::rt::ModelInfo model = {info};
  return kiln::rt::runHarness(argc, argv, model);
}}
)",
                     fmt::arg("name", model.name), fmt::arg("tables", tensorInfoTables(model)),
                     fmt::arg("info", modelInfo(model)));
}

std::string trainMainSource(const ModelInterface &model) {
  std::string targets;
  for (size_t k = 0; k < model.training->targets.size(); ++k)
    targets += fmt::format("    {{{0}::kTarget{1}Name, {0}::kTarget{1}Rank, {0}::kTarget{1}Shape, "
                           "{0}::kTarget{1}Size, kiln::rt::DType::f32}},\n",
                           model.name, k);
  return fmt::format(R"(// Generated by kiln. Do not edit.
// usage: {name}_train --data DIR --out DIR [--epochs E] [--validation-split F] ...
#include "{name}.h"

#include "kiln/rt/train/train_info.h"

namespace {{
{tables}const kiln::rt::TensorInfo kTargets[] = {{
{targets}}};
}} // namespace

int main(int argc, char **argv) {{
  const kiln::rt::ModelInfo model = {info};
  const kiln::rt::TrainInfo train{{&model, kTargets, &{name}::train_step, &{name}::evaluate,
                                  {name}::kNumLogs, {name}::kLogNames, {name}::kNumWeights,
                                  {name}::kWeightNames, {name}::kWeightRanks,
                                  {name}::kWeightShapes, &{name}::mutable_weight_data,
                                  &{name}::optimizer_state, {name}::kTrainStateBytes,
                                  &{name}::iterations, &{name}::set_iterations}};
  return kiln::rt::runTrainHarness(argc, argv, train);
}}
)",
                     fmt::arg("name", model.name), fmt::arg("tables", tensorInfoTables(model)),
                     fmt::arg("targets", targets), fmt::arg("info", modelInfo(model)));
}

const char *const kHarnessFile = "kiln_harness.cpp";
const char *const kTrainHarnessFile = "kiln_train_harness.cpp";

std::string harnessSource() {
  return R"(// Generated by kiln. Do not edit.
// The command-line harness, the same for every model (NAME_main.cpp holds
// the model's part), so kiln's build cache builds it once.
#include "kiln/rt/harness.h"

int kiln::rt::runHarness(int argc, char **argv, const ModelInfo &model) {
  return runMain(argc, argv, model);
}
)";
}

std::string trainHarnessSource() {
  return R"(// Generated by kiln. Do not edit.
// The training harness, the same for every model (NAME_train.cpp holds the
// model's part), so kiln's build cache builds it once.
#include "kiln/rt/train/harness.h"

int kiln::rt::runTrainHarness(int argc, char **argv, const TrainInfo &info) {
  return trainMain(argc, argv, info);
}
)";
}

std::string benchSource(const ModelInterface &model) {
  std::string profile =
      model.profile.empty()
          ? "kiln::rt::ProfileInfo{}"
          : fmt::format("kiln::rt::ProfileInfo{{{0}::kProfileSlots, {0}::kProfileLayers, "
                        "{0}::kProfileFlops, &{0}::profile_read, &{0}::profile_reset}}",
                        model.name);
  return fmt::format(R"(// Generated by kiln bench. Do not edit.
// usage: {name}_bench [--profile-table FILE.tsv] [--benchmark_* flags]
#include "{name}.h"

#include "kiln/rt/bench.h"

namespace {{
{tables}}} // namespace

int main(int argc, char **argv) {{
  const kiln::rt::BenchInfo bench{{{info}, {name}::kThreads, {name}::kFlopsPerBatch,
                                  {profile}}};
  return kiln::rt::benchMain(argc, argv, bench);
}}
)",
                     fmt::arg("name", model.name), fmt::arg("tables", tensorInfoTables(model)),
                     fmt::arg("info", modelInfo(model)), fmt::arg("profile", profile));
}

std::string cmakeSource(const ModelInterface &model) {
  return fmt::format(R"(# Generated by kiln. Builds the model as a static library `{name}` and
# the command-line executable `{name}_run`.
cmake_minimum_required(VERSION 3.16)
project({name} CXX)

add_library({name} STATIC {name}.cpp)
target_include_directories({name} PUBLIC ${{CMAKE_CURRENT_SOURCE_DIR}})
target_compile_features({name} PUBLIC cxx_std_17)
# The assembler finds {name}.weights.bin through its include path. The
# code never reads errno or the FP exception flags; without saying so,
# loops calling sqrt, and on AVX2 the activations, do not vectorize.
target_compile_options({name} PRIVATE -fno-exceptions -fno-rtti {flags}
                       "-Wa,-I${{CMAKE_CURRENT_SOURCE_DIR}}")
target_compile_definitions({name} PRIVATE
  "KILN_{name}_WEIGHTS_FILE=\"${{CMAKE_CURRENT_SOURCE_DIR}}/{name}.weights.bin\"")
set_source_files_properties({name}.cpp PROPERTIES
  OBJECT_DEPENDS ${{CMAKE_CURRENT_SOURCE_DIR}}/{name}.weights.bin)
# The kernels' thread pool (kiln compile --threads) uses std::thread.
find_package(Threads REQUIRED)
target_link_libraries({name} PUBLIC m Threads::Threads)

add_executable({name}_run {name}_main.cpp kiln_harness.cpp)
target_link_libraries({name}_run PRIVATE {name})
{train})",
                     fmt::arg("name", model.name),
                     fmt::arg("flags", llvm::join(modelCodeFlags(), " ")),
                     fmt::arg("train", model.training
                                           ? fmt::format("\n# The training executable (kiln "
                                                         "compile --train).\nadd_executable({0}_train "
                                                         "{0}_train.cpp kiln_train_harness.cpp)\ntarget_link_libraries({0}_"
                                                         "train PRIVATE {0})\n",
                                                         model.name)
                                           : std::string()));
}

const std::vector<std::pair<std::string, std::string>> &runtimeHeaders() {
  static const std::vector<std::pair<std::string, std::string>> headers = {
#include "RuntimeHeaders.inc"
  };
  return headers;
}

} // namespace kiln
