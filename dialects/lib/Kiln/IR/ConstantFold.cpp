// ConstantFoldOpInterface: the ops -kiln-fold-constants evaluates at compile
// time. Each does what its runtime kernel does, in float.
#include "kiln/Dialect/Kiln/IR/KilnOps.h"

using namespace mlir;

namespace kiln {
namespace {

/// Row-major strides of an operand of `shape`, with 0 on the axes where it
/// broadcasts (size 1 against a larger `result`).
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape, ArrayRef<int64_t> result) {
  SmallVector<int64_t> strides = rowMajorStrides(shape);
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] == 1 && result[d] != 1)
      strides[d] = 0;
  return strides;
}

/// Calls `f(i, index)` for every element `i` of `shape` in row-major order,
/// with its multi-index.
template <typename F> void forEachIndex(ArrayRef<int64_t> shape, F f) {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    f(i, ArrayRef<int64_t>(index));
    for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
}

int64_t dot(ArrayRef<int64_t> index, ArrayRef<int64_t> strides) {
  int64_t at = 0;
  for (size_t d = 0; d < index.size(); ++d)
    at += index[d] * strides[d];
  return at;
}

float apply(BinaryKind kind, float a, float b) {
  switch (kind) {
  case BinaryKind::add: return a + b;
  case BinaryKind::sub: return a - b;
  case BinaryKind::mul: return a * b;
  case BinaryKind::div: return a / b;
  case BinaryKind::max: return a > b ? a : b;
  case BinaryKind::min: return a < b ? a : b;
  }
  return a;
}

} // namespace

bool BinaryOp::evaluate(ArrayRef<std::vector<float>> operands, std::vector<float> &result) {
  ArrayRef<int64_t> shape = getType().getShape();
  SmallVector<int64_t> lhs = stridesOf(getLhs().getType().getShape(), shape);
  SmallVector<int64_t> rhs = stridesOf(getRhs().getType().getShape(), shape);
  result.resize(getType().getNumElements());
  BinaryKind kind = getKind();
  forEachIndex(shape, [&](int64_t i, ArrayRef<int64_t> index) {
    result[i] = apply(kind, operands[0][dot(index, lhs)], operands[1][dot(index, rhs)]);
  });
  return true;
}

bool ReshapeOp::evaluate(ArrayRef<std::vector<float>> operands, std::vector<float> &result) {
  result = operands[0];
  return true;
}

bool StridedViewOp::evaluate(ArrayRef<std::vector<float>> operands,
                             std::vector<float> &result) {
  result.resize(getType().getNumElements());
  int64_t offset = getOffset();
  ArrayRef<int64_t> strides = getStrides();
  forEachIndex(getType().getShape(), [&](int64_t i, ArrayRef<int64_t> index) {
    result[i] = operands[0][offset + dot(index, strides)];
  });
  return true;
}

bool ConcatOp::evaluate(ArrayRef<std::vector<float>> operands, std::vector<float> &result) {
  ArrayRef<int64_t> shape = getType().getShape();
  // I64Attr reads back unsigned: the axis may be negative.
  int64_t rank = shape.size(), axis = int64_t(getAxis());
  if (axis < 0)
    axis += rank;
  // Each input contributes a block of (its axis size x inner) per outer index.
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= shape[d];
  result.clear();
  result.reserve(getType().getNumElements());
  for (int64_t o = 0; o < outer; ++o)
    for (auto [input, values] : llvm::zip(getInputs(), operands)) {
      int64_t block = cast<RankedTensorType>(input.getType()).getDimSize(axis) * inner;
      result.insert(result.end(), values.begin() + o * block, values.begin() + (o + 1) * block);
    }
  return true;
}

} // namespace kiln
