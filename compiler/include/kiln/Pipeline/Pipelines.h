#ifndef KILN_PIPELINE_PIPELINES_H
#define KILN_PIPELINE_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace kiln {

/// The default inference pipeline, from imported kiln IR to planned kiln IR
/// ready for -convert-kiln-to-emitc: cleanup, fusion, weight and memory plans.
void buildInferencePipeline(mlir::OpPassManager &pm);

/// Registers `-kiln-inference-pipeline` for kiln-opt.
void registerKilnPipelines();

} // namespace kiln

#endif
