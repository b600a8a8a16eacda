#ifndef KILN_DIALECT_KILN_IR_KILNOPS_H
#define KILN_DIALECT_KILN_IR_KILNOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "kiln/Dialect/Kiln/IR/KilnDialect.h"
#include "kiln/Dialect/Kiln/IR/KilnEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "kiln/Dialect/Kiln/IR/KilnAttrs.h.inc"

#include "kiln/Dialect/Kiln/IR/KilnInterfaces.h.inc"

#define GET_OP_CLASSES
#include "kiln/Dialect/Kiln/IR/KilnOps.h.inc"

namespace kiln {

/// Columns per weight panel; kiln::rt::kPanel in the runtime.
inline constexpr int64_t kPanelWidth = 16;

/// Floats a (k x n) matrix takes in panels of kPanelWidth columns, zero
/// padded (kiln::rt::packed_floats).
inline constexpr int64_t panelFloats(int64_t k, int64_t n) {
  return k * ((n + kPanelWidth - 1) / kPanelWidth * kPanelWidth);
}

/// Winograd F(4x4, 3x3) (kiln::rt::winograd_f43_kernel_floats and
/// winograd_f43_scratch_floats): a (3, 3, c, f) kernel as 36 packed
/// (c x f) matrices, and the scratch for tileBlock tiles at a time.
inline constexpr int64_t winogradKernelFloats(int64_t c, int64_t f) {
  return 36 * panelFloats(c, f);
}
/// Each point's rows start an odd number of 64-byte lines after the last
/// (kiln::rt::winograd_point_stride).
inline constexpr int64_t winogradPointStride(int64_t floats) {
  return ((floats + 15) / 16 | 1) * 16;
}
inline constexpr int64_t winogradScratchFloats(int64_t tileBlock, int64_t c, int64_t f) {
  return 36 * (winogradPointStride(tileBlock * c) + winogradPointStride(tileBlock * f));
}
/// Both, for a kernel transformed on every call (winograd_f43_hwio_scratch_floats).
inline constexpr int64_t winogradAtRunTimeScratchFloats(int64_t tileBlock, int64_t c, int64_t f) {
  return winogradKernelFloats(c, f) + winogradScratchFloats(tileBlock, c, f);
}

namespace attr {
/// On an op: the operands it reads stored as panels (-kiln-prepack-weights).
inline constexpr const char kPanelOperands[] = "kiln.panel_operands";
} // namespace attr

/// Whether `op` reads operand `index` stored as panels.
bool readsPanels(mlir::Operation *op, unsigned index);

/// Row-major strides of a shape, in elements.
llvm::SmallVector<int64_t> rowMajorStrides(llvm::ArrayRef<int64_t> shape);

/// How elementwise kernels walk a result and its broadcast operands: the
/// result's axes, with runs of axes that every operand walks contiguously
/// (or broadcasts jointly) merged into one, and per operand the element
/// stride along each remaining axis (0 where it is broadcast).
struct BroadcastIteration {
  llvm::SmallVector<int64_t> dims;
  llvm::SmallVector<llvm::SmallVector<int64_t>> strides;
};
BroadcastIteration collapseBroadcast(llvm::ArrayRef<mlir::RankedTensorType> operands,
                                     mlir::RankedTensorType result);

} // namespace kiln

#endif
