// classify IMG.npy OUT.npy: the toy ResNet on every image in IMG.npy, with
// an arena this program owns.
#include "toy_resnet.h"

#include "kiln/rt/npy.h"

#include <cstdio>

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: classify IMG.npy OUT.npy\n");
    return 2;
  }
  kiln::rt::NpyArray images;
  std::string error;
  if (!kiln::rt::readNpy(argv[1], images, error)) {
    std::fprintf(stderr, "classify: %s\n", error.c_str());
    return 1;
  }
  std::size_t samples = images.data.size() / toy_resnet::kInput0Size;
  std::vector<float> predictions(samples * toy_resnet::kOutput0Size);
  alignas(toy_resnet::kArenaAlignment) static unsigned char arena[toy_resnet::kArenaBytes];
  const void *inputs[] = {images.data.data()};
  float *outputs[] = {predictions.data()};
  toy_resnet::predict(inputs, outputs, samples, arena);
  std::vector<std::int64_t> shape{std::int64_t(samples), std::int64_t(toy_resnet::kOutput0Size)};
  if (!kiln::rt::writeNpy(argv[2], shape, predictions.data(), error)) {
    std::fprintf(stderr, "classify: %s\n", error.c_str());
    return 1;
  }
  return 0;
}
