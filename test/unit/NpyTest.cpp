#include "kiln/rt/npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace {
std::string tempPath(const char *name) {
  return ::testing::TempDir() + name;
}
} // namespace

TEST(Npy, RoundTripsShapesAndValues) {
  for (const std::vector<std::int64_t> &shape :
       {std::vector<std::int64_t>{5}, {2, 3}, {1, 4, 2}, {3, 1, 1, 2}}) {
    std::size_t n = 1;
    for (auto d : shape)
      n *= d;
    std::vector<float> data(n);
    for (std::size_t i = 0; i < n; ++i)
      data[i] = 0.25f * float(i) - 1.0f;
    std::string path = tempPath("roundtrip.npy"), error;
    ASSERT_TRUE(kiln::rt::writeNpy(path, shape, data.data(), error)) << error;
    kiln::rt::NpyArray back;
    ASSERT_TRUE(kiln::rt::readNpy(path, back, error)) << error;
    EXPECT_EQ(back.shape, shape);
    EXPECT_EQ(back.data, data);
  }
}

TEST(Npy, RejectsWhatItCannotRead) {
  std::string path = tempPath("bad.npy"), error;
  std::ofstream(path) << "not numpy";
  kiln::rt::NpyArray array;
  EXPECT_FALSE(kiln::rt::readNpy(path, array, error));
  EXPECT_NE(error.find("is not a .npy file"), std::string::npos) << error;

  EXPECT_FALSE(kiln::rt::readNpy(tempPath("missing.npy"), array, error));
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;

  // A valid header whose data is cut short.
  std::vector<float> data(6, 1.0f);
  ASSERT_TRUE(kiln::rt::writeNpy(path, {2, 3}, data.data(), error));
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() - 4);
  EXPECT_FALSE(kiln::rt::readNpy(path, array, error));
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
}
