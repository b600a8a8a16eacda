// kiln bench: compile a model with a Google Benchmark harness around it,
// run it, and report latency, throughput, GFLOP/s and % of the measured
// peak; with --profile, each Keras layer's share, as a table and a chart.
#include "Commands.h"
#include "SharedFlags.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <fmt/format.h>

namespace cl = llvm::cl;

namespace kiln::cli {
namespace {
struct ProfileRow {
  std::string layers;
  double seconds = 0;
  double share = 0;
};

std::string htmlEscape(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  }
  return out;
}

/// A horizontal bar chart of the slowest layers as a Graphviz HTML table
/// (Graphviz is what kiln plot already uses to draw).
std::string chartDot(const std::string &title, const std::vector<ProfileRow> &rows) {
  constexpr size_t kMaxBars = 30;
  constexpr int kBarWidth = 480;
  double longest = 0;
  for (const ProfileRow &row : rows)
    longest = std::max(longest, row.seconds);
  std::string body;
  double rest = 0, restShare = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i >= kMaxBars) {
      rest += rows[i].seconds;
      restShare += rows[i].share;
      continue;
    }
    int width = longest > 0 ? std::max(1, int(kBarWidth * rows[i].seconds / longest)) : 1;
    // The bar and the space after it always add up to kBarWidth.
    body += fmt::format(
        "<TR><TD ALIGN=\"RIGHT\">{}</TD><TD CELLPADDING=\"0\"><TABLE BORDER=\"0\" "
        "CELLPADDING=\"0\" CELLSPACING=\"0\"><TR><TD BGCOLOR=\"#4878a8\" WIDTH=\"{}\" "
        "HEIGHT=\"14\" FIXEDSIZE=\"TRUE\"></TD><TD WIDTH=\"{}\" HEIGHT=\"14\" "
        "FIXEDSIZE=\"TRUE\"></TD></TR></TABLE></TD><TD ALIGN=\"LEFT\">{:.3f} ms  {:.1f} %</TD>"
        "</TR>\n",
        htmlEscape(rows[i].layers), width, kBarWidth + 1 - width, rows[i].seconds * 1e3,
        rows[i].share);
  }
  if (rows.size() > kMaxBars)
    body += fmt::format("<TR><TD ALIGN=\"RIGHT\"><I>{} other ops</I></TD><TD></TD>"
                        "<TD ALIGN=\"LEFT\">{:.3f} ms  {:.1f} %</TD></TR>\n",
                        rows.size() - kMaxBars, rest * 1e3, restShare);
  return fmt::format("digraph profile {{\n  graph [bgcolor=white];\n  node [shape=plaintext, "
                     "fontname=\"Helvetica\", fontsize=11];\n  chart [label=<<TABLE "
                     "BORDER=\"0\" CELLSPACING=\"3\">\n<TR><TD COLSPAN=\"3\"><B>{}</B></TD></TR>\n"
                     "{}</TABLE>>];\n}}\n",
                     htmlEscape(title), body);
}

bool readProfileTable(const std::string &path, std::vector<ProfileRow> &rows, std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = "the benchmark wrote no profile table (" + path + ")";
    return false;
  }
  llvm::SmallVector<llvm::StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n', -1, false);
  for (llvm::StringRef line : lines) {
    llvm::SmallVector<llvm::StringRef> fields;
    line.split(fields, '\t');
    ProfileRow row;
    if (fields.size() != 4 || fields[1].getAsDouble(row.seconds) ||
        fields[3].getAsDouble(row.share)) {
      error = "malformed profile table line '" + line.str() + "' in " + path;
      return false;
    }
    row.layers = fields[0].str();
    rows.push_back(row);
  }
  return true;
}
} // namespace

int benchCommand(int argc, char **argv) {
  cl::OptionCategory category("kiln bench options");
  cl::opt<std::string> model(cl::Positional, cl::desc("MODEL (.keras or .h5)"), cl::Required,
                             cl::cat(category));
  cl::opt<int64_t> batch("batch", cl::desc("samples per forward pass"), cl::init(1),
                         cl::cat(category));
  cl::list<std::string> inputShapes(
      "input-shape", cl::desc("fix an input's open (None) axes, batch axis excluded"),
      cl::value_desc("NAME=D1x...xDk"), cl::cat(category));
  cl::list<std::string> limits("limit", cl::desc("raise an import limit (kiln --help lists them)"),
                               cl::value_desc("NAME=N"), cl::cat(category));
  cl::opt<std::string> chart("chart",
                             cl::desc("with --profile: bar chart file (.png, .svg or .dot; "
                                      "default NAME.profile.png)"),
                             cl::value_desc("FILE"), cl::cat(category));
  cl::opt<double> minTime("min-time", cl::desc("seconds per timed repetition (default 0.5)"),
                          cl::init(0.5), cl::cat(category));
  cl::opt<std::string> keep("o", cl::desc("keep the generated harness in DIR"),
                            cl::value_desc("DIR"), cl::cat(category));
  cl::opt<std::string> cxxFlags("cxx-flags",
                                cl::desc(cxxFlagsHelp()),
                                cl::cat(category));
  bool profile = false;
  std::vector<char *> args;
  for (int i = 0; i < argc; ++i) {
    if (llvm::StringRef(argv[i]) == "--profile" || llvm::StringRef(argv[i]) == "-profile")
      profile = true;
    else
      args.push_back(argv[i]);
  }
  int64_t threads = 1;
  std::string error;
  if (!takeThreadsFlag(args, threads, error))
    return reportError(error);
  cl::HideUnrelatedOptions(category); // LLVM's and MLIR's own flags stay accepted, unlisted
  cl::ParseCommandLineOptions(int(args.size()), args.data(),
                              "kiln bench: time a compiled model with Google Benchmark\n"
                              "  --threads N  threads the generated kernels use (default 1)\n"
                              "  --profile    also time every Keras layer\n");
  if (minTime <= 0)
    return reportError("--min-time must be positive");
  if (!chart.empty() && !profile)
    return reportError("--chart needs --profile");

  TempDir temp("kiln-bench");
  std::string dir = keep.empty() ? temp.path() : keep.getValue();
  if (dir.empty())
    return reportError("cannot create a temporary folder");

  CompileRequest request;
  request.modelPath = model;
  request.outDir = dir;
  request.emit = Emit::Bench;
  request.batch = batch;
  request.threads = threads;
  request.profile = profile;
  request.inputShapes.assign(inputShapes.begin(), inputShapes.end());
  request.limits.assign(limits.begin(), limits.end());
  applyCxxFlags(cxxFlags, request.toolchain);
  std::string name;
  if (int rc = compileModel(request, &name))
    return rc;

  std::string table = dir + "/profile.tsv";
  std::vector<std::string> command{dir + "/" + name + "_bench",
                                   fmt::format("--benchmark_min_time={}", double(minTime))};
  if (profile)
    command.insert(command.end(), {"--profile-table", table});
  llvm::outs().flush();
  int rc = runProgram(command, error);
  if (rc != 0)
    return reportError(error.empty() ? "the benchmark failed (exit " + std::to_string(rc) + ")"
                                     : error);
  if (!profile)
    return 0;

  std::vector<ProfileRow> rows;
  if (!readProfileTable(table, rows, error))
    return reportError(error);
  std::string chartPath = chart.empty() ? name + ".profile.png" : chart.getValue();
  std::string title = fmt::format("{}: time per Keras layer, batch {}, {} thread{}",
                                  llvm::sys::path::filename(model.getValue()).str(), int64_t(batch),
                                  threads, threads == 1 ? "" : "s");
  if (!renderDot(chartDot(title, rows), chartPath, error))
    return reportError(error);
  llvm::outs() << "chart: " << chartPath << "\n";
  return 0;
}

} // namespace kiln::cli
