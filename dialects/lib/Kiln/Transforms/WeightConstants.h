// Reading and creating constant weights, for passes that compute new ones.
#ifndef KILN_TRANSFORMS_WEIGHTCONSTANTS_H
#define KILN_TRANSFORMS_WEIGHTCONSTANTS_H

#include "kiln/Dialect/Kiln/IR/KilnOps.h"

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

/// An inference BatchNormalization as the per-channel map x * scale + shift.
struct ChannelAffine {
  std::vector<float> scale, shift;
};

/// `norm`'s map, computed in float as kiln::rt::batch_norm_f32 computes it,
/// so every pass that folds a normalization rounds the same way; none when
/// a statistic or parameter is not a constant weight.
std::optional<ChannelAffine> batchNormAffine(BatchNormOp norm, mlir::SymbolTable &symbols);

} // namespace kiln

#endif
