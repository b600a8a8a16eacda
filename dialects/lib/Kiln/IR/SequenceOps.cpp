// Verifiers and shape rules of the sequence ops: ids, masks, recurrences.
#include "kiln/Dialect/Kiln/IR/KilnOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace kiln;

LogicalResult CastOp::verify() {
  if (getInput().getType().getShape() != getType().getShape())
    return emitOpError() << "cast changes the shape " << getInput().getType() << " to "
                         << getType();
  return success();
}

LogicalResult EmbeddingOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, ValueRange operands, DictionaryAttr,
    OpaqueProperties, RegionRange, SmallVectorImpl<Type> &inferredReturnTypes) {
  auto ids = cast<RankedTensorType>(operands[0].getType());
  auto table = cast<RankedTensorType>(operands[1].getType());
  if (table.getRank() != 2)
    return emitOptionalError(location, "embedding table must be 2-D, got ", table);
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(table.getDimSize(1));
  inferredReturnTypes.push_back(RankedTensorType::get(shape, table.getElementType()));
  return success();
}

LogicalResult CompareOp::verify() {
  if (getInput().getType().getShape() != getType().getShape())
    return emitOpError() << "mask shape " << getType() << " differs from the input's "
                         << getInput().getType();
  return success();
}

int64_t RnnOp::getNumGates() {
  switch (getCell()) {
  case RnnCellKind::simple:
    return 1;
  case RnnCellKind::lstm:
    return 4;
  case RnnCellKind::gru:
    return 3;
  }
  llvm_unreachable("cell kind");
}

int64_t RnnOp::getNumStates() { return getCell() == RnnCellKind::lstm ? 2 : 1; }

LogicalResult RnnOp::verify() {
  auto input = getInput().getType();
  if (input.getRank() != 3)
    return emitOpError() << "input must be (batch, steps, features), got " << input;
  int64_t n = input.getDimSize(0), t = input.getDimSize(1), f = input.getDimSize(2);
  int64_t u = getUnits(), g = getNumGates();
  auto expect = [&](Type type, ArrayRef<int64_t> shape, StringRef what) -> LogicalResult {
    auto tensor = cast<RankedTensorType>(type);
    if (tensor.getShape() != shape) {
      std::string want;
      for (int64_t d : shape)
        want += (want.empty() ? "" : "x") + std::to_string(d);
      return emitOpError() << what << " must be " << want << ", got " << tensor;
    }
    return success();
  };
  if (failed(expect(getKernel().getType(), {f, g * u}, "kernel")) ||
      failed(expect(getRecurrentKernel().getType(), {u, g * u}, "recurrent kernel")))
    return failure();
  if (getResetAfter() && getCell() != RnnCellKind::gru)
    return emitOpError() << "reset_after applies to GRU cells only";
  int64_t biasSize = (getResetAfter() ? 2 : 1) * g * u;
  if (getBias() && failed(expect(getBias().getType(), {biasSize}, "bias")))
    return failure();
  if (getMask() && failed(expect(getMask().getType(), {n, t}, "mask")))
    return failure();
  if (!getInitialStates().empty() && int64_t(getInitialStates().size()) != getNumStates())
    return emitOpError() << "expected " << getNumStates() << " initial states, got "
                         << getInitialStates().size();
  for (Value state : getInitialStates())
    if (failed(expect(state.getType(), {n, u}, "initial state")))
      return failure();
  if (getReturnSequences() ? failed(expect(getOutput().getType(), {n, t, u}, "output"))
                           : failed(expect(getOutput().getType(), {n, u}, "output")))
    return failure();
  if (!getFinalStates().empty() && int64_t(getFinalStates().size()) != getNumStates())
    return emitOpError() << "expected no final states or " << getNumStates() << ", got "
                         << getFinalStates().size();
  for (Value state : getFinalStates())
    if (failed(expect(state.getType(), {n, u}, "final state")))
      return failure();
  return success();
}

namespace {
/// The input projection of all steps, then per step the recurrent product
/// and about ten operations per gate value.
int64_t rnnFlops(RankedTensorType input, RankedTensorType recurrent) {
  int64_t n = input.getDimSize(0), t = input.getDimSize(1), f = input.getDimSize(2),
          u = recurrent.getDimSize(0), gu = recurrent.getDimSize(1);
  return n * t * (2 * f * gu + 2 * u * gu + 10 * gu);
}
} // namespace

int64_t RnnOp::getFlops() {
  return rnnFlops(getInput().getType(), getRecurrentKernel().getType());
}

namespace {
/// Bytes of kiln::rt::rnn_scratch_floats: the input projection of every
/// step, one step's recurrent projection, the running states and the
/// GRU's gate temporaries; from 32 rows on, kernels not stored as panels
/// are packed here: the input kernel (N·T rows) and, where the step reads
/// it whole, the recurrent one (N rows).
int64_t rnnScratchBytes(RankedTensorType input, RankedTensorType recurrent, bool kernelInPanels,
                        bool packsRecurrent) {
  int64_t n = input.getDimSize(0), t = input.getDimSize(1), f = input.getDimSize(2),
          u = recurrent.getDimSize(0), gu = recurrent.getDimSize(1);
  constexpr int64_t kPanelRows = 32; // kiln::rt::detail::kRnnPanelRows
  int64_t floats = n * t * gu + n * gu + 2 * n * u + 3 * u;
  if (n * t >= kPanelRows && !kernelInPanels)
    floats += panelFloats(f, gu);
  if (n >= kPanelRows && packsRecurrent)
    floats += panelFloats(u, gu);
  return floats * int64_t(sizeof(float));
}
} // namespace

int64_t RnnOp::getScratchBytes() {
  // A GRU without reset_after multiplies by parts of its recurrent kernel.
  unsigned recurrent = getRecurrentKernelMutable().getOperandNumber();
  return rnnScratchBytes(getInput().getType(), getRecurrentKernel().getType(),
                         readsPanels(*this, getKernelMutable().getOperandNumber()),
                         canReadPanels(recurrent) && !readsPanels(*this, recurrent));
}

int64_t RnnTrainOp::getScratchBytes() {
  return rnnScratchBytes(getInput().getType(), getRecurrentKernel().getType(), false, true);
}

LogicalResult RnnTrainOp::verify() {
  if (getCell() == RnnCellKind::gru)
    return emitOpError("saves the states of SimpleRNN and LSTM cells only");
  auto input = getInput().getType();
  auto recurrent = getRecurrentKernel().getType();
  if (input.getRank() != 3 || recurrent.getRank() != 2)
    return emitOpError("needs a (batch, steps, features) input and a 2-D recurrent kernel");
  int64_t u = recurrent.getDimSize(0), gu = recurrent.getDimSize(1);
  int64_t want = input.getDimSize(0) * input.getDimSize(1) * (gu + 2 * u);
  auto saved = getSaved().getType();
  if (saved.getRank() != 1 || saved.getDimSize(0) != want)
    return emitOpError() << "saved must hold " << want << " floats, got " << saved;
  return success();
}

int64_t RnnTrainOp::getFlops() {
  return rnnFlops(getInput().getType(), getRecurrentKernel().getType());
}

bool RnnOp::canReadPanels(unsigned index) {
  if (index == getKernelMutable().getOperandNumber())
    return true;
  // A GRU without reset_after multiplies r·h by the last U columns alone.
  return index == getRecurrentKernelMutable().getOperandNumber() &&
         !(getCell() == RnnCellKind::gru && !getResetAfter());
}
