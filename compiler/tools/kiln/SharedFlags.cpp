#include "SharedFlags.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"

namespace cl = llvm::cl;

namespace kiln::cli {

TrainingFlags::TrainingFlags(cl::OptionCategory &category)
    : loss("loss", cl::desc("loss for every output (default: compile_config)"),
           cl::value_desc("NAME"), cl::cat(category)),
      optimizer("optimizer",
                cl::desc("SGD, Adam, AdamW or RMSprop with Keras's defaults (default: "
                         "compile_config)"),
                cl::value_desc("NAME"), cl::cat(category)),
      learningRate("learning-rate", cl::desc("the optimizer's learning rate"), cl::cat(category)),
      freeze("freeze", cl::desc("layers training leaves unchanged"), cl::CommaSeparated,
             cl::value_desc("LAYER,..."), cl::cat(category)) {}

bool TrainingFlags::given() const {
  return loss.getNumOccurrences() || optimizer.getNumOccurrences() ||
         learningRate.getNumOccurrences() || freeze.getNumOccurrences();
}

void TrainingFlags::applyTo(TrainingOptions &options) const {
  options.loss = loss;
  options.optimizer = optimizer;
  if (learningRate.getNumOccurrences())
    options.learningRate = learningRate;
  options.freeze.assign(freeze.begin(), freeze.end());
}

void applyCxxFlags(const cl::opt<std::string> &cxxFlags, ToolchainOptions &toolchain) {
  if (!cxxFlags.getNumOccurrences())
    return;
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(cxxFlags).split(parts, ' ', -1, false);
  toolchain.cxxFlags.assign(parts.begin(), parts.end());
}

llvm::StringRef cxxFlagsHelp() {
  static const std::string help =
      "flags for the C++ compiler (default: " + llvm::join(defaultToolchain().cxxFlags, " ") + ")";
  return help;
}

} // namespace kiln::cli
