#include "kiln/Target/CppTarget.h"

#include "CppSources.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

namespace kiln {
namespace {
/// Runs a command; on failure, `error` holds the command line.
bool run(std::vector<std::string> argv, std::string &error) {
  std::string program = argv.front();
  if (!llvm::sys::path::is_absolute(program)) {
    auto found = llvm::sys::findProgramByName(program);
    if (!found) {
      error = "cannot find '" + program + "' on PATH";
      return false;
    }
    program = *found;
  }
  std::vector<llvm::StringRef> refs(argv.begin(), argv.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(program, refs, std::nullopt, {}, 0, 0, &message);
  if (rc != 0) {
    error = "command failed (exit " + std::to_string(rc) + "): " + llvm::join(argv, " ") +
            (message.empty() ? "" : ": " + message);
    return false;
  }
  return true;
}

std::vector<std::string> splitCommand(const std::string &command) {
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(command).split(parts, ' ', -1, false);
  return std::vector<std::string>(parts.begin(), parts.end());
}

std::vector<std::string> withModelCodeFlags(std::vector<std::string> flags) {
  const std::vector<std::string> always = modelCodeFlags();
  flags.insert(flags.end(), always.begin(), always.end());
  return flags;
}

/// The command-line harnesses parse arguments, read and write .npy files and
/// keep the training loop's books; none of that gains from more than -O1, and
/// at -O3 they took longer to compile than the model (3.4 s against 2 s for a
/// small one; the training harness 7.9 s). So they are built at -O1 when the
/// flags ask for more; -O0, -Og, -Os and -Oz are left as asked.
std::vector<std::string> harnessCompile(std::vector<std::string> compile) {
  for (auto flag = compile.rbegin(); flag != compile.rend(); ++flag) {
    llvm::StringRef level(*flag);
    if (!level.consume_front("-O"))
      continue;
    if (level == "fast" || (!level.empty() && level.front() >= '2' && level.front() <= '9'))
      compile.push_back("-O1");
    break;
  }
  return compile;
}

/// Builds DIR/HARNESS.o (a harness has nothing of the model's: cacheable
/// across models) with `compile`, through the object cache when there is one.
bool harnessObject(const std::string &dir, const std::string &harness,
                   std::vector<std::string> compile, const ToolchainOptions &toolchain,
                   const std::string &cacheDir, std::string &object, std::string &error) {
  std::string source = dir + "/" + harness;
  object = source.substr(0, source.size() - 4) + ".o";
  std::string key;
  if (!cacheDir.empty()) {
    auto text = llvm::MemoryBuffer::getFile(source);
    if (text) {
      key = objectCacheKey(compile, "-I" + dir, (*text)->getBuffer().str(), toolchain);
      if (restoreObject(cacheDir, key, object))
        return true;
    }
  }
  compile.insert(compile.end(), {"-c", source, "-o", object});
  if (!run(compile, error))
    return false;
  if (!key.empty())
    storeObject(cacheDir, key, object);
  return true;
}
} // namespace

ToolchainOptions defaultToolchain() {
  ToolchainOptions options;
  const char *cxx = std::getenv("CXX");
  options.cxx = cxx && *cxx ? cxx : "c++";
  options.cxxFlags = withModelCodeFlags({"-O3", "-march=native"});
  return options;
}

std::vector<std::string> modelCodeFlags() { return splitCommand(KILN_MODEL_CODE_FLAGS); }

bool findCompiler(const ToolchainOptions &toolchain, std::string &error) {
  std::vector<std::string> command = splitCommand(toolchain.cxx);
  if (command.empty()) {
    error = "no C++ compiler given";
    return false;
  }
  // A launcher (ccache g++) is found by its first word.
  if (llvm::sys::path::is_absolute(command.front()) ? llvm::sys::fs::can_execute(command.front())
                                                    : bool(llvm::sys::findProgramByName(command.front())))
    return true;
  error = "cannot find '" + command.front() + "' on PATH";
  return false;
}

ToolchainOptions toolchainFor(const std::string &targetTriple) {
  if (targetTriple.empty())
    return defaultToolchain();
  ToolchainOptions options;
  options.cxx = targetTriple + "-g++";
  options.cxxFlags = withModelCodeFlags({"-O3"});
  return options;
}

bool buildArtifact(const std::string &dir, const ModelInterface &model, Artifact kind,
                   const ToolchainOptions &toolchain, std::string &error,
                   const std::string &cacheDir) {
  std::string base = dir + "/" + model.name;
  std::vector<std::string> compile = splitCommand(toolchain.cxx);
  compile.insert(compile.end(), toolchain.cxxFlags.begin(), toolchain.cxxFlags.end());
  compile.insert(compile.end(), {"-std=c++17", "-pthread", "-I" + dir});

  // The model itself: no exceptions or RTTI; the assembler needs the folder
  // on its include path for the weights' .incbin.
  // The weights by absolute path: the assembler would take a file of the
  // same name in the current folder first.
  llvm::SmallString<256> weights(base + ".weights.bin");
  llvm::sys::fs::make_absolute(weights);
  std::vector<std::string> compileModel = compile;
  compileModel.insert(compileModel.end(),
                      {"-fno-exceptions", "-fno-rtti", "-Wa,-I" + dir,
                       "-DKILN_" + model.name + "_WEIGHTS_FILE=\"" + weights.str().str() + "\"",
                       "-c", base + ".cpp", "-o", base + ".o"});
  if (!run(compileModel, error))
    return false;
  if (kind == Artifact::Object)
    return true;
  if (kind == Artifact::Library) {
    std::string archive = dir + "/lib" + model.name + ".a";
    llvm::sys::fs::remove(archive);
    return run({"ar", "rcs", archive, base + ".o"}, error);
  }
  if (kind == Artifact::Benchmark) {
    std::vector<std::string> link = compile;
    link.insert(link.end(), {base + "_bench.cpp", base + ".o", "-o", base + "_bench",
                             "-lbenchmark", "-lm"});
    return run(link, error);
  }
  const std::vector<std::string> harness = harnessCompile(compile);
  std::string harnessObj;
  if (!harnessObject(dir, kHarnessFile, harness, toolchain, cacheDir, harnessObj, error))
    return false;
  std::vector<std::string> link = harness;
  link.insert(link.end(), {base + "_main.cpp", base + ".o", harnessObj, "-o", base, "-lm"});
  if (!run(link, error))
    return false;
  if (!model.training)
    return true;
  // A trained model's executable comes with its training executable.
  if (!harnessObject(dir, kTrainHarnessFile, harness, toolchain, cacheDir, harnessObj, error))
    return false;
  std::vector<std::string> linkTrain = harness;
  linkTrain.insert(linkTrain.end(),
                   {base + "_train.cpp", base + ".o", harnessObj, "-o", base + "_train", "-lm"});
  return run(linkTrain, error);
}

} // namespace kiln
