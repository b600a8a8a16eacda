// Imports a Keras model file (.keras archive) into the kiln dialect.
#ifndef KILN_IMPORT_KERASIMPORTER_H
#define KILN_IMPORT_KERASIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace kiln {

struct ImportOptions {
  /// Compile-time batch size: every input's leading axis.
  int64_t batch = 1;
  /// Layers whose outputs become extra model outputs (feature extraction).
  std::vector<std::string> extraOutputs;
};

/// Reads `path` and builds a module holding one `func.func @forward` whose
/// arguments and results carry their Keras names (`kiln.name`), and one
/// `ml_program.global` per weight. On failure returns null and sets `error`
/// to a one-line message `FILE: LAYER (CLASS): what was expected and found`.
mlir::OwningOpRef<mlir::ModuleOp> importKerasModel(mlir::MLIRContext &context,
                                                   const std::string &path,
                                                   const ImportOptions &options,
                                                   std::string &error);

/// Registers the dialects the importer produces.
void registerImportDialects(mlir::DialectRegistry &registry);

} // namespace kiln

#endif
