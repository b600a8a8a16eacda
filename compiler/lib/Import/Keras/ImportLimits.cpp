#include "kiln/Import/KerasImporter.h"

#include "llvm/ADT/StringRef.h"

namespace kiln {
namespace {
struct LimitField {
  const char *name;
  int64_t ImportLimits::*field;
};
constexpr LimitField kFields[] = {
    {"file-bytes", &ImportLimits::fileBytes},   {"config-bytes", &ImportLimits::configBytes},
    {"json-depth", &ImportLimits::jsonDepth},   {"zip-ratio", &ImportLimits::zipRatio},
    {"layers", &ImportLimits::layers},          {"tensor-elements", &ImportLimits::tensorElements},
    {"import-seconds", &ImportLimits::importSeconds},
};
} // namespace

bool setImportLimit(ImportLimits &limits, const std::string &spec, std::string &error) {
  auto [name, value] = llvm::StringRef(spec).split('=');
  for (const LimitField &f : kFields) {
    if (name != f.name)
      continue;
    int64_t n = 0;
    if (value.getAsInteger(10, n) || n <= 0) {
      error = "--limit " + spec + ": the value must be a positive integer";
      return false;
    }
    limits.*f.field = n;
    return true;
  }
  error = "--limit " + spec + ": unknown limit; the limits are " + describeImportLimits(limits);
  return false;
}

std::string describeImportLimits(const ImportLimits &limits) {
  std::string out;
  for (const LimitField &f : kFields)
    out += (out.empty() ? "" : ", ") + std::string(f.name) + "=" + std::to_string(limits.*f.field);
  return out;
}

} // namespace kiln
