#ifndef KILN_PIPELINE_PIPELINESTATS_H
#define KILN_PIPELINE_PIPELINESTATS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassInstrumentation.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiln {

/// What a module holds at one point of the pipeline.
struct ModuleCensus {
  std::map<std::string, int64_t> opCounts; // kiln ops by name
  int64_t weightBytes = 0;                 // constant globals, unaligned
  int64_t flops = 0;                       // FlopCountOpInterface, summed

  int64_t totalOps() const;
  static ModuleCensus of(mlir::ModuleOp module);
};

/// One pass of the pipeline: the module before its first run and after its
/// last (function passes run once per function).
struct PassCensus {
  std::string pass;
  ModuleCensus before, after;
};

/// Records a census around every pass, for `kiln compile --stats`.
class PipelineStats : public mlir::PassInstrumentation {
public:
  explicit PipelineStats(std::shared_ptr<std::vector<PassCensus>> rows) : rows(std::move(rows)) {}
  void runBeforePass(mlir::Pass *pass, mlir::Operation *op) override;
  void runAfterPass(mlir::Pass *pass, mlir::Operation *op) override;

private:
  std::shared_ptr<std::vector<PassCensus>> rows;
  const mlir::Pass *current = nullptr;
};

/// Prints the census table: per pass the kiln op count and weight bytes
/// before and after, and which op kinds changed.
void printPassTable(llvm::raw_ostream &os, const std::vector<PassCensus> &rows);

} // namespace kiln

#endif
