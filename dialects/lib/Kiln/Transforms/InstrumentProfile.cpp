#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "llvm/ADT/StringExtras.h"

namespace kiln {
#define GEN_PASS_DEF_INSTRUMENTPROFILE
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// The Keras layers an op computes, from its location: the importer names
/// each op "layer (Class)", fusion joins those names in a FusedLoc.
void collectLayers(Location loc, SmallVectorImpl<std::string> &layers) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    std::string label = name.getName().str();
    if (!llvm::is_contained(layers, label))
      layers.push_back(label);
    return;
  }
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location part : fused.getLocations())
      collectLayers(part, layers);
}

struct InstrumentProfilePass : kiln::impl::InstrumentProfileBase<InstrumentProfilePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    Builder b(&getContext());
    SmallVector<Attribute> slots;
    for (Operation &op : llvm::make_early_inc_range(func.getBody().getOps())) {
      if (!isa<kiln::KilnDialect>(op.getDialect()) ||
          isa<kiln::ProfileBeginOp, kiln::ProfileEndOp>(op))
        continue;
      SmallVector<std::string> layers;
      collectLayers(op.getLoc(), layers);
      std::string label = layers.empty() ? op.getName().getStringRef().str()
                                         : llvm::join(layers, " + ");
      auto counted = dyn_cast<kiln::FlopCountOpInterface>(op);
      slots.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("layers", b.getStringAttr(label)),
           b.getNamedAttr("flops", b.getI64IntegerAttr(counted ? counted.getFlops() : 0))}));
      OpBuilder at(&op);
      int64_t slot = int64_t(slots.size()) - 1;
      kiln::ProfileBeginOp::create(at, op.getLoc(), slot);
      at.setInsertionPointAfter(&op);
      kiln::ProfileEndOp::create(at, op.getLoc(), slot);
    }
    func->setAttr(kiln::attr::kProfile, b.getArrayAttr(slots));
  }
};
} // namespace
