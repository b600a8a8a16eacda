// Evaluates ops whose operands are all constant weights.
#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"
#include "WeightConstants.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_FOLDCONSTANTS
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct FoldConstantsPass : kiln::impl::FoldConstantsBase<FoldConstantsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    OpBuilder b(&getContext());
    SmallVector<kiln::ConstantFoldOpInterface> candidates;
    SmallVector<SymbolRefAttr> created;
    // Program order: a folded result is a constant for the ops after it.
    module.walk([&](kiln::ConstantFoldOpInterface op) { candidates.push_back(op); });
    for (kiln::ConstantFoldOpInterface op : candidates) {
      Operation *at = op.getOperation();
      std::vector<std::vector<float>> operands;
      for (Value operand : at->getOperands()) {
        auto values = kiln::constantValues(operand, symbols);
        if (!values)
          break;
        operands.push_back(std::move(*values));
      }
      std::vector<float> result;
      if (operands.size() != at->getNumOperands() || !op.evaluate(operands, result))
        continue;
      auto type = cast<RankedTensorType>(at->getResult(0).getType());
      std::string operandName = kiln::weightName(at->getOperand(0), "constant");
      std::string name = StringRef(operandName).split(".folded").first.str() + ".folded";
      Value folded = kiln::newWeight(b, at, module, symbols, name, type, result);
      created.push_back(folded.getDefiningOp<ml_program::GlobalLoadConstOp>().getGlobal());
      SmallVector<Operation *> loads;
      for (Value operand : at->getOperands())
        loads.push_back(operand.getDefiningOp());
      at->getResult(0).replaceAllUsesWith(folded);
      at->erase();
      for (Operation *load : loads)
        if (load->use_empty())
          load->erase();
    }
    // Intermediate results of a folded subgraph are no longer read.
    for (SymbolRefAttr symbol : created)
      if (SymbolTable::symbolKnownUseEmpty(symbol.getLeafReference(), module))
        symbols.erase(symbols.lookup(symbol.getLeafReference()));
  }
};
} // namespace
