// The kiln subcommands. Each parses its own arguments (argv[0] is
// "kiln <command>") and returns the process exit code.
#ifndef KILN_TOOLS_KILN_COMMANDS_H
#define KILN_TOOLS_KILN_COMMANDS_H

#include <string>

#include "kiln/Import/KerasImporter.h"
#include "kiln/Target/CppTarget.h"

#include <map>
#include <vector>

namespace kiln::cli {

/// The last stage `kiln compile` runs; stages are ordered.
enum class Emit { Kiln, KilnOpt, EmitC, Cpp, Obj, Lib, Exe, Bench };

struct CompileRequest {
  std::string modelPath;
  std::string outDir;
  Emit emit = Emit::Cpp;
  std::string name; // empty: derived from the model file name
  int64_t batch = 1;
  int64_t threads = 1;
  bool staticArena = true; // --arena=static|caller
  std::string target; // cross-compilation triple, e.g. aarch64-linux-gnu
  std::vector<std::string> extraOutputs;
  /// --input-shape NAME=D1x...xDk, as written (parsed by compileModel).
  std::vector<std::string> inputShapes;
  /// --limit NAME=N, as written (import limits, parsed by compileModel).
  std::vector<std::string> limits;
  ToolchainOptions toolchain = defaultToolchain();
  bool stats = false;
  /// Time every kiln op (-kiln-instrument-profile).
  bool profile = false;
  /// kiln compile --train and its settings.
  TrainingOptions training;
  /// Also write and build NAME_bench (kiln bench's harness).
  bool benchHarness = false;
};

/// Compiles a model as far as `request.emit`; returns the exit code. On
/// success with emit >= Cpp, `nameOut` receives the generated name.
/// `modelOut`, when given, receives the generated interface.
int compileModel(const CompileRequest &request, std::string *nameOut = nullptr,
                 ModelInterface *modelOut = nullptr);

int compileCommand(int argc, char **argv);
int runCommand(int argc, char **argv);
int summaryCommand(int argc, char **argv);
int plotCommand(int argc, char **argv);
int benchCommand(int argc, char **argv);
int trainCommand(int argc, char **argv);
int diffCommand(int argc, char **argv);

/// Runs `argv` (argv[0] found on PATH when not a path); returns its exit
/// code, or -1 with `error` set when it could not run.
int runProgram(const std::vector<std::string> &argv, std::string &error);

/// Writes Graphviz `dot` text to `output` (.dot), or renders it to .svg or
/// .png with Graphviz; on failure sets `error` and writes nothing.
bool renderDot(const std::string &dot, const std::string &output, std::string &error);

/// Bounds the wall time of reading a model (import-seconds): past it, prints
/// the one-line error naming `modelPath` and exits 1. Nothing has been
/// written by then. One at a time; the destructor disarms it.
class ImportWatchdog {
public:
  ImportWatchdog(const std::string &modelPath, int64_t seconds);
  ~ImportWatchdog();
  ImportWatchdog(const ImportWatchdog &) = delete;
  ImportWatchdog &operator=(const ImportWatchdog &) = delete;
};

/// A fresh private folder under the system temporary folder, removed by the
/// destructor unless keep() was called.
class TempDir {
public:
  explicit TempDir(const std::string &prefix);
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  bool ok() const { return !path_.empty(); }
  const std::string &path() const { return path_; }

private:
  std::string path_;
};

/// Parses --input-shape values (NAME=D1x...xDk) into `shapes`; on failure
/// sets `error`.
bool parseInputShapes(const std::vector<std::string> &specs,
                      std::map<std::string, std::vector<int64_t>> &shapes, std::string &error);

/// Removes --threads N (or --threads=N) from `args` into `threads`; LLVM
/// owns an option of that name, so cl::opt cannot declare it.
bool takeThreadsFlag(std::vector<char *> &args, int64_t &threads, std::string &error);

/// Applies --limit NAME=N values to `options`; on failure sets `error`.
bool parseLimits(const std::vector<std::string> &specs, ImportOptions &options,
                 std::string &error);

/// Prints `kiln: error: MESSAGE` to stderr and returns 1.
int reportError(const std::string &message);

} // namespace kiln::cli

#endif
