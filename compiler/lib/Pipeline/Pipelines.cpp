#include "kiln/Pipeline/Pipelines.h"

#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace kiln {

void buildInferencePipeline(mlir::OpPassManager &pm) {
  pm.nest<mlir::func::FuncOp>().addPass(createDropInferenceNoOps());
  pm.addPass(createFoldBatchNorm());
  mlir::OpPassManager &func = pm.nest<mlir::func::FuncOp>();
  func.addPass(createFuseActivation());
  func.addPass(mlir::createCanonicalizerPass());
  func.addPass(mlir::createCSEPass());
  pm.addPass(createPlanWeights());
  pm.nest<mlir::func::FuncOp>().addPass(createPlanMemory());
}

void registerKilnPipelines() {
  mlir::PassPipelineRegistration<>("kiln-inference-pipeline",
                                   "kiln's default inference pipeline",
                                   buildInferencePipeline);
}

} // namespace kiln
