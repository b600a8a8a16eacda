// Command-line options several kiln subcommands take, declared once.
#ifndef KILN_TOOLS_KILN_SHAREDFLAGS_H
#define KILN_TOOLS_KILN_SHAREDFLAGS_H

#include "kiln/Import/KerasImporter.h"
#include "kiln/Target/CppTarget.h"

#include "llvm/Support/CommandLine.h"

namespace kiln::cli {

/// --loss, --optimizer, --learning-rate and --freeze (kiln compile --train,
/// kiln train).
struct TrainingFlags {
  explicit TrainingFlags(llvm::cl::OptionCategory &category);
  /// Whether any of them was given.
  bool given() const;
  /// Copies the given ones into `options`.
  void applyTo(TrainingOptions &options) const;

  llvm::cl::opt<std::string> loss, optimizer;
  llvm::cl::opt<double> learningRate;
  llvm::cl::list<std::string> freeze;
};

/// --cxx-flags "FLAGS", when given, replaces the toolchain's flags (split
/// on spaces).
void applyCxxFlags(const llvm::cl::opt<std::string> &cxxFlags, ToolchainOptions &toolchain);

/// --cxx-flags' help, naming the default toolchain's flags.
llvm::StringRef cxxFlagsHelp();

} // namespace kiln::cli

#endif
