// libFuzzer target: the whole import of a model file (.keras or .h5 by its
// first bytes), to kiln IR and its verifier. Any input must give a module or
// a one-line error.
#include "kiln/Import/KerasImporter.h"

#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  // A context keeps every attribute it ever made: start a fresh one now and
  // then, so long runs stay within libFuzzer's memory limit.
  static std::unique_ptr<mlir::MLIRContext> context;
  static int runs = 0;
  if (!context || ++runs % 500 == 0) {
    mlir::DialectRegistry registry;
    kiln::registerImportDialects(registry);
    context = std::make_unique<mlir::MLIRContext>(registry);
  }
  // The importer reads files; one per process, rewritten each run.
  static const std::string path = "/tmp/kiln-fuzz-" + std::to_string(getpid()) + ".keras";
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  kiln::ImportOptions options;
  options.limits.configBytes = 1 << 20;
  options.limits.tensorElements = 1 << 24;
  options.openAxisSize = 2;
  std::string error;
  mlir::OwningOpRef<mlir::ModuleOp> module = kiln::importKerasModel(*context, path, options, error);
  if (!module && error.find('\n') != std::string::npos)
    __builtin_trap(); // errors are one line
  return 0;
}
