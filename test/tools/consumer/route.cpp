// route TITLE.npy BODY.npy TAGS.npy OUT_DIR: the ticket router on every
// ticket; writes OUT_DIR/priority.npy and OUT_DIR/department.npy.
#include "ticket_router.h"

#include "kiln/rt/npy.h"

#include <cstdio>
#include <string_view>

namespace tr = ticket_router;

int main(int argc, char **argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: route TITLE.npy BODY.npy TAGS.npy OUT_DIR\n");
    return 2;
  }
  kiln::rt::NpyArray title, body, tags;
  std::string error;
  if (!kiln::rt::readNpy(argv[1], title, error) || !kiln::rt::readNpy(argv[2], body, error) ||
      !kiln::rt::readNpy(argv[3], tags, error)) {
    std::fprintf(stderr, "route: %s\n", error.c_str());
    return 1;
  }
  static_assert(std::string_view(tr::kInput0Name) == "title" &&
                std::string_view(tr::kOutput1Name) == "department");
  std::size_t tickets = title.data.size() / tr::kInput0Size;
  std::vector<float> priority(tickets * tr::kOutput0Size), department(tickets * tr::kOutput1Size);
  const void *inputs[] = {title.data.data(), body.data.data(), tags.data.data()};
  float *outputs[] = {priority.data(), department.data()};
  tr::predict(inputs, outputs, tickets); // the library's static arena
  std::string dir = argv[4];
  if (!kiln::rt::writeNpy(dir + "/priority.npy", {std::int64_t(tickets), 1}, priority.data(), error) ||
      !kiln::rt::writeNpy(dir + "/department.npy",
                          {std::int64_t(tickets), std::int64_t(tr::kOutput1Size)},
                          department.data(), error)) {
    std::fprintf(stderr, "route: %s\n", error.c_str());
    return 1;
  }
  return 0;
}
