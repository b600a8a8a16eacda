// libFuzzer target: the model config parser (JSON, layer specs, nested
// models, node references).
#include "ImportError.h"
#include "ModelConfig.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  kiln::ImportLimits limits;
  try {
    kiln::keras::ModelSpec spec = kiln::keras::parseModelConfig(
        std::string(reinterpret_cast<const char *>(data), size), "config.json", 3, limits);
    for (const kiln::keras::LayerSpec &layer : spec.layers)
      if (layer.isNestedModel())
        kiln::keras::parseNestedModel(layer, 3, limits);
  } catch (const kiln::keras::ImportError &) {
  }
  return 0;
}
