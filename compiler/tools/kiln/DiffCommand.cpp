// kiln diff: run the compiled model with every layer's output exposed and
// compare each with Keras's own, naming the first layer that differs.
#include "Commands.h"

#include "kiln/Import/KerasImporter.h"
#include "kiln/rt/npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <fmt/format.h>
#include <zip.h>

#include <cmath>

namespace cl = llvm::cl;

namespace kiln::cli {
namespace {
const std::vector<std::pair<std::string, std::string>> kPythonHelpers = {
#include "PythonHelpers.inc"
};

/// A layer to compare: its name, class, and whether the model's first call
/// of it yields a float tensor kiln can expose.
struct Probe {
  std::string name, className;
};

/// The layers to compare, in the config's (topological) order: every called
/// layer but the inputs whose first output is a float tensor.
bool probesFor(const CompileRequest &request, std::vector<Probe> &probes, std::string &error) {
  mlir::DialectRegistry registry;
  registerImportDialects(registry);
  mlir::MLIRContext context(registry);
  ModelReport report;
  ImportOptions options;
  options.batch = request.batch;
  options.report = &report;
  if (!parseInputShapes(request.inputShapes, options.inputShapes, error) ||
      !parseLimits(request.limits, options, error))
    return false;
  std::vector<Probe> candidates;
  {
    // First pass: which layers are called at all.
    ImportWatchdog watchdog(request.modelPath, options.limits.importSeconds);
    auto module = importKerasModel(context, request.modelPath, options, error);
    if (!module)
      return false;
    for (const LayerReport &layer : report.layers)
      if (layer.className != "InputLayer" && !layer.outputShapes.empty())
        candidates.push_back({layer.name, layer.className});
  }
  for (const Probe &p : candidates)
    options.extraOutputs.push_back(p.name);
  options.report = nullptr;
  ImportWatchdog watchdog(request.modelPath, options.limits.importSeconds);
  auto module = importKerasModel(context, request.modelPath, options, error);
  if (!module)
    return false;
  auto funcs = module->getOps<mlir::func::FuncOp>();
  if (funcs.empty()) {
    error = request.modelPath + ": the import produced no function";
    return false;
  }
  mlir::FunctionType type = (*funcs.begin()).getFunctionType();
  size_t first = type.getNumResults() - candidates.size();
  for (size_t i = 0; i < candidates.size(); ++i)
    if (auto t = llvm::dyn_cast<mlir::RankedTensorType>(type.getResult(first + i));
        t && t.getElementType().isF32())
      probes.push_back(candidates[i]);
  return true;
}

/// Extracts every NAME.npy member of an .npz archive into `dir`.
bool extractNpz(const std::string &path, const std::string &dir, std::string &error) {
  int code = 0;
  zip_t *archive = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (!archive) {
    error = path + ": not a readable .npz (zip) file";
    return false;
  }
  bool ok = true;
  zip_int64_t n = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < n && ok; ++i) {
    std::string name = zip_get_name(archive, i, 0);
    zip_stat_t stat;
    if (name.find('/') != std::string::npos || name.rfind(".npy") + 4 != name.size() ||
        zip_stat_index(archive, i, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE))
      continue; // not an array of ours
    constexpr zip_uint64_t kMaxMember = zip_uint64_t(4) << 30;
    if (stat.size > kMaxMember) {
      error = path + ": member '" + name + "' is larger than 4 GiB";
      ok = false;
      break;
    }
    std::string bytes(stat.size, '\0');
    zip_file_t *file = zip_fopen_index(archive, i, 0);
    ok = file && zip_fread(file, bytes.data(), stat.size) == zip_int64_t(stat.size);
    if (file)
      zip_fclose(file);
    if (!ok) {
      error = path + ": cannot read member '" + name + "'";
      break;
    }
    std::error_code ec;
    llvm::raw_fd_ostream os(dir + "/" + name, ec);
    if (ec) {
      error = "cannot write '" + dir + "/" + name + "': " + ec.message();
      ok = false;
      break;
    }
    os << bytes;
  }
  zip_discard(archive);
  return ok;
}

/// Runs the embedded Keras helper: Keras's outputs of `probes` into `dir`.
bool kerasReference(const std::string &python, const std::string &model,
                    const std::vector<std::string> &inputs, const std::vector<Probe> &probes,
                    const std::string &scratch, const std::string &dir, std::string &error) {
  std::string script = scratch + "/keras_layer_outputs.py";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(script, ec);
    if (ec) {
      error = "cannot write '" + script + "': " + ec.message();
      return false;
    }
    os << kPythonHelpers.front().second;
  }
  std::vector<std::string> names;
  for (const Probe &p : probes)
    names.push_back(p.name);
  std::vector<std::string> command{python, script, model, dir, "--layers=" + llvm::join(names, ",")};
  for (const std::string &input : inputs)
    command.push_back("--input=" + input);
  int rc = runProgram(command, error);
  if (rc != 0) {
    if (error.empty())
      error = "computing Keras's layer outputs with " + python +
              " failed (exit " + std::to_string(rc) + "); it needs Keras 3 installed "
              "(--python PYTHON), or pass --reference FILE.npz";
    return false;
  }
  return true;
}

struct Comparison {
  bool present = false; // both sides have it with the same shape
  std::string note;     // why not
  double maxAbs = 0, maxRel = 0;
  std::string shape;
};

Comparison compare(const std::string &kilnPath, const std::string &kerasPath) {
  Comparison c;
  rt::NpyArray kiln, keras;
  std::string error;
  if (!rt::readNpy(kerasPath, keras, error)) {
    c.note = "no Keras reference";
    return c;
  }
  if (!rt::readNpy(kilnPath, kiln, error)) {
    c.note = "kiln wrote no output";
    return c;
  }
  auto shapeOf = [](const std::vector<int64_t> &s) {
    return "(" + llvm::join(llvm::map_range(s, [](int64_t d) { return std::to_string(d); }), ", ") +
           ")";
  };
  c.shape = shapeOf(keras.shape);
  if (kiln.shape != keras.shape) {
    c.note = "shape " + shapeOf(kiln.shape) + " vs Keras " + c.shape;
    return c;
  }
  c.present = true;
  for (size_t i = 0; i < kiln.data.size(); ++i) {
    double k = kiln.data[i], r = keras.data[i];
    double abs = std::fabs(k - r);
    if (std::isnan(k) != std::isnan(r) || std::isinf(k) != std::isinf(r))
      abs = INFINITY;
    else if (std::isnan(k) || (std::isinf(k) && k == r))
      abs = 0;
    c.maxAbs = std::max(c.maxAbs, abs);
    c.maxRel = std::max(c.maxRel, abs / std::max(1.0, std::fabs(r)));
  }
  return c;
}
} // namespace

int diffCommand(int argc, char **argv) {
  cl::OptionCategory category("kiln diff options");
  cl::opt<std::string> model(cl::Positional, cl::desc("MODEL (.keras or .h5)"), cl::Required,
                             cl::cat(category));
  cl::list<std::string> inputs("input", cl::desc("an input, by Keras name or in order"),
                               cl::value_desc("NAME=FILE.npy"), cl::OneOrMore, cl::cat(category));
  cl::opt<std::string> reference(
      "reference", cl::desc("Keras's layer outputs: an .npz or a folder of LAYER.npy files "
                            "(default: computed with --python)"),
      cl::value_desc("FILE.npz|DIR"), cl::cat(category));
  cl::opt<std::string> python("python",
                              cl::desc("Python with Keras 3 (default: $KILN_PYTHON or python3)"),
                              cl::cat(category));
  cl::opt<double> tolerance("tolerance",
                            cl::desc("largest |kiln - keras| / max(1, |keras|) (default 1e-4)"),
                            cl::init(1e-4), cl::cat(category));
  cl::opt<int64_t> batch("batch", cl::desc("samples per forward pass"), cl::init(1),
                         cl::cat(category));
  cl::list<std::string> inputShapes(
      "input-shape", cl::desc("fix an input's open (None) axes, batch axis excluded"),
      cl::value_desc("NAME=D1x...xDk"), cl::cat(category));
  cl::list<std::string> limits("limit", cl::desc("raise an import limit (kiln --help lists them)"),
                               cl::value_desc("NAME=N"), cl::cat(category));
  cl::HideUnrelatedOptions(category); // LLVM's and MLIR's own flags stay accepted, unlisted
  cl::ParseCommandLineOptions(
      argc, argv,
      "kiln diff: compare every layer's output with Keras's\n"
      "exit status: 0 when all layers are within tolerance, 2 when one is not, 1 on error\n");
  if (!(tolerance >= 0))
    return reportError("--tolerance must be a number >= 0");

  CompileRequest request;
  request.modelPath = model;
  request.batch = batch;
  request.emit = Emit::Exe;
  request.name = "model";
  request.inputShapes.assign(inputShapes.begin(), inputShapes.end());
  request.limits.assign(limits.begin(), limits.end());
  std::vector<Probe> probes;
  std::string error;
  if (!probesFor(request, probes, error))
    return reportError(error);
  if (probes.empty())
    return reportError(model + ": the model has no layer output to compare");

  TempDir work("kiln-diff");
  if (!work.ok())
    return reportError("cannot create a temporary folder");
  std::string keras = work.path() + "/keras", ours = work.path() + "/kiln";
  llvm::sys::fs::create_directories(keras);
  if (!reference.empty()) {
    if (llvm::sys::fs::is_directory(reference.getValue()))
      keras = reference;
    else if (!extractNpz(reference, keras, error))
      return reportError(error);
  } else {
    std::string py = python;
    if (py.empty())
      py = llvm::sys::Process::GetEnv("KILN_PYTHON").value_or("python3");
    std::vector<std::string> given(inputs.begin(), inputs.end());
    if (!kerasReference(py, model, given, probes, work.path(), keras, error))
      return reportError(error);
  }

  for (const Probe &p : probes)
    request.extraOutputs.push_back(p.name);
  request.outDir = work.path() + "/build";
  if (int rc = compileModel(request))
    return rc;
  std::vector<std::string> run{request.outDir + "/model"};
  for (const std::string &input : inputs)
    run.insert(run.end(), {"--input", input});
  run.insert(run.end(), {"--output-dir", ours});
  if (int rc = runProgram(run, error); rc != 0)
    return reportError(error.empty() ? "the compiled model failed (exit " + std::to_string(rc) + ")"
                                     : error);

  size_t labelWidth = 5;
  for (const Probe &p : probes)
    labelWidth = std::max(labelWidth, p.name.size() + p.className.size() + 3);
  auto row = [&](const std::string &label, const std::string &shape, const std::string &abs,
                 const std::string &rel, const std::string &status) {
    llvm::outs() << fmt::format("{:<{}}  {:<18} {:>10} {:>10}  {}\n", label, labelWidth, shape,
                                abs, rel, status);
  };
  row("layer", "shape", "max abs", "max rel", "");
  const Probe *firstBad = nullptr;
  size_t compared = 0;
  for (const Probe &p : probes) {
    Comparison c = compare(ours + "/" + p.name + ".npy", keras + "/" + p.name + ".npy");
    std::string label = p.name + " (" + p.className + ")";
    if (!c.present) {
      row(label, c.shape, "-", "-", c.note);
      if (c.note != "no Keras reference" && !firstBad)
        firstBad = &p;
      continue;
    }
    ++compared;
    bool bad = !(c.maxRel <= tolerance);
    if (bad && !firstBad)
      firstBad = &p;
    row(label, c.shape, fmt::format("{:.3g}", c.maxAbs), fmt::format("{:.3g}", c.maxRel),
        bad ? "EXCEEDS" : "ok");
  }
  if (firstBad) {
    llvm::outs() << fmt::format("first layer over tolerance {:g}: {} ({})\n", double(tolerance),
                                firstBad->name, firstBad->className);
    return 2;
  }
  if (!compared)
    return reportError("no layer had a Keras reference to compare with");
  llvm::outs() << fmt::format("all {} compared layers within tolerance {:g}\n", compared,
                              double(tolerance));
  return 0;
}

} // namespace kiln::cli
