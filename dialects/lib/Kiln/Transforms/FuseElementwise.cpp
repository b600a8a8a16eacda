#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

namespace kiln {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// The runtime walks at most this many (merged) axes.
constexpr size_t kMaxIterationRank = 4;

bool isFusible(Operation *op) { return isa_and_nonnull<kiln::BinaryOp, kiln::ActivationOp>(op); }

/// `v` is computed inside a chain rooted at an op of type `type`: made by a
/// fusible op of that type and read only by the chain.
bool joinsChain(Value v, Type type) {
  return isFusible(v.getDefiningOp()) && v.getType() == type && v.hasOneUse();
}

/// The scalar op computing one element of `op` from `operands`.
Value scalarOp(OpBuilder &b, Operation *op, ValueRange operands) {
  Type f32 = b.getF32Type();
  if (auto binary = dyn_cast<kiln::BinaryOp>(op))
    return kiln::ScalarBinaryOp::create(b, op->getLoc(), f32, operands[0], operands[1],
                                        binary.getKindAttr());
  auto act = cast<kiln::ActivationOp>(op);
  return kiln::ScalarActivationOp::create(b, op->getLoc(), f32, operands[0], act.getKindAttr(),
                                          act.getAlphaAttr(), act.getMaxValueAttr(),
                                          act.getThresholdAttr());
}

struct FuseElementwisePass : kiln::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    // Blocks first: fusing adds the fused ops' own bodies.
    SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *block) { blocks.push_back(block); });
    for (Block *block : blocks)
      fuseBlock(*block);
  }

  void fuseBlock(Block &block) {
    // Roots are fusible ops whose result leaves the chain; walk them last
    // to first so every op is claimed by the chain of its (single) reader.
    SmallVector<Operation *> roots;
    for (Operation &op : block)
      if (isFusible(&op) && !(op.hasOneUse() && isFusible(*op.getUsers().begin()) &&
                              op.getResult(0).getType() ==
                                  (*op.getUsers().begin())->getResult(0).getType()))
        roots.push_back(&op);
    for (Operation *root : llvm::reverse(roots))
      fuseChain(root);
  }

  void fuseChain(Operation *root) {
    Type type = root->getResult(0).getType();
    SetVector<Operation *> members;
    SmallVector<Operation *> work{root};
    while (!work.empty()) {
      Operation *op = work.pop_back_val();
      if (!members.insert(op))
        continue;
      for (Value operand : op->getOperands())
        if (joinsChain(operand, type))
          work.push_back(operand.getDefiningOp());
    }
    if (members.size() < 2)
      return;
    SmallVector<Operation *> ordered(members.begin(), members.end());
    llvm::sort(ordered, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });

    // Inputs: what members read from outside the chain, once each.
    SetVector<Value> inputs;
    for (Operation *op : ordered)
      for (Value operand : op->getOperands())
        if (!members.contains(operand.getDefiningOp()))
          inputs.insert(operand);
    SmallVector<RankedTensorType> inputTypes;
    for (Value input : inputs)
      inputTypes.push_back(cast<RankedTensorType>(input.getType()));
    if (kiln::collapseBroadcast(inputTypes, cast<RankedTensorType>(type)).dims.size() >
        kMaxIterationRank)
      return;

    OpBuilder b(root);
    SmallVector<Location> locs;
    for (Operation *op : ordered)
      locs.push_back(op->getLoc());
    // The root's layer first: diagnostics and --outputs name it.
    std::swap(locs.front(), locs.back());
    auto fused = kiln::ElementwiseOp::create(b, b.getFusedLoc(locs), type, inputs.getArrayRef());
    Block *body = b.createBlock(&fused.getBody());
    IRMapping elements;
    for (Value input : inputs)
      elements.map(input, body->addArgument(b.getF32Type(), input.getLoc()));
    for (Operation *op : ordered) {
      SmallVector<Value> operands;
      for (Value operand : op->getOperands())
        operands.push_back(elements.lookup(operand));
      elements.map(op->getResult(0), scalarOp(b, op, operands));
    }
    kiln::YieldOp::create(b, root->getLoc(), elements.lookup(root->getResult(0)));
    root->getResult(0).replaceAllUsesWith(fused.getResult());
    for (Operation *op : llvm::reverse(ordered))
      op->erase();
  }
};
} // namespace
