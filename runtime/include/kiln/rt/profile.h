// Per-op timers for profiled builds (kiln compile --profile, kiln bench
// --profile): the generated code brackets each kiln op with profile_begin /
// profile_end on its own slot. Wall-clock time, so an op running on several
// threads counts once. A profiled predict() is not reentrant.
#ifndef KILN_RT_PROFILE_H
#define KILN_RT_PROFILE_H

#include <chrono>
#include <cstdint>

namespace kiln::rt {

struct ProfileSlot {
  std::uint64_t nanoseconds = 0;
  std::uint64_t calls = 0;
  std::chrono::steady_clock::time_point start;
};

inline void profile_begin(ProfileSlot *slots, std::int64_t slot) {
  slots[slot].start = std::chrono::steady_clock::now();
}

inline void profile_end(ProfileSlot *slots, std::int64_t slot) {
  ProfileSlot &s = slots[slot];
  s.nanoseconds += std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now() - s.start)
                                     .count());
  ++s.calls;
}

} // namespace kiln::rt

#endif
