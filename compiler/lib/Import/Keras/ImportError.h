// Import failures carry the Keras context a user needs to find the problem.
#ifndef KILN_IMPORT_KERAS_IMPORTERROR_H
#define KILN_IMPORT_KERAS_IMPORTERROR_H

#include <stdexcept>
#include <string>

namespace kiln::keras {

/// Thrown inside the importer only, and caught at its entry point, which turns
/// it into the one-line message of importKerasModel. `layer` is
/// "NAME (CLASS)" or empty when the problem is not about one layer.
struct ImportError : std::runtime_error {
  ImportError(std::string layer, const std::string &message)
      : std::runtime_error(message), layer(std::move(layer)) {}
  std::string layer;
};

/// The end of a message about a file beyond an import limit.
inline std::string overLimit(const char *name, long long value) {
  return "; the limit is " + std::string(name) + "=" + std::to_string(value) +
         " (raise it with --limit " + name + "=N)";
}

inline std::string layerLabel(const std::string &name, const std::string &cls) {
  return name + " (" + cls + ")";
}

} // namespace kiln::keras

#endif
