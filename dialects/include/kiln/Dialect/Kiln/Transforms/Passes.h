#ifndef KILN_DIALECT_KILN_TRANSFORMS_PASSES_H
#define KILN_DIALECT_KILN_TRANSFORMS_PASSES_H

#include "kiln/Dialect/Kiln/IR/KilnDialect.h"
#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Pass/Pass.h"

namespace kiln {

#define GEN_PASS_DECL
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"

/// Output tiles a 3x3 convolution (kernel, strides, dilations as its op
/// has them) producing (n, oh, ow, f) from c channels should run as
/// Winograd F(4x4, 3x3) at a time, or 0 where that does not pay.
int64_t winogradTileBlock(llvm::ArrayRef<int64_t> kernel, llvm::ArrayRef<int64_t> strides,
                          llvm::ArrayRef<int64_t> dilations, int64_t n, int64_t oh, int64_t ow,
                          int64_t c, int64_t f);

/// Attribute names shared by the planning passes and the lowering.
namespace attr {
inline constexpr const char kArenaOffset[] = "kiln.arena_offset";
inline constexpr const char kOutputIndex[] = "kiln.output_index";
inline constexpr const char kScratchOffset[] = "kiln.scratch_offset";
inline constexpr const char kInPlace[] = "kiln.in_place";
inline constexpr const char kRowStride[] = "kiln.row_stride";
inline constexpr const char kWrittenInputs[] = "kiln.written_inputs";
/// On a weight global: stored as panels of this many columns.
inline constexpr const char kPanelWidth[] = "kiln.panel_width";
/// On a weight global (unit): stored transformed for Winograd F(4x4, 3x3);
/// on a Conv op reading it: the tile block, 4x4 output tiles per pass.
inline constexpr const char kWinograd[] = "kiln.winograd";
/// On a Conv op or a conv2d_grad_input of a trained kernel: run Winograd
/// F(4x4, 3x3) over the kernel transformed on every call, this many tiles
/// at a time.
inline constexpr const char kWinogradAtRunTime[] = "kiln.winograd_at_run_time";
/// On a Dense or Conv op: pack the kernel into scratch panels on every call.
inline constexpr const char kPackAtRunTime[] = "kiln.pack_at_run_time";
/// On a Dense or Conv op: read the row-major kernel, whose width is a
/// multiple of the panel width, as panels where it lies.
inline constexpr const char kPanelsInPlace[] = "kiln.panels_in_place";
inline constexpr const char kArenaBytes[] = "kiln.arena_bytes";
inline constexpr const char kLivenessLowerBound[] = "kiln.liveness_lower_bound_bytes";
inline constexpr const char kWeightOffset[] = "kiln.weight_offset";
inline constexpr const char kWeightBytes[] = "kiln.weight_bytes";
/// Keras name of a model input (function argument) or output (result).
inline constexpr const char kName[] = "kiln.name";
/// On the function: one {layers, flops} dictionary per profile slot.
inline constexpr const char kProfile[] = "kiln.profile";
/// On the module: losses and optimizer for -kiln-build-train-step.
inline constexpr const char kTraining[] = "kiln.training";
/// On a weight global: not trained (trainable: false, kiln compile --freeze).
inline constexpr const char kFrozen[] = "kiln.frozen";
/// On a weight global: its Keras regularizer, {l1, l2} (L1, L2, L1L2), or
/// the class name of one kiln cannot train with. Training adds its penalty.
inline constexpr const char kRegularizer[] = "kiln.regularizer";
/// On a @train_step / @evaluate result: the sum of the regularizers'
/// penalties, which the total loss includes.
inline constexpr const char kRegularizationResult[] = "kiln.regularization";
/// On a weight global: the key that sorts it into Keras's
/// model.trainable_variables order (training; see WeightCache::load).
inline constexpr const char kKerasOrder[] = "kiln.keras_order";
/// On a weight global: its dataset in the model's weights file (training).
inline constexpr const char kWeightPath[] = "kiln.weight_path";
/// On the module: bytes of persistent optimizer state (slots).
inline constexpr const char kStateBytes[] = "kiln.state_bytes";
/// Names of the functions of a training module.
inline constexpr const char kForwardFunc[] = "forward";
inline constexpr const char kTrainStepFunc[] = "train_step";
inline constexpr const char kEvaluateFunc[] = "evaluate";
} // namespace attr

/// Bytes of a weight of `type` stored as it is planned: panels of
/// kPanelWidth columns (zero padded) when `panels` is set.
inline int64_t storedWeightBytes(mlir::RankedTensorType type, bool panels) {
  int64_t bytes = type.getNumElements() * type.getElementTypeBitWidth() / 8;
  if (!panels || type.getRank() < 2)
    return bytes;
  int64_t n = type.getShape().back(), k = type.getNumElements() / n;
  return panelFloats(k, n) * type.getElementTypeBitWidth() / 8;
}

/// Bytes a weight global takes in the weight blob: a Winograd kernel as
/// 36 panel-packed (C x F) matrices, else as storedWeightBytes says.
inline int64_t storedGlobalBytes(mlir::ml_program::GlobalOp global) {
  auto type = mlir::cast<mlir::RankedTensorType>(global.getType());
  if (global->hasAttr(attr::kWinograd))
    return 4 * winogradKernelFloats(type.getDimSize(2), type.getDimSize(3));
  return storedWeightBytes(type, global->hasAttr(attr::kPanelWidth));
}

/// Whether panels cost at most 1.5 times the plain kernel: narrow layers
/// (a 3-unit Dense would take 16 columns) keep the plain layout.
inline bool worthPacking(mlir::RankedTensorType kernel) {
  return 2 * storedWeightBytes(kernel, true) <= 3 * storedWeightBytes(kernel, false);
}

/// Buffers in the arena and the weight blob start on this boundary, so
/// kernels may use aligned vector loads.
inline constexpr int64_t kBufferAlignment = 64;
inline int64_t alignBuffer(int64_t bytes) {
  return (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
}

} // namespace kiln

#endif
