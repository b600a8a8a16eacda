#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"

#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_FOLDBATCHNORM
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// The float values of a constant weight, if `v` loads one.
std::optional<std::vector<float>> constantValues(Value v, SymbolTable &symbols) {
  auto load = v ? v.getDefiningOp<ml_program::GlobalLoadConstOp>() : nullptr;
  auto global = load ? symbols.lookup<ml_program::GlobalOp>(load.getGlobal().getLeafReference())
                     : nullptr;
  if (!global || global.getIsMutable())
    return std::nullopt;
  Attribute value = global.getValueAttr();
  if (auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    std::vector<float> out(data.size() / sizeof(float));
    std::memcpy(out.data(), data.data(), out.size() * sizeof(float));
    return out;
  }
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(value)) {
    auto values = dense.getValues<float>();
    return std::vector<float>(values.begin(), values.end());
  }
  return std::nullopt;
}

/// A new constant weight global (a dense_resource blob), loaded before `at`.
Value newWeight(OpBuilder &b, Operation *at, ModuleOp module, SymbolTable &symbols,
                StringRef name, RankedTensorType type, ArrayRef<float> values) {
  OpBuilder moduleBuilder = OpBuilder::atBlockBegin(module.getBody());
  auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(values);
  auto global = ml_program::GlobalOp::create(
      moduleBuilder, at->getLoc(), name, type, /*is_mutable=*/false,
      DenseResourceElementsAttr::get(type, name, std::move(blob)),
      moduleBuilder.getStringAttr("private"));
  symbols.insert(global);
  b.setInsertionPoint(at);
  return ml_program::GlobalLoadConstOp::create(
      b, at->getLoc(), type, FlatSymbolRefAttr::get(global.getSymNameAttr()));
}

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
      auto kernel = constantValues(producer.getKernel(), symbols);
      auto mean = constantValues(norm.getMean(), symbols);
      auto variance = constantValues(norm.getVariance(), symbols);
      std::optional<std::vector<float>> gamma, beta, bias;
      if (norm.getGamma() && !(gamma = constantValues(norm.getGamma(), symbols)))
        continue;
      if (norm.getBeta() && !(beta = constantValues(norm.getBeta(), symbols)))
        continue;
      if (producer.getBias() && !(bias = constantValues(producer.getBias(), symbols)))
        continue;
      if (!kernel || !mean || !variance)
        continue;
      size_t channels = mean->size();
      std::vector<float> scale(channels), newBias(channels);
      float epsilon = norm.getEpsilon().convertToFloat();
      for (size_t f = 0; f < channels; ++f) {
        scale[f] = (gamma ? (*gamma)[f] : 1.0f) / std::sqrt((*variance)[f] + epsilon);
        newBias[f] = ((bias ? (*bias)[f] : 0.0f) - (*mean)[f]) * scale[f] +
                     (beta ? (*beta)[f] : 0.0f);
      }
      for (size_t i = 0; i < kernel->size(); ++i)
        (*kernel)[i] *= scale[i % channels];
      Operation *op = producer.getOperation();
      auto kernelType = cast<RankedTensorType>(producer.getKernel().getType());
      std::string base = "bn_folded";
      if (auto load = producer.getKernel().getDefiningOp<ml_program::GlobalLoadConstOp>())
        base = load.getGlobal().getLeafReference().str() + ".bn_folded";
      Value newKernel = newWeight(b, op, module, symbols, base, kernelType, *kernel);
      Value newBiasValue =
          newWeight(b, op, module, symbols, base + ".bias",
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
