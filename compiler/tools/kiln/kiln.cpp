// kiln: the ahead-of-time compiler for Keras models.
#include "Commands.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {
constexpr const char kUsage[] = R"(usage: kiln <command> [options]

commands:
  compile MODEL -o DIR [--emit=kiln|kiln-opt|emitc|cpp|obj|lib|exe] [--name NAME]
          [--batch N] [--input-shape NAME=D1x...xDk] [--outputs LAYER,...]
          [--cxx-flags FLAGS] [--stats] [--threads N] [--target=TRIPLE] [--profile]
          [--train [--loss NAME] [--optimizer NAME] [--learning-rate F]
          [--freeze LAYER,...]]
  run     MODEL --input NAME=FILE.npy ... --output-dir OUT [--batch N]
          [--input-shape NAME=D1x...xDk] [--threads N]
  summary MODEL [--json]
  plot    MODEL -o FILE.svg|.png|.dot [--show-shapes]
  bench   MODEL [--batch N] [--threads N] [--profile [--chart FILE.png]]
          [--input-shape NAME=D1x...xDk] [--min-time S]
  diff    MODEL --input NAME=FILE.npy ... [--reference FILE.npz]
          [--tolerance T] [--python PYTHON]
  train   MODEL --data DIR -o OUT.keras [--epochs E] [--batch-size B]
          [--shuffle|--no-shuffle] [--seed S] [--loss NAME] [--optimizer NAME]
          [--learning-rate F] [--freeze LAYER,...]

`kiln <command> --help` lists a command's options.
)";
} // namespace

namespace {
/// MLIR stops on an internal inconsistency (an op whose type cannot be
/// inferred, ...) with a fatal error. kiln has checked its input before
/// then, so this is a kiln bug: say so in kiln's one-line form and exit 1
/// instead of aborting with a stack dump. Nothing has been written yet:
/// files are written last, each through a rename.
void reportFatal(void *, const char *reason, bool) {
  llvm::errs() << "kiln: error: internal error: " << reason
               << " (please report this with the model file)\n";
  llvm::errs().flush();
  std::_Exit(1);
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::install_fatal_error_handler(reportFatal);
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    llvm::outs() << kUsage
                 << "\nEvery command that reads a model refuses files beyond these limits;\n"
                    "--limit NAME=N raises one:\n  "
                 << kiln::describeImportLimits(kiln::ImportLimits{}) << "\n";
    return argc < 2 ? 1 : 0;
  }
  // MLIR's own options (--mlir-print-ir-after-all, ...) work with every
  // command that compiles.
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  std::string command = argv[1];
  // Each command sees "kiln <command>" as its program name.
  std::string program = std::string("kiln ") + command;
  std::vector<char *> args{program.data()};
  args.insert(args.end(), argv + 2, argv + argc);
  int n = int(args.size());
  if (command == "compile")
    return kiln::cli::compileCommand(n, args.data());
  if (command == "run")
    return kiln::cli::runCommand(n, args.data());
  if (command == "summary")
    return kiln::cli::summaryCommand(n, args.data());
  if (command == "plot")
    return kiln::cli::plotCommand(n, args.data());
  if (command == "bench")
    return kiln::cli::benchCommand(n, args.data());
  if (command == "train")
    return kiln::cli::trainCommand(n, args.data());
  if (command == "diff")
    return kiln::cli::diffCommand(n, args.data());
  return kiln::cli::reportError("unknown command '" + command + "'; run `kiln --help`");
}
