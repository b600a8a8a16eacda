// libFuzzer target: the .keras reader (zip container, member limits).
#include "Archive.h"
#include "ImportError.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  kiln::ImportLimits limits;
  limits.configBytes = 1 << 20; // keep each run small
  limits.fileBytes = 1 << 24;
  try {
    kiln::keras::readKerasArchiveFromMemory(
        std::string(reinterpret_cast<const char *>(data), size), limits);
  } catch (const kiln::keras::ImportError &) {
  }
  return 0;
}
