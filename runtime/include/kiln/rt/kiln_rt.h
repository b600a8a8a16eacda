// kiln runtime: the header-only kernels that generated code calls.
// Needs only a C++17 compiler and libm; no heap, exceptions or RTTI.
#ifndef KILN_RT_KILN_RT_H
#define KILN_RT_KILN_RT_H

#include "kiln/rt/conv/conv2d.h"
#include "kiln/rt/conv/depthwise.h"
#include "kiln/rt/conv/winograd.h"
#include "kiln/rt/eltwise/activation.h"
#include "kiln/rt/eltwise/binary.h"
#include "kiln/rt/eltwise/fused.h"
#include "kiln/rt/eltwise/norm.h"
#include "kiln/rt/eltwise/reduce.h"
#include "kiln/rt/eltwise/softmax.h"
#include "kiln/rt/gemm/dense.h"
#include "kiln/rt/gemm/matmul.h"
#include "kiln/rt/gemm/packed.h"
#include "kiln/rt/pool/pool2d.h"
#include "kiln/rt/profile.h"
#include "kiln/rt/seq/embedding.h"
#include "kiln/rt/seq/rnn.h"
#include "kiln/rt/shape/copy.h"
#include "kiln/rt/shape/pad.h"
#include "kiln/rt/train/activation_grad.h"
#include "kiln/rt/train/binary_grad.h"
#include "kiln/rt/train/broadcast.h"
#include "kiln/rt/train/conv_grad.h"
#include "kiln/rt/train/dense_grad.h"
#include "kiln/rt/train/dropout.h"
#include "kiln/rt/train/loss.h"
#include "kiln/rt/train/metric.h"
#include "kiln/rt/train/norm_grad.h"
#include "kiln/rt/train/optimizer.h"
#include "kiln/rt/train/regularization.h"
#include "kiln/rt/train/resize_grad.h"
#include "kiln/rt/train/rnn_grad.h"
#include "kiln/rt/train/sequence_grad.h"

#include <cstddef>

namespace kiln {
namespace rt {

/// A typed view of `offset` bytes into a byte buffer (the arena or the
/// weight blob); offsets are planned at compile time and 64-byte aligned.
template <typename T> inline T *at(unsigned char *base, std::size_t offset) {
  return reinterpret_cast<T *>(base + offset);
}
template <typename T>
inline const T *at(const unsigned char *base, std::size_t offset) {
  return reinterpret_cast<const T *>(base + offset);
}

} // namespace rt
} // namespace kiln

#endif
