#include "WeightConstants.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>
#include <cstring>

using namespace mlir;

namespace kiln {

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

std::string weightName(Value v, StringRef fallback) {
  if (auto load = v ? v.getDefiningOp<ml_program::GlobalLoadConstOp>() : nullptr)
    return load.getGlobal().getLeafReference().str();
  return fallback.str();
}

std::optional<ChannelAffine> batchNormAffine(BatchNormOp norm, SymbolTable &symbols) {
  auto mean = constantValues(norm.getMean(), symbols);
  auto variance = constantValues(norm.getVariance(), symbols);
  std::optional<std::vector<float>> gamma, beta;
  if (!mean || !variance || (norm.getGamma() && !(gamma = constantValues(norm.getGamma(), symbols))) ||
      (norm.getBeta() && !(beta = constantValues(norm.getBeta(), symbols))))
    return std::nullopt;
  const size_t channels = mean->size();
  const float epsilon = norm.getEpsilon().convertToFloat();
  ChannelAffine map{std::vector<float>(channels), std::vector<float>(channels)};
  for (size_t k = 0; k < channels; ++k) {
    const float inv = 1.0f / std::sqrt((*variance)[k] + epsilon);
    map.scale[k] = gamma ? (*gamma)[k] * inv : inv;
    map.shift[k] = (beta ? (*beta)[k] : 0.0f) - (*mean)[k] * map.scale[k];
  }
  return map;
}

} // namespace kiln
