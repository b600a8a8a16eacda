#ifndef KILN_PIPELINE_PIPELINES_H
#define KILN_PIPELINE_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace kiln {

/// The default inference pipeline, from imported kiln IR to planned kiln IR
/// ready for -convert-kiln-to-emitc: cleanup, fusion, weight and memory plans.
void buildInferencePipeline(mlir::OpPassManager &pm);

/// The training pipeline (kiln compile --train): @train_step built beside
/// @forward, then the fusions that keep every trained weight as Keras
/// stores it (no folding, dedup or panel packing: the optimizer updates
/// the weights in place and predict reads the updated ones), and the plans.
void buildTrainingPipeline(mlir::OpPassManager &pm);

/// Registers `-kiln-inference-pipeline` and `-kiln-training-pipeline`.
void registerKilnPipelines();

} // namespace kiln

#endif
