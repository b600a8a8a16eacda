// kiln train: compile a model with --train, fit it on .npy files one epoch
// at a time (each epoch checkpointed, so an interrupted run resumes), and
// write the trained model as a .keras file Keras loads.
#include "Commands.h"
#include "OptimizerExport.h"
#include "SharedFlags.h"

#include "kiln/Import/KerasWriter.h"
#include "kiln/rt/npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;

namespace kiln::cli {
namespace {
/// What a checkpoint must agree with to be resumed: the model file, the
/// data folder and every setting that changes the trajectory.
std::string runFingerprint(const std::string &model, const std::string &data,
                           const std::vector<std::string> &settings) {
  std::string s = "model " + model;
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(model, status))
    s += " " + std::to_string(status.getSize()) + "@" +
         std::to_string(status.getLastModificationTime().time_since_epoch().count());
  s += "\ndata " + data + "\n";
  for (const std::string &setting : settings)
    s += setting + "\n";
  return s;
}

std::string readText(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  return buffer ? (*buffer)->getBuffer().str() : std::string();
}

bool writeTextAtomically(const std::string &path, const std::string &text) {
  std::error_code ec;
  {
    llvm::raw_fd_ostream os(path + ".tmp", ec);
    if (ec)
      return false;
    os << text;
  }
  return !llvm::sys::fs::rename(path + ".tmp", path);
}

/// The trained weights a run wrote to DIR/weights, keyed by their dataset
/// in the model's weights file.
bool trainedValues(const std::string &dir, const ModelInterface &model,
                   std::map<std::string, DatasetUpdate> &values, std::string &error) {
  for (const WeightInterface &weight : model.weights) {
    if (!weight.trainable)
      continue;
    if (weight.path.empty()) {
      error = "weight '" + weight.name + "' does not come from the weights file";
      return false;
    }
    rt::NpyArray array;
    if (!rt::readNpy(dir + "/weights/" + weight.name + ".npy", array, error))
      return false;
    values[weight.path] = {std::move(array.data), {}};
  }
  return true;
}
} // namespace

int trainCommand(int argc, char **argv) {
  cl::OptionCategory category("kiln train options");
  cl::opt<std::string> model(cl::Positional, cl::desc("MODEL (.keras, compiled in Keras or "
                                                      "given --loss and --optimizer)"),
                             cl::Required, cl::cat(category));
  cl::opt<std::string> data("data", cl::desc("folder of INPUT_NAME.npy and OUTPUT_NAME.npy"),
                            cl::Required, cl::value_desc("DIR"), cl::cat(category));
  cl::opt<std::string> out("o", cl::desc("the trained model"), cl::Required,
                           cl::value_desc("OUT.keras"), cl::cat(category));
  cl::opt<int64_t> epochs("epochs", cl::desc("passes over the data"), cl::init(1),
                          cl::cat(category));
  cl::opt<int64_t> batchSize("batch-size", cl::desc("samples per step (Keras's default 32)"),
                             cl::init(32), cl::cat(category));
  cl::opt<bool> noShuffle("no-shuffle", cl::desc("visit the samples in file order"),
                          cl::cat(category));
  cl::opt<bool> shuffle("shuffle", cl::desc("shuffle the samples every epoch (default)"),
                        cl::cat(category));
  cl::opt<uint64_t> seed("seed", cl::desc("seed of the shuffling"), cl::init(0),
                         cl::cat(category));
  TrainingFlags trainingFlags(category);
  cl::opt<std::string> cxxFlags("cxx-flags", cl::desc("flags for the C++ compiler"),
                                cl::cat(category));
  cl::list<std::string> limits("limit", cl::desc("raise an import limit (kiln --help lists them)"),
                               cl::value_desc("NAME=N"), cl::cat(category));
  cl::opt<double> validationSplit(
      "validation-split",
      cl::desc("hold out the last fraction F of the samples and evaluate them after every epoch "
               "(as Keras's fit)"),
      cl::value_desc("F"), cl::init(0.0), cl::cat(category));
  cl::opt<std::string> validationData(
      "validation-data",
      cl::desc("evaluate the samples of this folder (named as --data's) after every epoch; "
               "overrides --validation-split, as Keras's fit"),
      cl::value_desc("DIR"), cl::cat(category));
  cl::HideUnrelatedOptions(category); // LLVM's and MLIR's own flags stay accepted, unlisted
  cl::ParseCommandLineOptions(argc, argv, "kiln train: fit a Keras model with generated code\n");

  if (!llvm::StringRef(model.getValue()).ends_with(".keras"))
    return reportError(model + ": kiln train reads and writes .keras archives (Keras 3)");
  if (!llvm::StringRef(out.getValue()).ends_with(".keras"))
    return reportError("-o must name a .keras file, got '" + out + "'");
  if (epochs < 1)
    return reportError("--epochs must be at least 1");
  if (shuffle && noShuffle)
    return reportError("--shuffle and --no-shuffle contradict each other");
  if (!(validationSplit >= 0.0 && validationSplit < 1.0))
    return reportError("--validation-split must be in [0, 1), got " +
                       std::to_string(validationSplit));
  if (!llvm::sys::fs::is_directory(data))
    return reportError("--data: '" + data + "' is not a folder");
  if (!validationData.empty() && !llvm::sys::fs::is_directory(validationData))
    return reportError("--validation-data: '" + validationData + "' is not a folder");
  if (!validationData.empty() && validationSplit > 0.0)
    llvm::errs() << "kiln train: note: --validation-data overrides --validation-split\n";

  CompileRequest request;
  request.modelPath = model;
  request.batch = batchSize;
  request.emit = Emit::Exe;
  request.name = "model";
  request.limits.assign(limits.begin(), limits.end());
  request.training.enabled = true;
  trainingFlags.applyTo(request.training);
  applyCxxFlags(cxxFlags, request.toolchain);

  // OUT.keras.kiln-train/ holds the build and the last finished epoch's
  // checkpoint; it goes away when the run completes.
  llvm::SmallString<256> absData(data.getValue()), absModel(model.getValue()),
      absValidation(validationData.getValue());
  llvm::sys::fs::make_absolute(absData);
  llvm::sys::fs::make_absolute(absModel);
  if (!validationData.empty())
    llvm::sys::fs::make_absolute(absValidation);
  std::string work = out + ".kiln-train";
  std::string fingerprint = runFingerprint(
      absModel.str().str(), absData.str().str(),
      {"batch " + std::to_string(batchSize), "loss " + request.training.loss,
       "optimizer " + request.training.optimizer,
       "learning-rate " + (request.training.learningRate
                               ? std::to_string(*request.training.learningRate)
                               : std::string()),
       "freeze " + llvm::join(request.training.freeze, ","),
       "shuffle " + std::string(noShuffle ? "no" : "yes"), "seed " + std::to_string(seed),
       "validation-split " + std::to_string(validationSplit),
       "validation-data " + (validationData.empty() ? std::string() : absValidation.str().str())});
  int64_t done = 0;
  std::string checkpoint = work + "/checkpoint";
  if (readText(work + "/run.txt") == fingerprint &&
      llvm::sys::fs::exists(checkpoint + "/optimizer.bin")) {
    llvm::StringRef(readText(work + "/epochs.txt")).trim().getAsInteger(10, done);
    if (done >= epochs)
      done = 0;
    else if (done > 0)
      llvm::outs() << "kiln train: resuming after epoch " << done << " (" << work << ")\n";
  }
  if (done == 0) {
    llvm::sys::fs::remove_directories(work);
    if (llvm::sys::fs::create_directories(work) ||
        !writeTextAtomically(work + "/run.txt", fingerprint))
      return reportError("cannot create '" + work + "'");
  }

  ModelInterface interface;
  request.outDir = work + "/build";
  if (int rc = compileModel(request, nullptr, &interface))
    return rc;
  std::string trainer = request.outDir + "/model_train";
  ImportOptions importOptions;
  std::string error;
  if (!parseLimits(request.limits, importOptions, error))
    return reportError(error);

  // Keras rebuilds the optimizer of the compile_config when it loads the
  // model; its state is written only when kiln trained with that optimizer,
  // on the same variables.
  const bool exportOptimizer = request.training.optimizer.empty() &&
                               !request.training.learningRate &&
                               request.training.freeze.empty();
  if (!exportOptimizer)
    llvm::errs() << "kiln train: note: --optimizer, --learning-rate and --freeze differ from "
                    "the model's compile_config, so "
                 << out << " keeps the model's own optimizer state\n";
  for (int64_t epoch = done + 1; epoch <= epochs; ++epoch) {
    std::string next = work + "/next";
    llvm::sys::fs::remove_directories(next);
    std::vector<std::string> args{trainer, "--data", absData.str().str(), "--out", next,
                                  "--epochs", "1", "--first-epoch", std::to_string(epoch),
                                  "--total-epochs", std::to_string(epochs)};
    if (!noShuffle)
      args.insert(args.end(), {"--shuffle-seed", std::to_string(seed)});
    if (!validationData.empty()) {
      args.insert(args.end(), {"--validation-data", absValidation.str().str()});
    } else if (validationSplit > 0.0) {
      // Printed to round-trip exactly: the split must be Keras's.
      char split[32];
      std::snprintf(split, sizeof split, "%.17g", double(validationSplit));
      args.insert(args.end(), {"--validation-split", split});
    }
    if (epoch > 1)
      args.insert(args.end(), {"--load", checkpoint});
    llvm::SmallVector<llvm::StringRef> argRefs(args.begin(), args.end());
    std::string message;
    int rc = llvm::sys::ExecuteAndWait(trainer, argRefs, std::nullopt, {}, 0, 0, &message);
    if (rc != 0)
      return reportError("training failed in epoch " + std::to_string(epoch) +
                         (message.empty() ? "" : ": " + message));
    // The finished epoch replaces the checkpoint in one rename, then the
    // count; an interruption in between redoes at most this epoch.
    std::string previous = work + "/previous";
    llvm::sys::fs::remove_directories(previous);
    if ((llvm::sys::fs::exists(checkpoint) && llvm::sys::fs::rename(checkpoint, previous)) ||
        llvm::sys::fs::rename(next, checkpoint) ||
        !writeTextAtomically(work + "/epochs.txt", std::to_string(epoch)))
      return reportError("cannot update the checkpoint in '" + work + "'");
    llvm::sys::fs::remove_directories(previous);

    WeightsUpdate update;
    if (!trainedValues(checkpoint, interface, update.datasets, error) ||
        (exportOptimizer && !addKerasOptimizerState(checkpoint, interface, update, error)) ||
        !writeTrainedKerasModel(model, update, out, importOptions.limits, error))
      return reportError(error);
    // For tests of resuming: stop as an interruption after this epoch would.
    if (auto stop = llvm::sys::Process::GetEnv("KILN_TRAIN_INTERRUPT_AFTER_EPOCH");
        stop && *stop == std::to_string(epoch)) {
      llvm::errs() << "kiln train: interrupted after epoch " << epoch << "\n";
      return 130;
    }
  }
  llvm::outs() << "kiln train: wrote " << out << "\n";
  llvm::sys::fs::remove_directories(work);
  return 0;
}

} // namespace kiln::cli
