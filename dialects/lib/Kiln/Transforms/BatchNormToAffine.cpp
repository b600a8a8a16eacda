#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"
#include "WeightConstants.h"

namespace kiln {
#define GEN_PASS_DEF_BATCHNORMTOAFFINE
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct BatchNormToAffinePass : kiln::impl::BatchNormToAffineBase<BatchNormToAffinePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    OpBuilder b(&getContext());
    SmallVector<kiln::BatchNormOp> norms;
    module.walk([&](kiln::BatchNormOp op) { norms.push_back(op); });
    for (kiln::BatchNormOp norm : norms) {
      std::optional<kiln::ChannelAffine> map = kiln::batchNormAffine(norm, symbols);
      if (!map)
        continue;
      const int64_t channels = int64_t(map->scale.size());
      RankedTensorType type = norm.getType();
      SmallVector<int64_t> shape(type.getRank(), 1);
      shape[norm.getAxis()] = channels;
      auto constType = RankedTensorType::get(shape, type.getElementType());
      std::string base = kiln::weightName(norm.getMean(), "batch_norm");
      Value s = kiln::newWeight(b, norm, module, symbols, base + ".scale", constType, map->scale);
      Value t = kiln::newWeight(b, norm, module, symbols, base + ".shift", constType, map->shift);
      b.setInsertionPoint(norm);
      Value scaled = kiln::BinaryOp::create(b, norm.getLoc(), norm.getInput(), s,
                                            kiln::BinaryKind::mul);
      Value shifted = kiln::BinaryOp::create(b, norm.getLoc(), scaled, t, kiln::BinaryKind::add);
      norm.getResult().replaceAllUsesWith(shifted);
      norm.erase();
    }
  }
};
} // namespace
