#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

#include <algorithm>

namespace kiln {
#define GEN_PASS_DEF_PLANMEMORY
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// One arena allocation: an op result, or an op's scratch memory.
struct Buffer {
  Operation *op;
  int resultIndex; // -1 for scratch
  int64_t bytes;
  int64_t firstUse, lastUse; // op positions, inclusive
  int64_t offset = -1;
};

int64_t tensorBytes(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  return tensor.getNumElements() * tensor.getElementTypeBitWidth() / 8;
}

/// Greedy by size: biggest buffers first, each into the tightest gap among
/// the buffers already placed whose lifetimes overlap its own.
int64_t placeBuffers(MutableArrayRef<Buffer> buffers) {
  SmallVector<Buffer *> order;
  for (Buffer &b : buffers)
    order.push_back(&b);
  llvm::stable_sort(order, [](Buffer *a, Buffer *b) {
    return a->bytes != b->bytes ? a->bytes > b->bytes : a->firstUse < b->firstUse;
  });
  SmallVector<Buffer *> placed;
  int64_t arenaBytes = 0;
  for (Buffer *buffer : order) {
    int64_t size = kiln::alignBuffer(buffer->bytes);
    SmallVector<Buffer *> live;
    for (Buffer *p : placed)
      if (p->firstUse <= buffer->lastUse && buffer->firstUse <= p->lastUse)
        live.push_back(p);
    llvm::sort(live, [](Buffer *a, Buffer *b) { return a->offset < b->offset; });
    int64_t best = -1, bestGap = INT64_MAX, end = 0;
    for (Buffer *p : live) {
      int64_t gap = p->offset - end;
      if (gap >= size && gap < bestGap) {
        best = end;
        bestGap = gap;
      }
      end = std::max(end, p->offset + kiln::alignBuffer(p->bytes));
    }
    buffer->offset = best >= 0 ? best : end;
    arenaBytes = std::max(arenaBytes, buffer->offset + size);
    placed.push_back(buffer);
  }
  return arenaBytes;
}

int64_t livenessLowerBound(ArrayRef<Buffer> buffers, int64_t numOps) {
  SmallVector<int64_t> live(numOps + 1, 0);
  for (const Buffer &b : buffers)
    for (int64_t t = b.firstUse; t <= b.lastUse; ++t)
      live[t] += kiln::alignBuffer(b.bytes);
  return live.empty() ? 0 : *llvm::max_element(live);
}

struct PlanMemoryPass : kiln::impl::PlanMemoryBase<PlanMemoryPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    if (!func.getBody().hasOneBlock()) {
      func.emitError("memory planning needs a single-block function");
      return signalPassFailure();
    }
    Block &body = func.getBody().front();
    Builder b(&getContext());

    DenseMap<Operation *, int64_t> position;
    for (Operation &op : body)
      position[&op] = position.size();

    // Results returned by the function are computed in the caller's output
    // buffer; only the first return of a value gets it, later ones copy.
    DenseMap<Value, int64_t> outputIndex;
    Operation *terminator = body.getTerminator();
    for (auto [k, value] : llvm::enumerate(terminator->getOperands()))
      if (value.getDefiningOp() && !outputIndex.count(value))
        outputIndex[value] = k;

    SmallVector<Buffer> buffers;
    for (Operation &op : body) {
      // Weights live in the weight blob, not the arena.
      if (&op == terminator || isa<ml_program::MLProgramDialect>(op.getDialect()))
        continue;
      int64_t here = position[&op];
      for (OpResult result : op.getResults()) {
        if (outputIndex.count(result) || !isa<RankedTensorType>(result.getType()))
          continue;
        int64_t last = here;
        for (Operation *user : result.getUsers())
          last = std::max(last, position[body.findAncestorOpInBlock(*user)]);
        buffers.push_back({&op, int(result.getResultNumber()),
                           tensorBytes(result.getType()), here, last});
      }
      if (auto scratch = dyn_cast<kiln::ScratchOpInterface>(op))
        if (int64_t bytes = scratch.getScratchBytes())
          buffers.push_back({&op, -1, bytes, here, here});
    }

    int64_t arenaBytes = placeBuffers(buffers);

    // Record the plan: one entry per result, -1 where the other kind applies.
    for (Operation &op : body) {
      if (&op == terminator || isa<ml_program::MLProgramDialect>(op.getDialect()) ||
          op.getNumResults() == 0)
        continue;
      SmallVector<int64_t> offsets(op.getNumResults(), -1);
      SmallVector<int64_t> outputs(op.getNumResults(), -1);
      for (OpResult result : op.getResults()) {
        auto it = outputIndex.find(result);
        if (it != outputIndex.end())
          outputs[result.getResultNumber()] = it->second;
      }
      op.setAttr(kiln::attr::kArenaOffset, b.getDenseI64ArrayAttr(offsets));
      op.setAttr(kiln::attr::kOutputIndex, b.getDenseI64ArrayAttr(outputs));
    }
    for (const Buffer &buffer : buffers) {
      if (buffer.resultIndex < 0) {
        buffer.op->setAttr(kiln::attr::kScratchOffset,
                           b.getI64IntegerAttr(buffer.offset));
        continue;
      }
      auto offsets = llvm::to_vector(
          cast<DenseI64ArrayAttr>(buffer.op->getAttr(kiln::attr::kArenaOffset))
              .asArrayRef());
      offsets[buffer.resultIndex] = buffer.offset;
      buffer.op->setAttr(kiln::attr::kArenaOffset, b.getDenseI64ArrayAttr(offsets));
    }
    func->setAttr(kiln::attr::kArenaBytes, b.getI64IntegerAttr(arenaBytes));
    func->setAttr(kiln::attr::kLivenessLowerBound,
                  b.getI64IntegerAttr(livenessLowerBound(buffers, position.size())));
  }
};
} // namespace
