// Helpers the commands share: running programs, temporary folders, Graphviz.
#include "Commands.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <unistd.h>

namespace kiln::cli {

int runProgram(const std::vector<std::string> &argv, std::string &error) {
  std::string program = argv.front();
  if (!llvm::sys::path::has_parent_path(program)) {
    auto found = llvm::sys::findProgramByName(program);
    if (!found) {
      error = "cannot find '" + program + "' on PATH";
      return -1;
    }
    program = *found;
  }
  std::vector<llvm::StringRef> refs(argv.begin(), argv.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(program, refs, std::nullopt, {}, 0, 0, &message);
  if (rc < 0)
    error = "running " + llvm::join(argv, " ") + " failed" + (message.empty() ? "" : ": " + message);
  return rc;
}

namespace {
// Written before the alarm is armed; the handler only reads it.
char g_watchdogMessage[4096];
std::size_t g_watchdogLength = 0;

void watchdogFired(int) {
  // Only async-signal-safe calls here.
  (void)!::write(2, g_watchdogMessage, g_watchdogLength);
  ::_exit(1);
}
} // namespace

ImportWatchdog::ImportWatchdog(const std::string &modelPath, int64_t seconds) {
  std::string message = "kiln: error: " + modelPath + ": reading the model took more than " +
                        std::to_string(seconds) + " s; the limit is import-seconds=" +
                        std::to_string(seconds) + " (raise it with --limit import-seconds=N)\n";
  g_watchdogLength = std::min(message.size(), sizeof(g_watchdogMessage));
  std::memcpy(g_watchdogMessage, message.data(), g_watchdogLength);
  std::signal(SIGALRM, watchdogFired);
  ::alarm(unsigned(std::min<int64_t>(seconds, 1 << 30)));
}

ImportWatchdog::~ImportWatchdog() { ::alarm(0); }

TempDir::TempDir(const std::string &prefix) {
  llvm::SmallString<128> dir;
  if (!llvm::sys::fs::createUniqueDirectory(prefix, dir))
    path_ = dir.str().str();
}

TempDir::~TempDir() {
  if (!path_.empty())
    llvm::sys::fs::remove_directories(path_);
}

bool renderDot(const std::string &dot, const std::string &output, std::string &error) {
  std::string ext = llvm::sys::path::extension(output).str();
  if (ext != ".dot" && ext != ".svg" && ext != ".png") {
    error = output + ": expected a .svg, .png or .dot file name";
    return false;
  }
  // Written beside the output and renamed, so a failure leaves nothing.
  std::string temp = output + ".tmp";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(temp, ec);
    if (ec) {
      error = "cannot write '" + temp + "': " + ec.message();
      return false;
    }
    os << dot;
  }
  if (ext != ".dot") {
    if (!llvm::sys::findProgramByName("dot")) {
      llvm::sys::fs::remove(temp);
      error = "Graphviz's `dot` is not installed (apt-get install graphviz); write a .dot "
              "file instead";
      return false;
    }
    std::string rendered = output + ".render.tmp";
    int rc = runProgram({"dot", "-T" + ext.substr(1), "-o" + rendered, temp}, error);
    llvm::sys::fs::remove(temp);
    if (rc != 0) {
      llvm::sys::fs::remove(rendered);
      if (error.empty())
        error = "dot failed (exit " + std::to_string(rc) + ")";
      return false;
    }
    temp = rendered;
  }
  if (auto ec = llvm::sys::fs::rename(temp, output)) {
    llvm::sys::fs::remove(temp);
    error = "cannot write '" + output + "': " + ec.message();
    return false;
  }
  return true;
}

} // namespace kiln::cli
