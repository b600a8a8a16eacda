#include "Commands.h"
#include "SharedFlags.h"

#include "kiln/Import/KerasImporter.h"
#include "kiln/Pipeline/PipelineStats.h"
#include "kiln/Pipeline/Pipelines.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/Cpp/CppEmitter.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <cctype>
#include <set>

using namespace mlir;
namespace cl = llvm::cl;

namespace kiln::cli {

int reportError(const std::string &message) {
  llvm::errs() << "kiln: error: " << message << "\n";
  return 1;
}

namespace {

/// A C++ identifier for the generated namespace, from the model file name.
std::string identifierFor(const std::string &path) {
  std::string stem = llvm::sys::path::stem(path).str();
  std::string id;
  for (char c : stem)
    id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  static const std::set<std::string> reserved = {
      "alignas", "and", "auto", "bool", "break", "case", "catch", "char", "class",
      "const", "continue", "default", "delete", "do", "double", "else", "enum",
      "explicit", "extern", "false", "float", "for", "friend", "goto", "if", "inline",
      "int", "long", "namespace", "new", "not", "operator", "or", "private", "protected",
      "public", "return", "short", "signed", "sizeof", "static", "std", "struct",
      "switch", "template", "this", "throw", "true", "try", "typedef", "union",
      "unsigned", "using", "virtual", "void", "volatile", "while", "kiln"};
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0])) || reserved.count(id))
    id = "model_" + id;
  return id;
}

bool isIdentifier(const std::string &s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])))
    return false;
  return llvm::all_of(s, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

/// Writes every file, each through a temporary and a rename, so a reader
/// never sees a half-written file.
bool writeFiles(const std::string &dir, const SourceFiles &files, std::string &error) {
  for (const auto &[path, contents] : files) {
    std::string full = dir + "/" + path;
    if (auto ec = llvm::sys::fs::create_directories(llvm::sys::path::parent_path(full))) {
      error = "cannot create '" + llvm::sys::path::parent_path(full).str() + "': " + ec.message();
      return false;
    }
    std::string temp = full + ".tmp";
    {
      std::error_code ec;
      llvm::raw_fd_ostream os(temp, ec);
      if (ec) {
        error = "cannot write '" + temp + "': " + ec.message();
        return false;
      }
      os << contents;
    }
    if (auto ec = llvm::sys::fs::rename(temp, full)) {
      error = "cannot write '" + full + "': " + ec.message();
      return false;
    }
  }
  return true;
}

} // namespace

bool parseInputShapes(const std::vector<std::string> &specs,
                      std::map<std::string, std::vector<int64_t>> &shapes, std::string &error) {
  for (const std::string &spec : specs) {
    auto [name, dims] = llvm::StringRef(spec).split('=');
    llvm::SmallVector<llvm::StringRef> parts;
    dims.split(parts, 'x');
    std::vector<int64_t> shape;
    for (llvm::StringRef part : parts) {
      int64_t n = 0;
      if (part.getAsInteger(10, n) || n <= 0) {
        shape.clear();
        break;
      }
      shape.push_back(n);
    }
    if (name.empty() || shape.empty()) {
      error = "--input-shape '" + spec +
              "' is not NAME=D1x...xDk with positive sizes (batch axis excluded)";
      return false;
    }
    shapes[name.str()] = shape;
  }
  return true;
}

bool parseLimits(const std::vector<std::string> &specs, ImportOptions &options,
                 std::string &error) {
  for (const std::string &spec : specs)
    if (!setImportLimit(options.limits, spec, error))
      return false;
  return true;
}

namespace {
void printStats(const ModelInterface &model, const std::vector<PassCensus> &passes) {
  printPassTable(llvm::outs(), passes);
  auto dedup = llvm::find_if(passes, [](const PassCensus &p) { return p.pass == "kiln-dedup-weights"; });
  if (dedup != passes.end())
    llvm::outs() << "weight bytes before dedup: " << dedup->before.weightBytes << "\n"
                 << "weight bytes after dedup: " << dedup->after.weightBytes << "\n";
  // The forward function's own FLOPs and plan (a training module also has
  // train_step).
  int64_t flops = model.flops;
  int64_t arena = model.training ? model.planBytes : model.arenaBytes;
  double ratio = model.livenessLowerBound ? double(arena) / double(model.livenessLowerBound) : 1.0;
  llvm::outs() << "arena bytes: " << arena << "\n"
               << "liveness lower bound bytes: " << model.livenessLowerBound << "\n"
               << "arena / lower bound: " << llvm::format("%.3f", ratio) << "\n"
               << "weight bytes: " << model.weightBytes << "\n"
               << "FLOPs per predict: " << flops << "\n";
  if (model.training) {
    // Training's one static plan: train_step's arena (saved activations and
    // gradients, shared with predict's), the weights, the optimizer's slots.
    const TrainingInterface &t = *model.training;
    llvm::outs() << "train_step arena bytes: " << t.planBytes << "\n"
                 << "train_step liveness lower bound bytes: " << t.livenessLowerBound << "\n"
                 << "train_step arena / lower bound: "
                 << llvm::format("%.3f", t.livenessLowerBound
                                             ? double(t.planBytes) / double(t.livenessLowerBound)
                                             : 1.0)
                 << "\n"
                 << "optimizer state bytes: " << t.stateBytes << "\n"
                 << "peak training memory bytes: "
                 << model.arenaBytes + model.weightBytes + t.stateBytes << "\n"
                 << "FLOPs per train_step: " << t.flops << "\n";
  }
}
} // namespace

int compileModel(const CompileRequest &request, std::string *nameOut, ModelInterface *modelOut) {
  std::string name = request.name.empty() ? identifierFor(request.modelPath) : request.name;
  if (!isIdentifier(name))
    return reportError("--name '" + name + "' is not a C++ identifier");
  if (request.batch < 1)
    return reportError("--batch must be at least 1, got " + std::to_string(request.batch));
  if (request.threads < 1 || request.threads > 64)
    return reportError("--threads must be between 1 and 64, got " +
                       std::to_string(request.threads));

  DialectRegistry registry;
  registerImportDialects(registry);
  registry.insert<emitc::EmitCDialect>();
  MLIRContext context(registry);
  // Errors from passes name the Keras layer through the op's location.
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() != DiagnosticSeverity::Error)
      return success();
    std::string where;
    if (auto loc = dyn_cast<NameLoc>(diag.getLocation()))
      where = loc.getName().str() + ": ";
    reportError(request.modelPath + ": " + where + diag.str());
    return success();
  });

  std::string error;
  ImportOptions options;
  options.batch = request.batch;
  options.extraOutputs = request.extraOutputs;
  options.training = request.training;
  if (!parseInputShapes(request.inputShapes, options.inputShapes, error) ||
      !parseLimits(request.limits, options, error))
    return reportError(error);
  OwningOpRef<ModuleOp> module;
  {
    ImportWatchdog watchdog(request.modelPath, options.limits.importSeconds);
    module = importKerasModel(context, request.modelPath, options, error);
  }
  if (!module)
    return reportError(error);
  OpPrintingFlags flags;
  flags.elideLargeResourceString(1024);
  if (request.emit == Emit::Kiln) {
    module->print(llvm::outs(), flags);
    return 0;
  }

  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return reportError("invalid pass manager options");
  if (request.training.enabled)
    buildTrainingPipeline(pm);
  else
    buildInferencePipeline(pm);
  if (request.profile)
    pm.nest<func::FuncOp>().addPass(createInstrumentProfile());
  auto passes = std::make_shared<std::vector<PassCensus>>();
  if (request.stats) {
    // One census per pass needs the passes to run one after another.
    context.disableMultithreading();
    pm.addInstrumentation(std::make_unique<PipelineStats>(passes));
  }
  if (failed(pm.run(*module)))
    return 1; // the diagnostic handler has reported why
  FailureOr<ModelInterface> model = readModelInterface(*module, name, error);
  if (failed(model))
    return reportError(request.modelPath + ": " + error);
  model->threads = request.threads;
  model->staticArena = request.staticArena;
  if (request.stats)
    printStats(*model, *passes);
  if (request.emit == Emit::KilnOpt) {
    module->print(llvm::outs(), flags);
    return 0;
  }
  if (request.emit == Emit::EmitC) {
    if (failed(lowerToEmitC(*module, "kiln_" + name + "_weights")))
      return 1;
    module->print(llvm::outs(), flags);
    return 0;
  }
  if (request.outDir.empty())
    return reportError("-o DIR is required for --emit=cpp|obj|lib|exe");
  if (request.emit != Emit::Cpp && !findCompiler(request.toolchain, error))
    return reportError("building the generated code failed: " + error);
  FailureOr<SourceFiles> files =
      generateCpp(*module, *model, request.modelPath, error, request.emit == Emit::Bench);
  if (failed(files))
    return reportError(request.modelPath + ": " + error);
  if (!writeFiles(request.outDir, *files, error))
    return reportError(error);
  if (request.emit != Emit::Cpp) {
    Artifact kind = request.emit == Emit::Obj   ? Artifact::Object
                    : request.emit == Emit::Lib ? Artifact::Library
                    : request.emit == Emit::Bench ? Artifact::Benchmark
                                                  : Artifact::Executable;
    // $KILN_BUILD_CACHE: identical generated code is built once, and the
    // harnesses once for all models.
    std::string cache = llvm::sys::Process::GetEnv("KILN_BUILD_CACHE").value_or("");
    std::string key = cache.empty() ? "" : buildCacheKey(*files, kind, request.toolchain);
    if (cache.empty() || !restoreFromBuildCache(cache, key, request.outDir, *model, kind)) {
      if (!buildArtifact(request.outDir, *model, kind, request.toolchain, error, cache))
        return reportError("building the generated code failed: " + error);
      if (!cache.empty())
        storeInBuildCache(cache, key, request.outDir, *model, kind);
    }
  }
  if (nameOut)
    *nameOut = name;
  if (modelOut)
    *modelOut = *model;
  return 0;
}

bool takeThreadsFlag(std::vector<char *> &args, int64_t &threads, std::string &error) {
  std::vector<char *> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    llvm::StringRef arg = args[i];
    llvm::StringRef value;
    if (arg == "--threads" || arg == "-threads") {
      if (i + 1 == args.size()) {
        error = "--threads needs a value";
        return false;
      }
      value = args[++i];
    } else if (arg.consume_front("--threads=") || arg.consume_front("-threads=")) {
      value = arg;
    } else {
      rest.push_back(args[i]);
      continue;
    }
    if (value.getAsInteger(10, threads)) {
      error = "--threads must be a number, got '" + value.str() + "'";
      return false;
    }
  }
  args = rest;
  return true;
}

int compileCommand(int argc, char **argv) {
  cl::OptionCategory category("kiln compile options");
  cl::opt<std::string> model(cl::Positional, cl::desc("MODEL (.keras)"), cl::Required,
                             cl::cat(category));
  cl::opt<std::string> outDir("o", cl::desc("output folder"), cl::value_desc("DIR"),
                              cl::cat(category));
  cl::opt<Emit> emit(
      "emit", cl::desc("last stage to run"), cl::init(Emit::Cpp),
      cl::values(clEnumValN(Emit::Kiln, "kiln", "print the imported kiln IR"),
                 clEnumValN(Emit::KilnOpt, "kiln-opt", "print the optimized kiln IR"),
                 clEnumValN(Emit::EmitC, "emitc", "print the EmitC IR"),
                 clEnumValN(Emit::Cpp, "cpp", "write C++ sources and a CMakeLists.txt"),
                 clEnumValN(Emit::Obj, "obj", "also build DIR/NAME.o"),
                 clEnumValN(Emit::Lib, "lib", "also build DIR/libNAME.a"),
                 clEnumValN(Emit::Exe, "exe", "also build the executable DIR/NAME")),
      cl::cat(category));
  enum class ArenaKind { Static, Caller };
  cl::opt<ArenaKind> arena(
      "arena", cl::desc("where predict's working memory comes from"), cl::init(ArenaKind::Static),
      cl::values(clEnumValN(ArenaKind::Static, "static",
                            "a static arena when the caller passes nullptr (default)"),
                 clEnumValN(ArenaKind::Caller, "caller",
                            "always the caller's: no static arena in the binary")),
      cl::cat(category));
  cl::opt<std::string> name("name", cl::desc("C++ namespace and file names of the model"),
                            cl::cat(category));
  cl::opt<int64_t> batch("batch", cl::desc("samples per forward pass"), cl::init(1),
                         cl::cat(category));
  cl::opt<std::string> target(
      "target", cl::desc("cross-compile for this triple with TRIPLE-g++ (e.g. aarch64-linux-gnu)"),
      cl::value_desc("TRIPLE"), cl::cat(category));
  cl::list<std::string> outputs("outputs", cl::desc("expose these layers' outputs too"),
                                cl::CommaSeparated, cl::value_desc("LAYER,..."),
                                cl::cat(category));
  cl::list<std::string> inputShapes(
      "input-shape", cl::desc("fix an input's open (None) axes, batch axis excluded"),
      cl::value_desc("NAME=D1x...xDk"), cl::cat(category));
  cl::opt<std::string> cxxFlags("cxx-flags",
                                cl::desc(cxxFlagsHelp()),
                                cl::cat(category));
  cl::opt<bool> train("train",
                      cl::desc("also generate train_step and the NAME_train executable"),
                      cl::cat(category));
  TrainingFlags trainingFlags(category);
  cl::list<std::string> limits("limit", cl::desc("raise an import limit (kiln --help lists them)"),
                               cl::value_desc("NAME=N"), cl::cat(category));
  // --stats, --profile and --threads are read by hand: LLVM registers its
  // own options of these names, and two options may not share a name.
  bool stats = false, profile = false;
  std::vector<char *> args;
  for (int i = 0; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg == "--stats" || arg == "-stats")
      stats = true;
    else if (arg == "--profile" || arg == "-profile")
      profile = true;
    else
      args.push_back(argv[i]);
  }
  int64_t threads = 1;
  std::string error;
  if (!takeThreadsFlag(args, threads, error))
    return reportError(error);
  cl::HideUnrelatedOptions(category); // LLVM's and MLIR's own flags stay accepted, unlisted
  cl::ParseCommandLineOptions(int(args.size()), args.data(),
                              "kiln compile: compile a Keras model to C++\n"
                              "  --stats      print memory and weight statistics\n"
                              "  --profile    time every op (NAME::profile_read)\n"
                              "  --threads N  threads the generated kernels use (default 1)\n");

  CompileRequest request;
  request.modelPath = model;
  request.outDir = outDir;
  request.emit = emit;
  request.name = name;
  request.batch = batch;
  request.threads = threads;
  request.staticArena = arena == ArenaKind::Static;
  request.target = target;
  request.toolchain = toolchainFor(target);
  request.extraOutputs.assign(outputs.begin(), outputs.end());
  request.stats = stats;
  request.profile = profile;
  request.inputShapes.assign(inputShapes.begin(), inputShapes.end());
  request.limits.assign(limits.begin(), limits.end());
  request.training.enabled = train;
  trainingFlags.applyTo(request.training);
  if (!train && trainingFlags.given())
    return reportError("--loss, --optimizer, --learning-rate and --freeze need --train");
  applyCxxFlags(cxxFlags, request.toolchain);
  return compileModel(request);
}

} // namespace kiln::cli
