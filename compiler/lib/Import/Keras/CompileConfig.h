// Training settings from the model's compile_config and kiln's flags.
#ifndef KILN_IMPORT_KERAS_COMPILECONFIG_H
#define KILN_IMPORT_KERAS_COMPILECONFIG_H

#include "kiln/Import/KerasImporter.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/JSON.h"

namespace kiln::keras {

/// The `kiln.training` module attribute: one loss per output (compile_config
/// or --loss, with loss_weights) and the optimizer (compile_config or
/// --optimizer, --learning-rate). `root` is the saved model's JSON. Throws
/// ImportError naming what kiln cannot train with.
mlir::DictionaryAttr trainingAttr(mlir::MLIRContext *ctx, const llvm::json::Value *root,
                                  const std::vector<std::string> &outputNames,
                                  const TrainingOptions &options);

} // namespace kiln::keras

#endif
