// -kiln-save-rnn-states: backpropagation through a SimpleRNN or LSTM reads
// every step's pre-activations and states. Rather than run the recurrence
// again inside kiln.rnn_grad, the forward pass (kiln.rnn_train) keeps them.
#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_SAVERNNSTATES
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {
/// Whether `rnn` is the forward op `grad` differentiates.
bool differentiates(RnnGradOp grad, RnnOp rnn) {
  return rnn.getKernel() == grad.getKernel() &&
         rnn.getRecurrentKernel() == grad.getRecurrentKernel() &&
         rnn.getBias() == grad.getBias() && rnn.getMask() == grad.getMask() &&
         rnn.getInitialStates() == grad.getInitialStates() && rnn.getCell() == grad.getCell() &&
         rnn.getActivation() == grad.getActivation() &&
         rnn.getRecurrentActivation() == grad.getRecurrentActivation() &&
         rnn.getGoBackwards() == grad.getGoBackwards() &&
         rnn.getReturnSequences() == grad.getReturnSequences() &&
         rnn.getZeroOutputForMask() == grad.getZeroOutputForMask();
}

struct SaveRnnStatesPass : kiln::impl::SaveRnnStatesBase<SaveRnnStatesPass> {
  void runOnOperation() override {
    SmallVector<RnnGradOp> grads;
    getOperation().walk([&](RnnGradOp grad) {
      if (grad.getCell() != RnnCellKind::gru && !grad.getSaved())
        grads.push_back(grad);
    });
    for (RnnGradOp grad : grads) {
      RnnOp rnn;
      for (Operation *user : grad.getInput().getUsers())
        if (auto candidate = dyn_cast<RnnOp>(user); candidate && differentiates(grad, candidate))
          rnn = candidate;
      if (!rnn)
        continue;
      auto input = rnn.getInput().getType();
      auto recurrent = rnn.getRecurrentKernel().getType();
      int64_t u = recurrent.getDimSize(0), gu = recurrent.getDimSize(1);
      auto savedType = RankedTensorType::get(
          {input.getDimSize(0) * input.getDimSize(1) * (gu + 2 * u)}, input.getElementType());
      SmallVector<Type> types{savedType};
      llvm::append_range(types, rnn->getResultTypes());
      OpBuilder b(rnn);
      auto train = RnnTrainOp::create(b, rnn.getLoc(), types, rnn->getOperands(),
                                      rnn->getAttrs());
      rnn->replaceAllUsesWith(train->getResults().drop_front());
      rnn->erase();
      grad.getSavedMutable().assign(train.getSaved());
    }
  }
};
} // namespace
