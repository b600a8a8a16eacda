// RUN: kiln-opt %s -split-input-file -kiln-fuse-activation | FileCheck %s

// CHECK-LABEL: func.func @fuse
func.func @fuse(%x: tensor<1x4xf32>, %k: tensor<4x8xf32>) -> tensor<1x8xf32> {
  // CHECK: %[[D:.*]] = kiln.dense %{{.*}}, %{{.*}} {activation = #kiln.activation<gelu>}
  // CHECK-NOT: kiln.activation
  // CHECK: return %[[D]]
  %0 = kiln.dense %x, %k : (tensor<1x4xf32>, tensor<4x8xf32>) -> tensor<1x8xf32>
  %1 = kiln.activation %0 {kind = #kiln.activation<gelu>} : tensor<1x8xf32>
  return %1 : tensor<1x8xf32>
}

// -----

// The dense result is used twice: fusing would change the other user's input.
// CHECK-LABEL: func.func @shared_result
func.func @shared_result(%x: tensor<1x4xf32>, %k: tensor<4x8xf32>) -> (tensor<1x8xf32>, tensor<1x8xf32>) {
  // CHECK: kiln.dense %{{.*}}, %{{.*}} :
  // CHECK: kiln.activation
  %0 = kiln.dense %x, %k : (tensor<1x4xf32>, tensor<4x8xf32>) -> tensor<1x8xf32>
  %1 = kiln.activation %0 {kind = #kiln.activation<relu>} : tensor<1x8xf32>
  return %0, %1 : tensor<1x8xf32>, tensor<1x8xf32>
}

// -----

// A producer with an epilogue already keeps it; the second activation stays.
// CHECK-LABEL: func.func @already_fused
func.func @already_fused(%x: tensor<1x4xf32>, %k: tensor<4x8xf32>) -> tensor<1x8xf32> {
  // CHECK: kiln.dense {{.*}} {activation = #kiln.activation<relu>}
  // CHECK: kiln.activation %{{.*}} {kind = #kiln.activation<sigmoid>}
  %0 = kiln.dense %x, %k {activation = #kiln.activation<relu>} : (tensor<1x4xf32>, tensor<4x8xf32>) -> tensor<1x8xf32>
  %1 = kiln.activation %0 {kind = #kiln.activation<sigmoid>} : tensor<1x8xf32>
  return %1 : tensor<1x8xf32>
}

// -----

// Only activations after a fusible op fold.
// CHECK-LABEL: func.func @no_producer
func.func @no_producer(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  // CHECK: kiln.softmax
  // CHECK: kiln.activation
  %0 = kiln.softmax %x : tensor<1x8xf32>
  %1 = kiln.activation %0 {kind = #kiln.activation<relu>} : tensor<1x8xf32>
  return %1 : tensor<1x8xf32>
}

// -----

// Convolutions take activation epilogues too; parameterized activations
// (a Keras ReLU layer with max_value 5) stay separate.
// CHECK-LABEL: func.func @conv
func.func @conv(%x: tensor<1x8x8x4xf32>, %k: tensor<3x3x4x6xf32>) -> (tensor<1x6x6x6xf32>, tensor<1x6x6x6xf32>) {
  // CHECK: kiln.conv2d {{.*}}activation = #kiln.activation<silu>
  // CHECK: %[[C:.*]] = kiln.conv2d
  // CHECK: kiln.activation %[[C]] {kind = #kiln.activation<relu>, max_value = 5.000000e+00 : f32}
  %0 = kiln.conv2d %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x8x8x4xf32>, tensor<3x3x4x6xf32>) -> tensor<1x6x6x6xf32>
  %1 = kiln.activation %0 {kind = #kiln.activation<silu>} : tensor<1x6x6x6xf32>
  %2 = kiln.conv2d %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x8x8x4xf32>, tensor<3x3x4x6xf32>) -> tensor<1x6x6x6xf32>
  %3 = kiln.activation %2 {kind = #kiln.activation<relu>, max_value = 5.0 : f32} : tensor<1x6x6x6xf32>
  return %1, %3 : tensor<1x6x6x6xf32>, tensor<1x6x6x6xf32>
}

// -----

// ReLU(max_value=6) (MobileNetV2) is relu6, and ReLU() with explicit zero
// parameters is relu: both fold as those kinds.
// CHECK-LABEL: func.func @plain_parameters
func.func @plain_parameters(%x: tensor<1x4xf32>, %k: tensor<4x8xf32>) -> (tensor<1x8xf32>, tensor<1x8xf32>) {
  // CHECK: kiln.dense {{.*}}{activation = #kiln.activation<relu6>}
  // CHECK: kiln.dense {{.*}}{activation = #kiln.activation<relu>}
  // CHECK-NOT: kiln.activation %
  %0 = kiln.dense %x, %k : (tensor<1x4xf32>, tensor<4x8xf32>) -> tensor<1x8xf32>
  %1 = kiln.activation %0 {kind = #kiln.activation<relu>, max_value = 6.0 : f32} : tensor<1x8xf32>
  %2 = kiln.dense %x, %k : (tensor<1x4xf32>, tensor<4x8xf32>) -> tensor<1x8xf32>
  %3 = kiln.activation %2 {kind = #kiln.activation<relu>, alpha = 0.0 : f32, threshold = 0.0 : f32} : tensor<1x8xf32>
  return %1, %3 : tensor<1x8xf32>, tensor<1x8xf32>
}
