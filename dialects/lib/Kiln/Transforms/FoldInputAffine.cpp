// Folds a per-channel affine map of a Dense or Conv's input (Rescaling,
// Normalization) into the op's kernel and bias.
#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"
#include "WeightConstants.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_FOLDINPUTAFFINE
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// y = x * scale[c] + shift[c] along the last axis.
struct ChannelAffine {
  std::vector<double> scale, shift;
  bool hasShift() const {
    return llvm::any_of(shift, [](double t) { return t != 0.0; });
  }
};

/// The per-channel values of a constant that broadcasts along the last axis
/// only (shape 1 x ... x 1 x C, or all ones), expanded to `channels`.
std::optional<std::vector<double>> channelValues(Value v, int64_t channels,
                                                 SymbolTable &symbols) {
  auto type = cast<RankedTensorType>(v.getType());
  ArrayRef<int64_t> shape = type.getShape();
  for (int64_t d = 0; d + 1 < type.getRank(); ++d)
    if (shape[d] != 1)
      return std::nullopt;
  int64_t last = type.getRank() ? shape.back() : 1;
  if (last != 1 && last != channels)
    return std::nullopt;
  auto values = kiln::constantValues(v, symbols);
  if (!values)
    return std::nullopt;
  std::vector<double> out(channels);
  for (int64_t c = 0; c < channels; ++c)
    out[c] = (*values)[last == 1 ? 0 : c];
  return out;
}

/// `op` as `v -> v * a + b` per channel, where `v` is its non-constant
/// operand (returned), or null if it is not such a map of its operand's type.
Value asAffine(kiln::BinaryOp op, int64_t channels, SymbolTable &symbols,
               std::vector<double> &a, std::vector<double> &b) {
  for (unsigned side = 0; side < 2; ++side) {
    Value v = op->getOperand(side), c = op->getOperand(1 - side);
    if (v.getType() != op.getType())
      continue;
    auto k = channelValues(c, channels, symbols);
    if (!k)
      continue;
    a.assign(channels, 1.0);
    b.assign(channels, 0.0);
    for (int64_t i = 0; i < channels; ++i) {
      double ki = (*k)[i];
      switch (op.getKind()) {
      case kiln::BinaryKind::add: b[i] = ki; break;
      case kiln::BinaryKind::sub:
        if (side == 0)
          b[i] = -ki;
        else
          a[i] = -1.0, b[i] = ki;
        break;
      case kiln::BinaryKind::mul: a[i] = ki; break;
      case kiln::BinaryKind::div:
        if (side == 1)
          return nullptr; // c / v is not affine in v
        a[i] = 1.0 / ki;
        break;
      default: return nullptr;
      }
    }
    return v;
  }
  return nullptr;
}

struct FoldInputAffinePass : kiln::impl::FoldInputAffineBase<FoldInputAffinePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<kiln::ChannelLinearOpInterface> consumers;
    module.walk([&](kiln::ChannelLinearOpInterface op) { consumers.push_back(op); });
    for (kiln::ChannelLinearOpInterface op : consumers)
      fold(op, module, symbols);
  }

  void fold(kiln::ChannelLinearOpInterface op, ModuleOp module, SymbolTable &symbols) {
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    int64_t channels = inputType.getShape().back();
    // Walk up the chain of affine maps, composing `affine` = the maps from
    // the current value down to `op`. With zero padding, only a map without
    // shift is exact (padded zeros must stay zeros), so keep the longest
    // exact run seen.
    ChannelAffine affine{std::vector<double>(channels, 1.0), std::vector<double>(channels, 0.0)};
    ChannelAffine best;
    Value top = op.getInput(), bestSource;
    SmallVector<Operation *> chain;
    while (top.hasOneUse()) {
      auto binary = top.getDefiningOp<kiln::BinaryOp>();
      std::vector<double> a, b;
      Value source = binary ? asAffine(binary, channels, symbols, a, b) : nullptr;
      if (!source)
        break;
      // affine(a * v + b) = (scale * a) * v + (scale * b + shift)
      for (int64_t c = 0; c < channels; ++c) {
        affine.shift[c] += affine.scale[c] * b[c];
        affine.scale[c] *= a[c];
      }
      chain.push_back(binary);
      top = source;
      if (!op.readsZeroPadding() || !affine.hasShift()) {
        best = affine;
        bestSource = source;
      }
    }
    if (!bestSource)
      return;
    auto kernel = kiln::constantValues(op.getKernel(), symbols);
    std::optional<std::vector<float>> bias;
    if (!kernel || (op.getBias() && !(bias = kiln::constantValues(op.getBias(), symbols))))
      return;
    auto kernelType = cast<RankedTensorType>(op.getKernel().getType());
    int64_t filters = kernelType.getShape().back();
    std::vector<double> newBias(filters, 0.0);
    for (int64_t f = 0; f < filters && bias; ++f)
      newBias[f] = (*bias)[f];
    // Without padding, every output reads every kernel element once per
    // input, so the shift adds kernel * shift to the bias.
    for (size_t i = 0; i < kernel->size(); ++i) {
      int64_t c = op.getKernelInputChannel(i);
      newBias[i % filters] += double((*kernel)[i]) * best.shift[c];
      (*kernel)[i] = float((*kernel)[i] * best.scale[c]);
    }
    OpBuilder b(&getContext());
    Operation *at = op.getOperation();
    std::string base = kiln::weightName(op.getKernel(), "kernel") + ".input_folded";
    Value newKernel = kiln::newWeight(b, at, module, symbols, base, kernelType, *kernel);
    Value newBiasValue = op.getBias();
    if (best.hasShift()) {
      std::vector<float> values(newBias.begin(), newBias.end());
      newBiasValue = kiln::newWeight(
          b, at, module, symbols, base + ".bias",
          RankedTensorType::get({filters}, kernelType.getElementType()), values);
    }
    op.setKernelAndBias(newKernel, newBiasValue);
    at->replaceUsesOfWith(op.getInput(), bestSource);
    // The folded maps lost their only user; erase them nearest first.
    for (Operation *folded : chain) {
      if (!folded->use_empty())
        break;
      folded->erase();
    }
  }
};

} // namespace
