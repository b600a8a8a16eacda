// RUN: kiln-opt %s -kiln-plan-memory | FileCheck %s

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
