#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"
#include "WeightConstants.h"

#include <cmath>

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
      auto mean = kiln::constantValues(norm.getMean(), symbols);
      auto variance = kiln::constantValues(norm.getVariance(), symbols);
      std::optional<std::vector<float>> gamma, beta;
      if (!mean || !variance || (norm.getGamma() && !(gamma = kiln::constantValues(norm.getGamma(), symbols))) ||
          (norm.getBeta() && !(beta = kiln::constantValues(norm.getBeta(), symbols))))
        continue;
      // The same float arithmetic as kiln::rt::batch_norm_f32.
      size_t channels = mean->size();
      float epsilon = norm.getEpsilon().convertToFloat();
      std::vector<float> scale(channels), shift(channels);
      for (size_t k = 0; k < channels; ++k) {
        const float inv = 1.0f / std::sqrt((*variance)[k] + epsilon);
        scale[k] = gamma ? (*gamma)[k] * inv : inv;
        shift[k] = (beta ? (*beta)[k] : 0.0f) - (*mean)[k] * scale[k];
      }
      RankedTensorType type = norm.getType();
      SmallVector<int64_t> shape(type.getRank(), 1);
      shape[norm.getAxis()] = int64_t(channels);
      auto constType = RankedTensorType::get(shape, type.getElementType());
      std::string base = kiln::weightName(norm.getMean(), "batch_norm");
      Value s = kiln::newWeight(b, norm, module, symbols, base + ".scale", constType, scale);
      Value t = kiln::newWeight(b, norm, module, symbols, base + ".shift", constType, shift);
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
