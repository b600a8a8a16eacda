// The fused elementwise op: its body's rules and its iteration space.
#include "kiln/Dialect/Kiln/IR/KilnOps.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln;

LogicalResult ElementwiseOp::verifyRegions() {
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError() << "body takes " << body.getNumArguments() << " elements for "
                         << getInputs().size() << " inputs";
  if (!llvm::all_of(body.getArgumentTypes(), [](Type t) { return t.isF32(); }))
    return emitOpError("body arguments must be f32 elements");
  RankedTensorType result = getType();
  for (Value input : getInputs()) {
    auto type = cast<RankedTensorType>(input.getType());
    bool broadcasts = type.getRank() == result.getRank() &&
                      llvm::all_of(llvm::seq<int64_t>(0, type.getRank()), [&](int64_t d) {
                        return type.getDimSize(d) == result.getDimSize(d) ||
                               type.getDimSize(d) == 1;
                      });
    if (!broadcasts)
      return emitOpError() << "input " << type << " does not broadcast to " << result;
  }
  for (Operation &op : body.without_terminator())
    if (!isa<ScalarBinaryOp, ScalarActivationOp>(op))
      return op.emitOpError("is not a scalar op kiln.elementwise can run");
  return success();
}

int64_t ElementwiseOp::getFlops() {
  // One operation per body op per element (the yield is not one).
  return getType().getNumElements() * int64_t(getBody().front().getOperations().size() - 1);
}

bool ElementwiseOp::canOverwriteOperand(unsigned index) {
  return getInputs()[index].getType() == getType();
}

namespace kiln {

SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = int64_t(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

BroadcastIteration collapseBroadcast(ArrayRef<RankedTensorType> operands,
                                     RankedTensorType result) {
  ArrayRef<int64_t> shape = result.getShape();
  BroadcastIteration it;
  it.dims.assign(shape.begin(), shape.end());
  for (RankedTensorType type : operands) {
    SmallVector<int64_t> strides(shape.size());
    int64_t stride = 1;
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
      strides[d] = type.getDimSize(d) == 1 && shape[d] != 1 ? 0 : stride;
      stride *= type.getDimSize(d);
    }
    it.strides.push_back(strides);
  }
  // Merge an axis into the next where every operand walks both as one
  // contiguous (or jointly broadcast) run.
  for (int64_t d = int64_t(it.dims.size()) - 2; d >= 0; --d) {
    bool mergeable = llvm::all_of(it.strides, [&](ArrayRef<int64_t> s) {
      return s[d] == s[d + 1] * it.dims[d + 1];
    });
    if (!mergeable)
      continue;
    it.dims[d] *= it.dims[d + 1];
    it.dims.erase(it.dims.begin() + d + 1);
    for (SmallVector<int64_t> &s : it.strides) {
      s[d] = s[d + 1];
      s.erase(s.begin() + d + 1);
    }
  }
  return it;
}

} // namespace kiln
