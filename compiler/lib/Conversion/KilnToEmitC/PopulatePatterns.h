// Shared between the files of the kiln → EmitC conversion.
#ifndef KILN_CONVERSION_KILNTOEMITC_POPULATEPATTERNS_H
#define KILN_CONVERSION_KILNTOEMITC_POPULATEPATTERNS_H

#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln {

/// Where a lowered op finds its buffers: the converted function's outputs,
/// arena, and the weight blob symbol.
struct BufferContext {
  std::string weightsSymbol;
};

/// Pointer to result `index` of `op`: into the arena or the caller's output,
/// as planned by -kiln-plan-memory.
mlir::FailureOr<mlir::Value> getResultBuffer(mlir::Operation *op, unsigned index,
                                             mlir::ConversionPatternRewriter &rewriter);
/// Byte offset of weight global `weight` in the blob (-kiln-plan-weights);
/// an error on `op` when it has none.
mlir::FailureOr<int64_t> weightOffset(mlir::Operation *op, mlir::SymbolRefAttr weight);
/// Pointer to the scratch memory planned for `op`.
mlir::FailureOr<mlir::Value> getScratchBuffer(mlir::Operation *op,
                                              mlir::ConversionPatternRewriter &rewriter);

/// Emits `callee<templateArgs>(args...)`; `args` mixes operand indices
/// (IndexAttr) and literal attributes.
void emitKernelCall(mlir::ConversionPatternRewriter &rewriter, mlir::Location loc,
                    llvm::StringRef callee, mlir::ValueRange operands,
                    llvm::ArrayRef<mlir::Attribute> args,
                    llvm::ArrayRef<mlir::Attribute> templateArgs = {});

/// Patterns for the kiln ops that become runtime kernel calls.
void populateKernelCallPatterns(mlir::RewritePatternSet &patterns);
/// Convolution, pooling, normalization, padding and resizing.
void populateConvPatterns(mlir::RewritePatternSet &patterns);
/// Token ids, masks and recurrent layers.
void populateSequencePatterns(mlir::RewritePatternSet &patterns);
/// Losses, backward kernels and optimizer steps (kiln compile --train);
/// optimizer steps update weights in the blob named `weightsSymbol`.
void populateTrainingPatterns(mlir::RewritePatternSet &patterns,
                              const std::string &weightsSymbol);

} // namespace kiln

#endif
