// Folds of the data-movement ops: reshapes and strided views that do
// nothing, or that a single one can do.
#include "kiln/Dialect/Kiln/IR/KilnOps.h"

using namespace mlir;

namespace kiln {
namespace {

/// `outer` reads `inner`'s result; fills the one view of `inner`'s input
/// that reads the same elements, if there is one: every outer axis must
/// step along a single inner axis and stay inside it, so that no step
/// carries into the next inner axis.
bool compose(StridedViewOp outer, StridedViewOp inner, int64_t &offset,
             SmallVector<int64_t> &strides) {
  ArrayRef<int64_t> innerShape = inner.getType().getShape();
  SmallVector<int64_t> place = rowMajorStrides(innerShape);
  int64_t rank = innerShape.size();
  // The inner index of the outer view's first element.
  SmallVector<int64_t> base(rank), low(rank), high(rank);
  int64_t rest = outer.getOffset();
  for (int64_t e = 0; e < rank; ++e) {
    base[e] = rest / place[e];
    rest %= place[e];
  }
  low = base;
  high = base;
  ArrayRef<int64_t> innerStrides = inner.getStrides();
  offset = inner.getOffset();
  for (int64_t e = 0; e < rank; ++e)
    offset += base[e] * innerStrides[e];
  strides.clear();
  for (auto [size, stride] : llvm::zip(outer.getType().getShape(), outer.getStrides())) {
    if (size == 1 || stride == 0) {
      strides.push_back(0);
      continue;
    }
    // The outermost inner axis whose place divides the step.
    int64_t e = 0;
    while (e < rank && stride % place[e] != 0)
      ++e;
    if (e == rank)
      return false;
    int64_t step = stride / place[e];
    (step < 0 ? low : high)[e] += (size - 1) * step;
    strides.push_back(step * innerStrides[e]);
  }
  for (int64_t e = 0; e < rank; ++e)
    if (low[e] < 0 || high[e] >= innerShape[e])
      return false;
  return true;
}

/// Whether `view` reads its input as it lies (strides on size-1 axes do
/// not matter).
bool isIdentity(StridedViewOp view) {
  if (view.getInput().getType() != view.getType() || view.getOffset() != 0)
    return false;
  ArrayRef<int64_t> shape = view.getType().getShape();
  SmallVector<int64_t> natural = rowMajorStrides(shape);
  for (auto [size, stride, expected] : llvm::zip(shape, view.getStrides(), natural))
    if (size != 1 && stride != expected)
      return false;
  return true;
}

} // namespace

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

OpFoldResult StridedViewOp::fold(FoldAdaptor) {
  if (isIdentity(*this))
    return getInput();
  if (auto inner = getInput().getDefiningOp<StridedViewOp>()) {
    int64_t offset;
    SmallVector<int64_t> strides;
    if (compose(*this, inner, offset, strides)) {
      getInputMutable().assign(inner.getInput());
      setOffset(offset);
      setStrides(strides);
      return getResult();
    }
  }
  return {};
}

} // namespace kiln
