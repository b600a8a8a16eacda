// Fused elementwise chains (kiln.elementwise): one pass over the data, with
// the chain given at compile time as a Program of Steps, so the compiler
// inlines it into the loop and no intermediate tensor is written.
#ifndef KILN_RT_ELTWISE_FUSED_H
#define KILN_RT_ELTWISE_FUSED_H

#include "kiln/rt/eltwise/activation.h"
#include "kiln/rt/eltwise/binary.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kiln {
namespace rt {

/// One input of a fused chain: its data and its element strides along the
/// four iteration axes (0 where it is broadcast).
struct Operand {
  const float *data;
  std::size_t s0, s1, s2, s3;
};

inline Operand operand(const float *data, std::size_t s0, std::size_t s1, std::size_t s2,
                       std::size_t s3) {
  return Operand{data, s0, s1, s2, s3};
}

namespace detail {
/// A float template argument, passed as its IEEE-754 bits (C++17 has no
/// float template parameters).
template <std::uint32_t Bits> inline float fromBits() {
  const std::uint32_t bits = Bits;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
} // namespace detail

// Steps read registers (the inputs' elements, then earlier steps' results)
// by index.
template <BinOp O, int A, int B> struct Bin {
  static float eval(const float *r) { return combine<O>(r[A], r[B]); }
};
template <Act K, int A> struct Unary {
  static float eval(const float *r) { return activate<K>(r[A]); }
};
template <Act K, int A, std::uint32_t Alpha, std::uint32_t MaxValue, std::uint32_t Threshold>
struct UnaryParam {
  static float eval(const float *r) {
    return activate_param<K>(r[A], detail::fromBits<Alpha>(), detail::fromBits<MaxValue>(),
                             detail::fromBits<Threshold>());
  }
};

/// Steps run in order, each appending one register; register `Result` is
/// the output element.
template <int Inputs, int Result, class... Steps> struct Program {
  static constexpr int kInputs = Inputs;
  static float run(float *r) {
    int k = Inputs;
    ((r[k] = Steps::eval(r), ++k), ...);
    return r[Result];
  }
  static constexpr int kRegisters = Inputs + int(sizeof...(Steps));
};

/// y = P(inputs...) over a 4-D iteration space (d0..d3, y contiguous). y
/// may alias an input laid out like y: each element is read before it is
/// written.
template <class P, class... Ops>
inline void elementwise_f32(float *y, std::size_t d0, std::size_t d1, std::size_t d2,
                            std::size_t d3, Ops... ops) {
  static_assert(sizeof...(Ops) == P::kInputs, "one operand per program input");
  const Operand in[] = {ops...};
  constexpr int n = P::kInputs;
  bool contiguous = true;
  for (int j = 0; j < n; ++j)
    contiguous = contiguous && in[j].s3 == 1;
  for (std::size_t i0 = 0; i0 < d0; ++i0)
    for (std::size_t i1 = 0; i1 < d1; ++i1)
      for (std::size_t i2 = 0; i2 < d2; ++i2) {
        const float *row[n];
        for (int j = 0; j < n; ++j)
          row[j] = in[j].data + i0 * in[j].s0 + i1 * in[j].s1 + i2 * in[j].s2;
        float *yr = y + ((i0 * d1 + i1) * d2 + i2) * d3;
        float r[P::kRegisters];
        // The common case, every input walking the row, in its own loop so
        // the compiler vectorizes it.
        if (contiguous) {
          for (std::size_t i = 0; i < d3; ++i) {
            for (int j = 0; j < n; ++j)
              r[j] = row[j][i];
            yr[i] = P::run(r);
          }
        } else {
          for (std::size_t i = 0; i < d3; ++i) {
            for (int j = 0; j < n; ++j)
              r[j] = row[j][i * in[j].s3];
            yr[i] = P::run(r);
          }
        }
      }
}

} // namespace rt
} // namespace kiln

#endif
