// kiln run: compile (cached by the model's hash), build and run in one step.
#include "Commands.h"
#include "SharedFlags.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SHA256.h"

namespace cl = llvm::cl;

namespace kiln::cli {
namespace {

std::string cacheRoot() {
  if (auto dir = llvm::sys::Process::GetEnv("KILN_CACHE_DIR"))
    return *dir;
  if (auto xdg = llvm::sys::Process::GetEnv("XDG_CACHE_HOME"))
    return *xdg + "/kiln";
  if (auto home = llvm::sys::Process::GetEnv("HOME"))
    return *home + "/.cache/kiln";
  return "/tmp/kiln-cache";
}

/// Hash of everything the built executable depends on: the model bytes, the
/// compile settings, and this kiln binary.
std::string cacheKey(const std::string &modelBytes, const CompileRequest &request) {
  llvm::SHA256 hash;
  hash.update(modelBytes);
  hash.update("\nbatch=" + std::to_string(request.batch));
  hash.update("\nthreads=" + std::to_string(request.threads));
  for (const std::string &shape : request.inputShapes)
    hash.update("\ninput-shape=" + shape);
  hash.update("\ncxx=" + request.toolchain.cxx + " " + llvm::join(request.toolchain.cxxFlags, " "));
  std::string self = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(self, status))
    hash.update("\nkiln=" + std::to_string(status.getSize()) + "@" +
                std::to_string(status.getLastModificationTime().time_since_epoch().count()));
  auto digest = hash.final();
  return llvm::toHex(llvm::ArrayRef<uint8_t>(digest.data(), 16), /*LowerCase=*/true);
}
} // namespace

int runCommand(int argc, char **argv) {
  cl::OptionCategory category("kiln run options");
  cl::opt<std::string> model(cl::Positional, cl::desc("MODEL (.keras)"), cl::Required,
                             cl::cat(category));
  cl::list<std::string> inputs("input", cl::desc("an input, by Keras name or in order"),
                               cl::value_desc("NAME=FILE.npy"), cl::cat(category));
  cl::opt<std::string> outDir("output-dir", cl::desc("where OUTPUT_NAME.npy files go"),
                              cl::Required, cl::cat(category));
  cl::opt<int64_t> batch("batch", cl::desc("samples per forward pass"), cl::init(1),
                         cl::cat(category));
  cl::list<std::string> inputShapes(
      "input-shape", cl::desc("fix an input's open (None) axes, batch axis excluded"),
      cl::value_desc("NAME=D1x...xDk"), cl::cat(category));
  cl::list<std::string> limits("limit", cl::desc("raise an import limit (kiln --help lists them)"),
                               cl::value_desc("NAME=N"), cl::cat(category));
  cl::opt<std::string> cxxFlags("cxx-flags", cl::desc("flags for the C++ compiler"),
                                cl::cat(category));
  std::vector<char *> cliArgs(argv, argv + argc);
  int64_t threads = 1;
  std::string error;
  if (!takeThreadsFlag(cliArgs, threads, error))
    return reportError(error);
  cl::HideUnrelatedOptions(category); // LLVM's and MLIR's own flags stay accepted, unlisted
  cl::ParseCommandLineOptions(int(cliArgs.size()), cliArgs.data(),
                              "kiln run: compile, build and run a Keras model\n"
                              "  --threads N  threads the generated kernels use (default 1)\n");

  CompileRequest request;
  request.modelPath = model;
  request.batch = batch;
  request.threads = threads;
  request.emit = Emit::Exe;
  request.inputShapes.assign(inputShapes.begin(), inputShapes.end());
  request.limits.assign(limits.begin(), limits.end());
  applyCxxFlags(cxxFlags, request.toolchain);
  auto bytes = llvm::MemoryBuffer::getFile(model.getValue());
  if (!bytes)
    return reportError(model + ": no such file");
  std::string dir = cacheRoot() + "/" + cacheKey((*bytes)->getBuffer().str(), request);
  std::string exe = dir + "/model";
  if (!llvm::sys::fs::exists(exe)) {
    // Build in a private folder, then publish it with one rename so
    // concurrent runs never see a half-built cache entry.
    llvm::SmallString<128> temp;
    if (llvm::sys::fs::create_directories(cacheRoot()) ||
        llvm::sys::fs::createUniqueDirectory(dir + ".build", temp))
      return reportError("cannot create a build folder under " + cacheRoot());
    request.outDir = temp.str().str();
    request.name = "model";
    if (int rc = compileModel(request)) {
      llvm::sys::fs::remove_directories(temp);
      return rc;
    }
    if (llvm::sys::fs::rename(temp, dir))
      llvm::sys::fs::remove_directories(temp); // another run published it first
  }
  std::vector<std::string> args{exe};
  for (const std::string &input : inputs)
    args.insert(args.end(), {"--input", input});
  args.insert(args.end(), {"--output-dir", outDir});
  std::vector<llvm::StringRef> refs(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(exe, refs, std::nullopt, {}, 0, 0, &message);
  if (rc < 0)
    return reportError("running the compiled model failed: " + message);
  return rc;
}

} // namespace kiln::cli
