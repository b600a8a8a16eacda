// Reading and creating constant weights, for passes that compute new ones.
#ifndef KILN_TRANSFORMS_WEIGHTCONSTANTS_H
#define KILN_TRANSFORMS_WEIGHTCONSTANTS_H

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include <optional>
#include <vector>

namespace kiln {

/// The float values of a constant weight, if `v` loads one.
std::optional<std::vector<float>> constantValues(mlir::Value v, mlir::SymbolTable &symbols);

/// A new constant weight global (a dense_resource blob) named after `name`
/// (made unique), loaded just before `at`.
mlir::Value newWeight(mlir::OpBuilder &b, mlir::Operation *at, mlir::ModuleOp module,
                      mlir::SymbolTable &symbols, llvm::StringRef name,
                      mlir::RankedTensorType type, llvm::ArrayRef<float> values);

/// The name of the weight `v` loads, or `fallback`.
std::string weightName(mlir::Value v, llvm::StringRef fallback);

} // namespace kiln

#endif
