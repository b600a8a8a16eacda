// kiln summary and kiln plot: the model as Keras's model.summary() and
// keras.utils.plot_model show it.
#include "Commands.h"

#include "kiln/Import/KerasImporter.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <fmt/format.h>

namespace cl = llvm::cl;

namespace kiln::cli {
namespace {

/// Imports the model only as far as its per-layer report.
bool loadReport(const std::string &path, const std::vector<std::string> &limits,
                ModelReport &report) {
  mlir::DialectRegistry registry;
  registerImportDialects(registry);
  mlir::MLIRContext context(registry);
  ImportOptions options;
  options.report = &report;
  options.openAxisSize = 1; // shapes are reported, not compiled
  std::string error;
  if (!parseLimits(limits, options, error)) {
    reportError(error);
    return false;
  }
  ImportWatchdog watchdog(path, options.limits.importSeconds);
  if (!importKerasModel(context, path, options, error)) {
    reportError(error);
    return false;
  }
  return true;
}

std::string withCommas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += ',';
    out += digits[i];
  }
  return out;
}

/// Keras's readable_memory_size: 4 bytes a float32 parameter, 1024 steps.
std::string memorySize(int64_t params) {
  double bytes = double(params) * 4.0;
  const char *units[] = {"B", "KB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 4) {
    bytes /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.2f} {}", bytes, units[unit]);
}

std::string repeat(const char *s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

/// Display width of UTF-8 text (the table's content is ASCII but for names).
size_t width(const std::string &s) {
  size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80;
  return n;
}

void printTable(const ModelReport &report, llvm::raw_ostream &os) {
  bool connected = !report.sequential;
  std::vector<std::vector<std::vector<std::string>>> rows; // row -> column -> lines
  std::vector<std::string> headers = {"Layer (type)", "Output Shape", "Param #"};
  if (connected)
    headers.push_back("Connected to");
  int64_t trainable = 0, nonTrainable = 0;
  for (const LayerReport &layer : report.layers) {
    trainable += layer.trainableParams;
    nonTrainable += layer.nonTrainableParams;
    if (report.sequential && layer.className == "InputLayer")
      continue;
    std::string shape = layer.outputShapes.size() == 1
                            ? layer.outputShapes.front()
                            : "[" + llvm::join(layer.outputShapes, ", ") + "]";
    std::vector<std::vector<std::string>> row = {
        {layer.name + " (" + layer.className + ")"},
        {shape},
        {withCommas(layer.trainableParams + layer.nonTrainableParams)}};
    if (connected) {
      // One inbound tensor a line, as Keras wraps them.
      std::vector<std::string> lines;
      for (size_t i = 0; i < layer.connectedTo.size(); ++i)
        lines.push_back(layer.connectedTo[i] + (i + 1 < layer.connectedTo.size() ? "," : ""));
      if (lines.empty())
        lines.push_back("-");
      row.push_back(lines);
    }
    rows.push_back(row);
  }
  std::vector<size_t> widths;
  for (const std::string &h : headers)
    widths.push_back(width(h));
  for (const auto &row : rows)
    for (size_t c = 0; c < row.size(); ++c)
      for (const std::string &line : row[c])
        widths[c] = std::max(widths[c], width(line));

  auto border = [&](const char *left, const char *fill, const char *mid, const char *right) {
    os << left;
    for (size_t c = 0; c < widths.size(); ++c)
      os << repeat(fill, widths[c] + 2) << (c + 1 < widths.size() ? mid : right);
    os << "\n";
  };
  auto cells = [&](const std::vector<std::string> &texts, const char *bar) {
    os << bar;
    for (size_t c = 0; c < texts.size(); ++c) {
      std::string pad(widths[c] - width(texts[c]), ' ');
      // Param # is right-aligned, as Keras does.
      os << " " << (c == 2 ? pad + texts[c] : texts[c] + pad) << " " << bar;
    }
    os << "\n";
  };
  os << "Model: \"" << report.modelName << "\"\n";
  border("┏", "━", "┳", "┓");
  cells(headers, "┃");
  border("┡", "━", "╇", "┩");
  for (size_t r = 0; r < rows.size(); ++r) {
    size_t height = 0;
    for (const auto &column : rows[r])
      height = std::max(height, column.size());
    for (size_t line = 0; line < height; ++line) {
      std::vector<std::string> texts;
      for (const auto &column : rows[r])
        texts.push_back(line < column.size() ? column[line] : "");
      cells(texts, "│");
    }
    if (r + 1 < rows.size())
      border("├", "─", "┼", "┤");
  }
  border("└", "─", "┴", "┘");
  os << " Total params: " << withCommas(trainable + nonTrainable) << " ("
     << memorySize(trainable + nonTrainable) << ")\n"
     << " Trainable params: " << withCommas(trainable) << " (" << memorySize(trainable) << ")\n"
     << " Non-trainable params: " << withCommas(nonTrainable) << " ("
     << memorySize(nonTrainable) << ")\n";
}

void printJson(const ModelReport &report, llvm::raw_ostream &os) {
  llvm::json::Array layers;
  int64_t trainable = 0, nonTrainable = 0;
  for (const LayerReport &layer : report.layers) {
    trainable += layer.trainableParams;
    nonTrainable += layer.nonTrainableParams;
    layers.push_back(llvm::json::Object{
        {"name", layer.name},
        {"class_name", layer.className},
        {"output_shapes", llvm::json::Array(layer.outputShapes)},
        {"params", layer.trainableParams + layer.nonTrainableParams},
        {"trainable_params", layer.trainableParams},
        {"connected_to", llvm::json::Array(layer.connectedTo)}});
  }
  os << llvm::json::Value(llvm::json::Object{{"name", report.modelName},
                                             {"total_params", trainable + nonTrainable},
                                             {"trainable_params", trainable},
                                             {"non_trainable_params", nonTrainable},
                                             {"layers", std::move(layers)}})
     << "\n";
}

std::string dotEscape(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\' || c == '{' || c == '}' || c == '|' || c == '<' || c == '>')
      out += '\\';
    out += c;
  }
  return out;
}

std::string toDot(const ModelReport &report, bool showShapes) {
  std::string dot = "digraph \"" + dotEscape(report.modelName) + "\" {\n"
                    "  rankdir=TB;\n"
                    "  node [shape=record, fontname=\"Helvetica\", fontsize=11];\n";
  std::map<std::string, std::string> shapes;
  for (const LayerReport &layer : report.layers)
    shapes[layer.name] = llvm::join(layer.outputShapes, ", ");
  for (const LayerReport &layer : report.layers) {
    std::string label = dotEscape(layer.name + " (" + layer.className + ")");
    if (showShapes) {
      std::vector<std::string> inputs;
      for (const std::string &in : layer.inboundLayers)
        inputs.push_back(shapes[in]);
      std::string in = inputs.empty() ? shapes[layer.name] : llvm::join(inputs, ", ");
      label = "{" + label + "|{input:|output:}|{" + dotEscape(in) + "|" +
              dotEscape(shapes[layer.name]) + "}}";
    }
    dot += "  \"" + dotEscape(layer.name) + "\" [label=\"" + label + "\"];\n";
  }
  for (const LayerReport &layer : report.layers)
    for (const std::string &in : layer.inboundLayers)
      dot += "  \"" + dotEscape(in) + "\" -> \"" + dotEscape(layer.name) + "\";\n";
  return dot + "}\n";
}
} // namespace

int summaryCommand(int argc, char **argv) {
  cl::OptionCategory category("kiln summary options");
  cl::opt<std::string> model(cl::Positional, cl::desc("MODEL (.keras or .h5)"), cl::Required,
                             cl::cat(category));
  cl::list<std::string> limits("limit", cl::desc("raise an import limit (kiln --help lists them)"),
                               cl::value_desc("NAME=N"), cl::cat(category));
  cl::opt<bool> json("json", cl::desc("print the numbers as JSON"), cl::cat(category));
  cl::HideUnrelatedOptions(category); // LLVM's and MLIR's own flags stay accepted, unlisted
  cl::ParseCommandLineOptions(argc, argv, "kiln summary: the model.summary() table\n");
  ModelReport report;
  if (!loadReport(model, std::vector<std::string>(limits.begin(), limits.end()), report))
    return 1;
  if (json)
    printJson(report, llvm::outs());
  else
    printTable(report, llvm::outs());
  return 0;
}

int plotCommand(int argc, char **argv) {
  cl::OptionCategory category("kiln plot options");
  cl::opt<std::string> model(cl::Positional, cl::desc("MODEL (.keras or .h5)"), cl::Required,
                             cl::cat(category));
  cl::list<std::string> limits("limit", cl::desc("raise an import limit (kiln --help lists them)"),
                               cl::value_desc("NAME=N"), cl::cat(category));
  cl::opt<std::string> output("o", cl::desc("FILE.svg, FILE.png or FILE.dot"), cl::Required,
                              cl::cat(category));
  cl::opt<bool> showShapes("show-shapes", cl::desc("label layers with their shapes"),
                           cl::cat(category));
  cl::HideUnrelatedOptions(category); // LLVM's and MLIR's own flags stay accepted, unlisted
  cl::ParseCommandLineOptions(argc, argv, "kiln plot: draw the layer graph\n");
  std::string ext = llvm::sys::path::extension(output).str();
  if (ext != ".dot" && ext != ".svg" && ext != ".png")
    return reportError(output + ": expected a .svg, .png or .dot file name");
  ModelReport report;
  if (!loadReport(model, std::vector<std::string>(limits.begin(), limits.end()), report))
    return 1;
  std::string error;
  if (!renderDot(toDot(report, showShapes), output, error))
    return reportError(error);
  return 0;
}

} // namespace kiln::cli
