#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"
#include "WeightConstants.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_FOLDBATCHNORM
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct FoldBatchNormPass : kiln::impl::FoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    OpBuilder b(&getContext());
    SmallVector<kiln::BatchNormOp> norms;
    module.walk([&](kiln::BatchNormOp op) { norms.push_back(op); });
    for (kiln::BatchNormOp norm : norms) {
      auto producer = norm.getInput().getDefiningOp<kiln::ChannelLinearOpInterface>();
      auto fusion = norm.getInput().getDefiningOp<kiln::ActivationFusionOpInterface>();
      auto type = norm.getInput().getType();
      if (!producer || !norm.getInput().hasOneUse() || norm.getAxis() != type.getRank() - 1 ||
          (fusion && fusion.getFusedActivation() != kiln::ActivationKind::linear))
        continue;
      auto kernel = kiln::constantValues(producer.getKernel(), symbols);
      std::optional<kiln::ChannelAffine> map = kiln::batchNormAffine(norm, symbols);
      std::optional<std::vector<float>> bias;
      if (producer.getBias() && !(bias = kiln::constantValues(producer.getBias(), symbols)))
        continue;
      if (!kernel || !map)
        continue;
      // (x·k + b)·s + t = x·(k s) + (b s + t).
      const std::vector<float> &scale = map->scale;
      size_t channels = scale.size();
      std::vector<float> newBias(channels);
      for (size_t f = 0; f < channels; ++f)
        newBias[f] = (bias ? (*bias)[f] : 0.0f) * scale[f] + map->shift[f];
      for (size_t i = 0; i < kernel->size(); ++i)
        (*kernel)[i] *= scale[i % channels];
      Operation *op = producer.getOperation();
      auto kernelType = cast<RankedTensorType>(producer.getKernel().getType());
      std::string base = kiln::weightName(producer.getKernel(), "kernel") + ".bn_folded";
      Value newKernel = kiln::newWeight(b, op, module, symbols, base, kernelType, *kernel);
      Value newBiasValue =
          kiln::newWeight(b, op, module, symbols, base + ".bias",
                    RankedTensorType::get({int64_t(channels)}, kernelType.getElementType()),
                    newBias);
      producer.setKernelAndBias(newKernel, newBiasValue);
      // The producer now computes what the normalization did.
      op->setLoc(b.getFusedLoc({op->getLoc(), norm.getLoc()}));
      norm.getResult().replaceAllUsesWith(norm.getInput());
      norm.erase();
    }
  }
};
} // namespace
