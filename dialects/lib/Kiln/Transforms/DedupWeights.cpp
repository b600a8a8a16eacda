#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/Hashing.h"

namespace kiln {
#define GEN_PASS_DEF_DEDUPWEIGHTS
#include "kiln/Dialect/Kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
/// The bytes of a constant weight, or nothing if its value is not stored
/// inline (an external resource whose blob is missing).
std::optional<ArrayRef<char>> weightBytes(ml_program::GlobalOp global) {
  Attribute value = global.getValueAttr();
  if (auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(value)) {
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      return blob->getData();
    return std::nullopt;
  }
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(value))
    return dense.getRawData();
  return std::nullopt;
}

struct DedupWeightsPass : kiln::impl::DedupWeightsBase<DedupWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Weights with the same type and hash, then compared byte for byte.
    DenseMap<std::pair<Type, llvm::hash_code>, SmallVector<ml_program::GlobalOp>> seen;
    SmallVector<std::pair<ml_program::GlobalOp, ml_program::GlobalOp>> duplicates;
    for (auto global : module.getOps<ml_program::GlobalOp>()) {
      if (global.getIsMutable())
        continue;
      std::optional<ArrayRef<char>> bytes = weightBytes(global);
      if (!bytes)
        continue;
      auto key = std::make_pair(global.getType(), llvm::hash_value(*bytes));
      SmallVector<ml_program::GlobalOp> &candidates = seen[key];
      auto same = llvm::find_if(candidates, [&](ml_program::GlobalOp kept) {
        return *weightBytes(kept) == *bytes;
      });
      if (same != candidates.end())
        duplicates.emplace_back(global, *same);
      else
        candidates.push_back(global);
    }
    for (auto [duplicate, kept] : duplicates) {
      if (failed(SymbolTable::replaceAllSymbolUses(duplicate, kept.getSymNameAttr(), module))) {
        duplicate.emitError("cannot redirect the uses of a duplicate weight");
        return signalPassFailure();
      }
      duplicate.erase();
    }
  }
};
} // namespace
