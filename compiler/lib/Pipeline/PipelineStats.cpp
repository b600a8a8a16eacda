#include "kiln/Pipeline/PipelineStats.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/Format.h"

namespace kiln {

int64_t ModuleCensus::totalOps() const {
  int64_t total = 0;
  for (const auto &[name, count] : opCounts)
    total += count;
  return total;
}

ModuleCensus ModuleCensus::of(mlir::ModuleOp module) {
  ModuleCensus census;
  // Only weights some op reads count: folding leaves the old ones behind
  // until -kiln-plan-weights drops them.
  llvm::DenseSet<mlir::StringAttr> loaded;
  module.walk([&](mlir::ml_program::GlobalLoadConstOp load) {
    if (!load->use_empty())
      loaded.insert(load.getGlobal().getLeafReference());
  });
  module.walk([&](mlir::Operation *op) {
    if (auto global = llvm::dyn_cast<mlir::ml_program::GlobalOp>(op)) {
      auto type = llvm::dyn_cast<mlir::RankedTensorType>(global.getType());
      if (!global.getIsMutable() && type && type.hasStaticShape() &&
          loaded.contains(global.getSymNameAttr()))
        census.weightBytes += type.getNumElements() * type.getElementTypeBitWidth() / 8;
      return;
    }
    // Scalar ops inside a fused op are part of it, not ops of their own.
    if (!llvm::isa_and_nonnull<KilnDialect>(op->getDialect()) ||
        op->getParentOfType<ElementwiseOp>())
      return;
    ++census.opCounts[op->getName().getStringRef().str()];
    if (auto counted = llvm::dyn_cast<FlopCountOpInterface>(op))
      census.flops += counted.getFlops();
  });
  return census;
}

namespace {
mlir::ModuleOp enclosingModule(mlir::Operation *op) {
  if (auto module = llvm::dyn_cast<mlir::ModuleOp>(op))
    return module;
  return op->getParentOfType<mlir::ModuleOp>();
}
} // namespace

void PipelineStats::runBeforePass(mlir::Pass *pass, mlir::Operation *op) {
  // Adaptors that only nest other pass managers have no argument and are
  // not rows of their own; a function pass is one row for all functions.
  if (pass->getArgument().empty() || current == pass)
    return;
  mlir::ModuleOp module = enclosingModule(op);
  if (!module)
    return;
  current = pass;
  rows->push_back({pass->getArgument().str(), ModuleCensus::of(module), {}});
}

void PipelineStats::runAfterPass(mlir::Pass *pass, mlir::Operation *op) {
  mlir::ModuleOp module = enclosingModule(op);
  if (module && !rows->empty() && current == pass)
    rows->back().after = ModuleCensus::of(module);
}

void printPassTable(llvm::raw_ostream &os, const std::vector<PassCensus> &rows) {
  os << llvm::format("%-28s %16s %26s  %s\n", "pass", "kiln ops", "weight bytes", "changes");
  for (const PassCensus &row : rows) {
    std::string changes;
    for (const auto *census : {&row.before, &row.after})
      for (const auto &[name, count] : census->opCounts) {
        auto before = row.before.opCounts.find(name);
        auto after = row.after.opCounts.find(name);
        int64_t delta = (after == row.after.opCounts.end() ? 0 : after->second) -
                        (before == row.before.opCounts.end() ? 0 : before->second);
        // Report each name once, from the census that has it first.
        if (delta == 0 || (census == &row.after && before != row.before.opCounts.end()))
          continue;
        changes += (changes.empty() ? "" : ", ") + std::string(delta > 0 ? "+" : "") +
                   std::to_string(delta) + " " + name;
      }
    std::string ops = std::to_string(row.before.totalOps()) + " -> " +
                      std::to_string(row.after.totalOps());
    std::string weights = std::to_string(row.before.weightBytes) + " -> " +
                          std::to_string(row.after.weightBytes);
    os << llvm::format("%-28s %16s %26s  %s\n", row.pass.c_str(), ops.c_str(), weights.c_str(),
                       changes.empty() ? "-" : changes.c_str());
  }
}

} // namespace kiln
