// RUN: kiln-opt %s -split-input-file -kiln-plan-memory | FileCheck %s

// A chain reuses memory: %0 (256 B) and %2 (256 B) share offset 0 because
// %0 is dead once %1 is computed; %1 (512 B) is live alongside both.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: kiln.arena_bytes = 768 : i64, kiln.liveness_lower_bound_bytes = 768 : i64
func.func @chain(%x: tensor<1x64xf32>, %k1: tensor<64x64xf32>, %k2: tensor<64x128xf32>, %k3: tensor<128x64xf32>, %k4: tensor<64x10xf32>) -> tensor<1x10xf32> {
  // CHECK: kiln.dense {{.*}}kiln.arena_offset = array<i64: 512>, kiln.output_index = array<i64: -1>
  %0 = kiln.dense %x, %k1 : (tensor<1x64xf32>, tensor<64x64xf32>) -> tensor<1x64xf32>
  // CHECK: kiln.dense {{.*}}kiln.arena_offset = array<i64: 0>, kiln.output_index = array<i64: -1>
  %1 = kiln.dense %0, %k2 : (tensor<1x64xf32>, tensor<64x128xf32>) -> tensor<1x128xf32>
  // CHECK: kiln.dense {{.*}}kiln.arena_offset = array<i64: 512>, kiln.output_index = array<i64: -1>
  %2 = kiln.dense %1, %k3 : (tensor<1x128xf32>, tensor<128x64xf32>) -> tensor<1x64xf32>
  // The returned value is written straight into the caller's output.
  // CHECK: kiln.dense {{.*}}kiln.arena_offset = array<i64: -1>, kiln.output_index = array<i64: 0>
  %3 = kiln.dense %2, %k4 : (tensor<1x64xf32>, tensor<64x10xf32>) -> tensor<1x10xf32>
  return %3 : tensor<1x10xf32>
}

// -----

// A value returned twice takes the first output; the second is a copy.
// Scratch memory lives only during its op; the larger result is placed first.
// CHECK-LABEL: func.func @outputs_and_scratch
func.func @outputs_and_scratch(%x: tensor<2x16xf32>) -> (tensor<2x16xf32>, tensor<2x16xf32>, tensor<2x16xf32>) {
  // CHECK: kiln.sparsemax {{.*}}kiln.arena_offset = array<i64: 0>, kiln.output_index = array<i64: -1>, kiln.scratch_offset = 128 : i64
  %0 = kiln.sparsemax %x : tensor<2x16xf32>
  // CHECK: kiln.activation {{.*}}kiln.arena_offset = array<i64: -1>, kiln.output_index = array<i64: 1>
  %1 = kiln.activation %0 {kind = #kiln.activation<relu>} : tensor<2x16xf32>
  return %x, %1, %1 : tensor<2x16xf32>, tensor<2x16xf32>, tensor<2x16xf32>
}

// -----

// In place: an activation, a reshape and a same-shaped binary operand that
// die at their op hand their buffer on (kiln.in_place names the operand).
// The broadcast operand and a value still needed later are not reused.
// CHECK-LABEL: func.func @in_place
// CHECK-SAME: kiln.arena_bytes = 128 : i64, kiln.liveness_lower_bound_bytes = 128 : i64
func.func @in_place(%x: tensor<2x8xf32>, %k: tensor<8x8xf32>, %row: tensor<1x8xf32>) -> tensor<16xf32> {
  // CHECK: kiln.dense {{.*}}kiln.arena_offset = array<i64: [[A:[0-9]+]]>
  %0 = kiln.dense %x, %k : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  // CHECK: kiln.activation {{.*}}kiln.arena_offset = array<i64: [[A]]>, kiln.in_place = 0 : i64
  %1 = kiln.activation %0 {kind = #kiln.activation<relu>} : tensor<2x8xf32>
  // %1 is read again below: the softmax needs a buffer of its own.
  // CHECK: kiln.softmax {{.*}}kiln.arena_offset = array<i64: [[B:[0-9]+]]>, kiln.output_index
  %2 = kiln.softmax %1 : tensor<2x8xf32>
  // Both operands die here; the first takes the result.
  // CHECK: kiln.binary {{.*}}kiln.arena_offset = array<i64: [[A]]>, kiln.in_place = 0 : i64
  %3 = kiln.binary %1, %2 {kind = #kiln.binary<mul>} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  // The broadcast row is an argument; the other operand is overwritten.
  // CHECK: kiln.binary {{.*}}kiln.arena_offset = array<i64: [[A]]>, kiln.in_place = 0 : i64
  %4 = kiln.binary %3, %row {kind = #kiln.binary<add>} : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  // CHECK: kiln.reshape {{.*}}kiln.output_index = array<i64: 0>
  %5 = kiln.reshape %4 : (tensor<2x8xf32>) -> tensor<16xf32>
  return %5 : tensor<16xf32>
}

// -----

// A broadcast operand never takes the result, even when it dies here.
// CHECK-LABEL: func.func @broadcast_operand
func.func @broadcast_operand(%x: tensor<2x8xf32>, %k: tensor<8x1xf32>) -> tensor<2x8xf32> {
  // CHECK: kiln.dense
  %0 = kiln.dense %x, %k : (tensor<2x8xf32>, tensor<8x1xf32>) -> tensor<2x1xf32>
  // CHECK: kiln.binary
  // CHECK-NOT: kiln.in_place
  // CHECK: return
  %1 = kiln.binary %x, %0 {kind = #kiln.binary<sub>} : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %1 : tensor<2x8xf32>
}

// -----

// Concatenation without copies. Over the channels of NHWC tensors, the
// convolutions write their pixels' channels straight into their slice of
// the result at its row stride (kiln.row_stride, 8 channels); the input
// that is also read elsewhere is copied. The concatenation's buffer lives
// from the first convolution on.
// CHECK-LABEL: func.func @concat_channels
// CHECK-SAME: kiln.arena_bytes = 512 : i64
func.func @concat_channels(%x: tensor<1x4x4x2xf32>, %k: tensor<1x1x2x3xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x4x4x2xf32>) {
  // CHECK: kiln.conv2d {{.*}}kiln.arena_offset = array<i64: [[C:[0-9]+]]>, kiln.output_index = array<i64: -1>, kiln.row_stride = 8 : i64
  %0 = kiln.conv2d %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x2xf32>, tensor<1x1x2x3xf32>) -> tensor<1x4x4x3xf32>
  // CHECK: kiln.activation {{.*}}kiln.output_index = array<i64: 1>
  %1 = kiln.activation %x {kind = #kiln.activation<relu>} : tensor<1x4x4x2xf32>
  %2 = kiln.conv2d %1, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x2xf32>, tensor<1x1x2x3xf32>) -> tensor<1x4x4x3xf32>
  // CHECK: kiln.conv2d {{.*}}kiln.row_stride = 8 : i64
  // CHECK: kiln.concat {{.*}}kiln.arena_offset = array<i64: [[C]]>, kiln.output_index = array<i64: -1>, kiln.written_inputs = array<i64: 0, 1>
  %3 = kiln.concat %0, %2, %1 {axis = 3 : i64} : (tensor<1x4x4x3xf32>, tensor<1x4x4x3xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x8xf32>
  %4 = kiln.softmax %3 : tensor<1x4x4x8xf32>
  return %4, %1 : tensor<1x4x4x8xf32>, tensor<1x4x4x2xf32>
}

// -----

// Where each input's part is one contiguous run (batch 1, axis 1), any
// producer writes there, at its byte offset into the result; no stride.
// CHECK-LABEL: func.func @concat_runs
func.func @concat_runs(%x: tensor<1x8xf32>, %k: tensor<8x8xf32>) -> tensor<1x16xf32> {
  // CHECK: kiln.dense {{.*}}kiln.arena_offset = array<i64: [[D:[0-9]+]]>
  // CHECK-NOT: kiln.row_stride
  %0 = kiln.dense %x, %k : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32>
  %1 = kiln.activation %x {kind = #kiln.activation<tanh>} : tensor<1x8xf32>
  // CHECK: kiln.concat {{.*}}kiln.arena_offset = array<i64: [[D]]>, kiln.output_index = array<i64: -1>, kiln.written_inputs = array<i64: 0, 1>
  %2 = kiln.concat %0, %1 {axis = 1 : i64} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x16xf32>
  %3 = kiln.softmax %2 : tensor<1x16xf32>
  return %3 : tensor<1x16xf32>
}

// -----

// A negative axis counts from the end (Keras's default -1).
// CHECK-LABEL: func.func @concat_negative_axis
// CHECK: kiln.concat {{.*}}kiln.written_inputs = array<i64: 0, 1>
func.func @concat_negative_axis(%x: tensor<1x8xf32>, %k: tensor<8x8xf32>) -> tensor<1x16xf32> {
  %0 = kiln.dense %x, %k : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32>
  %1 = kiln.activation %x {kind = #kiln.activation<tanh>} : tensor<1x8xf32>
  %2 = kiln.concat %0, %1 {axis = -1 : i64} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x16xf32>
  %3 = kiln.softmax %2 : tensor<1x16xf32>
  return %3 : tensor<1x16xf32>
}
