#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace kiln {
#define GEN_PASS_DEF_PLANMEMORY
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// One arena allocation: op results sharing memory (an op writing in place
/// over an operand joins that operand's buffer), or one op's scratch.
struct Buffer {
  SmallVector<OpResult, 1> values; // empty for scratch
  Operation *scratchOp = nullptr;
  int64_t bytes;
  int64_t firstUse, lastUse; // op positions, inclusive
  int64_t offset = -1;
};

int64_t tensorBytes(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  return tensor.getNumElements() * tensor.getElementTypeBitWidth() / 8;
}

/// Best fit: buffers in the given order, each into the tightest gap among
/// the placed buffers whose lifetimes overlap its own. Returns the arena
/// size and fills `offsets`.
int64_t placeInOrder(ArrayRef<Buffer> buffers, ArrayRef<size_t> order,
                     SmallVectorImpl<int64_t> &offsets) {
  offsets.assign(buffers.size(), -1);
  SmallVector<size_t> placed;
  int64_t arenaBytes = 0;
  for (size_t index : order) {
    const Buffer &buffer = buffers[index];
    int64_t size = kiln::alignBuffer(buffer.bytes);
    SmallVector<size_t> live;
    for (size_t p : placed)
      if (buffers[p].firstUse <= buffer.lastUse && buffer.firstUse <= buffers[p].lastUse)
        live.push_back(p);
    llvm::sort(live, [&](size_t a, size_t b) { return offsets[a] < offsets[b]; });
    int64_t best = -1, bestGap = INT64_MAX, end = 0;
    for (size_t p : live) {
      int64_t gap = offsets[p] - end;
      if (gap >= size && gap < bestGap) {
        best = end;
        bestGap = gap;
      }
      end = std::max(end, offsets[p] + kiln::alignBuffer(buffers[p].bytes));
    }
    offsets[index] = best >= 0 ? best : end;
    arenaBytes = std::max(arenaBytes, offsets[index] + size);
    placed.push_back(index);
  }
  return arenaBytes;
}

/// Placement orders tried by the local search after the fixed orders.
constexpr int kSearchSteps = 400;

/// Best fit depends on the order buffers are placed in: try the orders that
/// do well in practice (largest first, longest-lived first, largest
/// size × lifetime first, program order) and keep the smallest arena.
int64_t placeBuffers(MutableArrayRef<Buffer> buffers, int64_t lowerBound) {
  if (buffers.empty())
    return 0;
  auto lifetime = [](const Buffer &b) { return b.lastUse - b.firstUse + 1; };
  auto bySize = [&](size_t a, size_t b) {
    const Buffer &x = buffers[a], &y = buffers[b];
    return x.bytes != y.bytes ? x.bytes > y.bytes : x.firstUse < y.firstUse;
  };
  auto byLifetime = [&](size_t a, size_t b) {
    int64_t la = lifetime(buffers[a]), lb = lifetime(buffers[b]);
    return la != lb ? la > lb : bySize(a, b);
  };
  auto byArea = [&](size_t a, size_t b) {
    int64_t aa = buffers[a].bytes * lifetime(buffers[a]),
            ab = buffers[b].bytes * lifetime(buffers[b]);
    return aa != ab ? aa > ab : bySize(a, b);
  };
  auto byFirstUse = [&](size_t a, size_t b) {
    const Buffer &x = buffers[a], &y = buffers[b];
    return x.firstUse != y.firstUse ? x.firstUse < y.firstUse : bySize(a, b);
  };
  SmallVector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  SmallVector<int64_t> offsets, bestOffsets;
  int64_t best = INT64_MAX;
  SmallVector<size_t> bestOrder;
  auto attempt = [&](auto less) {
    llvm::stable_sort(order, less);
    if (int64_t bytes = placeInOrder(buffers, order, offsets); bytes < best) {
      best = bytes;
      bestOffsets = offsets;
      bestOrder = order;
    }
  };
  attempt(bySize);
  attempt(byLifetime);
  attempt(byArea);
  attempt(byFirstUse);
  // Then a bounded local search from the best order: move one buffer
  // earlier, keep the change if the arena shrinks. Deterministic (fixed
  // seed), so the same model always gets the same plan.
  if (best > lowerBound) {
    std::mt19937 random(1);
    for (int step = 0; step < kSearchSteps && best > lowerBound; ++step) {
      order = bestOrder;
      size_t from = random() % order.size(), to = random() % order.size();
      if (from < to)
        std::swap(from, to);
      std::rotate(order.begin() + to, order.begin() + from, order.begin() + from + 1);
      if (int64_t bytes = placeInOrder(buffers, order, offsets); bytes < best) {
        best = bytes;
        bestOffsets = offsets;
        bestOrder = order;
      }
    }
  }
  for (auto [buffer, offset] : llvm::zip(buffers, bestOffsets))
    buffer.offset = offset;
  return best;
}

int64_t livenessLowerBound(ArrayRef<Buffer> buffers, int64_t numOps) {
  SmallVector<int64_t> live(numOps + 1, 0);
  for (const Buffer &b : buffers)
    for (int64_t t = b.firstUse; t <= b.lastUse; ++t)
      live[t] += kiln::alignBuffer(b.bytes);
  return live.empty() ? 0 : *llvm::max_element(live);
}

/// Where a concatenation's input is written straight into the result.
struct Slice {
  kiln::ConcatOp concat;
  int64_t byteOffset; // into the concatenation's buffer
  int64_t rowStride;  // elements between the input's rows; 0 if contiguous
};

struct PlanMemoryPass : kiln::impl::PlanMemoryBase<PlanMemoryPass> {
  Block *body = nullptr;
  DenseMap<Operation *, int64_t> position;
  SmallVector<Buffer> buffers;
  DenseMap<Value, size_t> bufferOf;
  DenseMap<Operation *, unsigned> inPlaceOperand;
  DenseMap<Value, Slice> sliceOf;
  DenseMap<Operation *, SmallVector<int64_t>> writtenInputs;
  DenseMap<Value, int64_t> outputIndex;
  int64_t lowerBound = 0;

  /// Concatenation inputs whose producers can write into the result: the
  /// input's part of the result is one contiguous run (nothing before the
  /// axis but size-1 axes), or the concatenation is over the last axis and
  /// the producer writes rows at a stride. The input must be an arena value
  /// the concatenation alone reads, from a single-result op that is not a
  /// concatenation itself.
  void findSlices(const DenseMap<Value, int64_t> &outputIndex) {
    for (auto concat : body->getOps<kiln::ConcatOp>()) {
      RankedTensorType type = concat.getType();
      if (outputIndex.count(concat.getResult()))
        continue;
      // The attribute's accessor is unsigned: read it as the signed value.
      int64_t rank = type.getRank(), axis = int64_t(concat.getAxis());
      if (axis < 0)
        axis += rank;
      int64_t outer = 1, inner = 1;
      for (int64_t d = 0; d < axis; ++d)
        outer *= type.getDimSize(d);
      for (int64_t d = axis + 1; d < rank; ++d)
        inner *= type.getDimSize(d);
      int64_t offset = 0, bytes = type.getElementTypeBitWidth() / 8;
      SmallVector<int64_t> written;
      for (auto [k, input] : llvm::enumerate(concat.getInputs())) {
        int64_t width = cast<RankedTensorType>(input.getType()).getDimSize(axis);
        Operation *producer = input.getDefiningOp();
        bool exclusive = producer && producer->getBlock() == body &&
                         !isa<ml_program::MLProgramDialect>(producer->getDialect()) &&
                         !isa<kiln::ConcatOp>(producer) && producer->getNumResults() == 1 &&
                         input.hasOneUse() && !outputIndex.count(input);
        auto strided = dyn_cast_or_null<kiln::RowStrideOpInterface>(producer);
        if (exclusive && outer == 1) {
          sliceOf[input] = {concat, offset * inner * bytes, 0};
          written.push_back(k);
        } else if (exclusive && axis == rank - 1 && strided && strided.canWriteRowStride()) {
          sliceOf[input] = {concat, offset * bytes, type.getDimSize(axis)};
          written.push_back(k);
        }
        offset += width;
      }
      if (!written.empty())
        writtenInputs[concat] = written;
    }
  }

  /// The buffer of `value`, created here if this is its first writer.
  size_t bufferFor(Value value, int64_t here) {
    if (auto it = bufferOf.find(value); it != bufferOf.end())
      return it->second;
    bufferOf[value] = buffers.size();
    buffers.push_back({{cast<OpResult>(value)}, nullptr, tensorBytes(value.getType()), here,
                       lastUse(value)});
    return buffers.size() - 1;
  }

  /// Position of the last op reading `v` (or defining it, if none does).
  int64_t lastUse(Value v) {
    int64_t last = position[v.getDefiningOp()];
    for (Operation *user : v.getUsers())
      last = std::max(last, position[body->findAncestorOpInBlock(*user)]);
    return last;
  }

  /// The buffer of an operand that `op` may overwrite with its result: an
  /// arena buffer of the result's size whose life ends at this op.
  std::optional<size_t> reusableOperand(Operation &op, int64_t bytes) {
    auto inPlace = dyn_cast<kiln::InPlaceOpInterface>(op);
    if (!inPlace || op.getNumResults() != 1)
      return std::nullopt;
    for (OpOperand &operand : op.getOpOperands()) {
      auto it = bufferOf.find(operand.get());
      if (it == bufferOf.end() || !inPlace.canOverwriteOperand(operand.getOperandNumber()))
        continue;
      const Buffer &buffer = buffers[it->second];
      if (buffer.lastUse != position[&op] || buffer.bytes != bytes)
        continue;
      inPlaceOperand[&op] = operand.getOperandNumber();
      return it->second;
    }
    return std::nullopt;
  }

  /// Builds the buffers, with or without writing concatenation inputs in
  /// place, and places them. Returns the arena size.
  int64_t plan(bool withSlices) {
    buffers.clear();
    bufferOf.clear();
    inPlaceOperand.clear();
    sliceOf.clear();
    writtenInputs.clear();
    if (withSlices)
      findSlices(outputIndex);
    Operation *terminator = body->getTerminator();
    for (Operation &op : *body) {
      // Weights live in the weight blob, not the arena.
      if (&op == terminator || isa<ml_program::MLProgramDialect>(op.getDialect()))
        continue;
      for (OpResult result : op.getResults()) {
        if (outputIndex.count(result) || !isa<RankedTensorType>(result.getType()))
          continue;
        int64_t bytes = tensorBytes(result.getType());
        // Written into its concatenation, whose buffer lives from here on.
        if (auto slice = sliceOf.find(result); slice != sliceOf.end()) {
          bufferFor(slice->second.concat.getResult(), position[&op]);
          continue;
        }
        if (bufferOf.count(result)) // a concatenation created by its inputs
          continue;
        if (std::optional<size_t> shared = reusableOperand(op, bytes)) {
          buffers[*shared].values.push_back(result);
          buffers[*shared].lastUse = lastUse(result);
          bufferOf[result] = *shared;
          continue;
        }
        bufferOf[result] = buffers.size();
        buffers.push_back({{result}, nullptr, bytes, position[&op], lastUse(result)});
      }
      if (auto scratch = dyn_cast<kiln::ScratchOpInterface>(op))
        if (int64_t bytes = scratch.getScratchBytes())
          buffers.push_back({{}, &op, bytes, position[&op], position[&op]});
    }
    lowerBound = livenessLowerBound(buffers, position.size());
    return placeBuffers(buffers, lowerBound);
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    if (!func.getBody().hasOneBlock()) {
      func.emitError("memory planning needs a single-block function");
      return signalPassFailure();
    }
    body = &func.getBody().front();
    Builder b(&getContext());
    position.clear();
    for (Operation &op : *body)
      position[&op] = position.size();

    // Results returned by the function are computed in the caller's output
    // buffer; only the first return of a value gets it, later ones copy.
    outputIndex.clear();
    Operation *terminator = body->getTerminator();
    for (auto [k, value] : llvm::enumerate(terminator->getOperands()))
      if (value.getDefiningOp() && !outputIndex.count(value))
        outputIndex[value] = k;

    // Writing concatenation inputs in place saves their copies but makes
    // the concatenation's buffer live from its first input on, which can
    // raise the peak (DenseNet): keep it unless the arena grows.
    int64_t withoutSlices = plan(false);
    int64_t arenaBytes = plan(true);
    if (arenaBytes > withoutSlices)
      arenaBytes = plan(false);

    // Record the plan: one entry per result, -1 where the other kind applies.
    for (Operation &op : *body) {
      if (&op == terminator || isa<ml_program::MLProgramDialect>(op.getDialect()) ||
          op.getNumResults() == 0)
        continue;
      SmallVector<int64_t> offsets(op.getNumResults(), -1);
      SmallVector<int64_t> outputs(op.getNumResults(), -1);
      for (OpResult result : op.getResults()) {
        if (auto it = outputIndex.find(result); it != outputIndex.end())
          outputs[result.getResultNumber()] = it->second;
        if (auto it = bufferOf.find(result); it != bufferOf.end())
          offsets[result.getResultNumber()] = buffers[it->second].offset;
        if (auto it = sliceOf.find(result); it != sliceOf.end()) {
          Slice slice = it->second;
          offsets[result.getResultNumber()] =
              buffers[bufferOf[slice.concat.getResult()]].offset + slice.byteOffset;
          if (slice.rowStride)
            op.setAttr(kiln::attr::kRowStride, b.getI64IntegerAttr(slice.rowStride));
        }
      }
      op.setAttr(kiln::attr::kArenaOffset, b.getDenseI64ArrayAttr(offsets));
      op.setAttr(kiln::attr::kOutputIndex, b.getDenseI64ArrayAttr(outputs));
      if (auto it = inPlaceOperand.find(&op); it != inPlaceOperand.end())
        op.setAttr(kiln::attr::kInPlace, b.getI64IntegerAttr(it->second));
      if (auto it = writtenInputs.find(&op); it != writtenInputs.end())
        op.setAttr(kiln::attr::kWrittenInputs, b.getDenseI64ArrayAttr(it->second));
    }
    for (const Buffer &buffer : buffers)
      if (buffer.scratchOp)
        buffer.scratchOp->setAttr(kiln::attr::kScratchOffset,
                                  b.getI64IntegerAttr(buffer.offset));
    func->setAttr(kiln::attr::kArenaBytes, b.getI64IntegerAttr(arenaBytes));
    func->setAttr(kiln::attr::kLivenessLowerBound,
                  b.getI64IntegerAttr(lowerBound));
  }
};
} // namespace
