// RUN: kiln-opt %s -kiln-fuse-activation | FileCheck %s

// CHECK-LABEL: func.func @fuse
func.func @fuse(%x: tensor<1x4xf32>, %k: tensor<4x8xf32>) -> tensor<1x8xf32> {
  // CHECK: %[[D:.*]] = kiln.dense %{{.*}}, %{{.*}} {activation = #kiln.activation<gelu>}
  // CHECK-NOT: kiln.activation
  // CHECK: return %[[D]]
  %0 = kiln.dense %x, %k : (tensor<1x4xf32>, tensor<4x8xf32>) -> tensor<1x8xf32>
  %1 = kiln.activation %0 {kind = #kiln.activation<gelu>} : tensor<1x8xf32>
  return %1 : tensor<1x8xf32>
}

// The dense result is used twice: fusing would change the other user's input.
// CHECK-LABEL: func.func @shared_result
func.func @shared_result(%x: tensor<1x4xf32>, %k: tensor<4x8xf32>) -> (tensor<1x8xf32>, tensor<1x8xf32>) {
  // CHECK: kiln.dense %{{.*}}, %{{.*}} :
  // CHECK: kiln.activation
  %0 = kiln.dense %x, %k : (tensor<1x4xf32>, tensor<4x8xf32>) -> tensor<1x8xf32>
  %1 = kiln.activation %0 {kind = #kiln.activation<relu>} : tensor<1x8xf32>
  return %0, %1 : tensor<1x8xf32>, tensor<1x8xf32>
}

// A producer with an epilogue already keeps it; the second activation stays.
// CHECK-LABEL: func.func @already_fused
func.func @already_fused(%x: tensor<1x4xf32>, %k: tensor<4x8xf32>) -> tensor<1x8xf32> {
  // CHECK: kiln.dense {{.*}} {activation = #kiln.activation<relu>}
  // CHECK: kiln.activation %{{.*}} {kind = #kiln.activation<sigmoid>}
  %0 = kiln.dense %x, %k {activation = #kiln.activation<relu>} : (tensor<1x4xf32>, tensor<4x8xf32>) -> tensor<1x8xf32>
  %1 = kiln.activation %0 {kind = #kiln.activation<sigmoid>} : tensor<1x8xf32>
  return %1 : tensor<1x8xf32>
}

// Only activations after a fusible op fold.
// CHECK-LABEL: func.func @no_producer
func.func @no_producer(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  // CHECK: kiln.softmax
  // CHECK: kiln.activation
  %0 = kiln.softmax %x : tensor<1x8xf32>
  %1 = kiln.activation %0 {kind = #kiln.activation<relu>} : tensor<1x8xf32>
  return %1 : tensor<1x8xf32>
}
