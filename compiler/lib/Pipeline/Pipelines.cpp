#include "kiln/Pipeline/Pipelines.h"

#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace kiln {

void buildInferencePipeline(mlir::OpPassManager &pm) {
  pm.nest<mlir::func::FuncOp>().addPass(createDropInferenceNoOps());
  pm.addPass(createFoldConstants());
  pm.addPass(createFoldBatchNorm());
  pm.addPass(createBatchNormToAffine());
  // Equal weights first, so CSE sees identical subgraphs as identical.
  pm.addPass(createDedupWeights());
  mlir::OpPassManager &func = pm.nest<mlir::func::FuncOp>();
  func.addPass(mlir::createCSEPass());
  func.addPass(createFoldPadIntoConv());
  // After the pads are in the convolutions, which decide what is exact.
  pm.addPass(createFoldInputAffine());
  mlir::OpPassManager &fuse = pm.nest<mlir::func::FuncOp>();
  // The residual joins before the activation that follows the add.
  fuse.addPass(createFuseResidualAdd());
  fuse.addPass(createFuseActivation());
  fuse.addPass(createFuseElementwise());
  fuse.addPass(mlir::createCanonicalizerPass());
  pm.addPass(createSelectWinograd());
  pm.addPass(createPrepackWeights());
  pm.addPass(createPlanWeights());
  pm.nest<mlir::func::FuncOp>().addPass(createPlanMemory());
}

void buildTrainingPipeline(mlir::OpPassManager &pm) {
  pm.addPass(createBuildTrainStep());
  mlir::OpPassManager &func = pm.nest<mlir::func::FuncOp>();
  func.addPass(createDropInferenceNoOps());
  func.addPass(mlir::createCSEPass());
  func.addPass(createFuseResidualAdd());
  func.addPass(createFuseActivation());
  func.addPass(createFuseElementwise());
  func.addPass(mlir::createCanonicalizerPass());
  func.addPass(createSaveRnnStates());
  pm.addPass(createWinogradAtRunTime());
  pm.addPass(createPackAtRunTime());
  pm.addPass(createPlanWeights());
  pm.nest<mlir::func::FuncOp>().addPass(createPlanMemory());
}

void registerKilnPipelines() {
  mlir::PassPipelineRegistration<>("kiln-inference-pipeline",
                                   "kiln's default inference pipeline",
                                   buildInferencePipeline);
  mlir::PassPipelineRegistration<>("kiln-training-pipeline",
                                   "kiln's training pipeline (kiln compile --train)",
                                   buildTrainingPipeline);
}

} // namespace kiln
