// RUN: kiln-opt %s -split-input-file -kiln-fuse-elementwise | FileCheck %s

// Hard-swish as Keras writes it, x * relu6(x + 3) / 6: one fused op whose
// inputs are x and the two broadcast constants.
// CHECK-LABEL: func.func @hard_swish
func.func @hard_swish(%x: tensor<1x4x4x8xf32>, %three: tensor<1x1x1x1xf32>, %sixth: tensor<1x1x1x1xf32>) -> tensor<1x4x4x8xf32> {
  // CHECK: %[[E:.*]] = kiln.elementwise %arg0, %arg1, %arg2 : (tensor<1x4x4x8xf32>, tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x4x4x8xf32> {
  // CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %[[T:.*]]: f32, %[[S:.*]]: f32):
  // CHECK-NEXT:   %[[A:.*]] = kiln.scalar_binary %[[X]], %[[T]] {kind = #kiln.binary<add>} : f32
  // CHECK-NEXT:   %[[R:.*]] = kiln.scalar_activation %[[A]] {kind = #kiln.activation<relu6>} : f32
  // CHECK-NEXT:   %[[M:.*]] = kiln.scalar_binary %[[X]], %[[R]] {kind = #kiln.binary<mul>} : f32
  // CHECK-NEXT:   %[[D:.*]] = kiln.scalar_binary %[[M]], %[[S]] {kind = #kiln.binary<mul>} : f32
  // CHECK-NEXT:   kiln.yield %[[D]] : f32
  // CHECK-NEXT: }
  // CHECK-NEXT: return %[[E]]
  %0 = kiln.binary %x, %three {kind = #kiln.binary<add>} : (tensor<1x4x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x4x4x8xf32>
  %1 = kiln.activation %0 {kind = #kiln.activation<relu6>} : tensor<1x4x4x8xf32>
  %2 = kiln.binary %x, %1 {kind = #kiln.binary<mul>} : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %3 = kiln.binary %2, %sixth {kind = #kiln.binary<mul>} : (tensor<1x4x4x8xf32>, tensor<1x1x1x1xf32>) -> tensor<1x4x4x8xf32>
  return %3 : tensor<1x4x4x8xf32>
}

// -----

// A value read outside the chain ends it: %0 is returned too, so it stays a
// tensor and becomes the fused op's input. Parameterized activations fuse
// with their parameters.
// CHECK-LABEL: func.func @shared_value
func.func @shared_value(%x: tensor<2x8xf32>, %y: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  // CHECK: %[[S:.*]] = kiln.binary %arg0, %arg1 {kind = #kiln.binary<sub>}
  // CHECK: kiln.elementwise %[[S]], %arg1
  // CHECK: kiln.scalar_activation %{{.*}} {alpha = 1.000000e-01 : f32, kind = #kiln.activation<relu>, max_value = 2.000000e+00 : f32} : f32
  // CHECK: kiln.scalar_binary %{{.*}} {kind = #kiln.binary<max>} : f32
  %0 = kiln.binary %x, %y {kind = #kiln.binary<sub>} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %1 = kiln.activation %0 {kind = #kiln.activation<relu>, alpha = 0.1 : f32, max_value = 2.0 : f32} : tensor<2x8xf32>
  %2 = kiln.binary %1, %y {kind = #kiln.binary<max>} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %0, %2 : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// A single op is not a chain; an op of a smaller type that a later op
// broadcasts is an input, not part of the chain.
// CHECK-LABEL: func.func @not_chains
func.func @not_chains(%x: tensor<2x8xf32>, %col: tensor<2x1xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  // CHECK: %[[A:.*]] = kiln.activation %arg0
  // CHECK: %[[N:.*]] = kiln.activation %arg1 {kind = #kiln.activation<negative>} : tensor<2x1xf32>
  // CHECK: kiln.binary %arg0, %[[N]]
  // CHECK-NOT: kiln.elementwise
  %0 = kiln.activation %x {kind = #kiln.activation<tanh>} : tensor<2x8xf32>
  %1 = kiln.activation %col {kind = #kiln.activation<negative>} : tensor<2x1xf32>
  %2 = kiln.binary %x, %1 {kind = #kiln.binary<add>} : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %0, %2 : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Ops other than binary and activation stop the chain (softmax reads a
// whole row); the chains on either side fuse separately.
// CHECK-LABEL: func.func @around_softmax
func.func @around_softmax(%s: tensor<2x8xf32>, %m: tensor<2x8xf32>, %big: tensor<1x1xf32>) -> tensor<2x8xf32> {
  // CHECK: %[[E:.*]] = kiln.elementwise %arg1, %arg2, %arg0
  // CHECK: %[[P:.*]] = kiln.softmax %[[E]]
  // CHECK: kiln.elementwise %[[P]], %arg1
  %0 = kiln.binary %m, %big {kind = #kiln.binary<mul>} : (tensor<2x8xf32>, tensor<1x1xf32>) -> tensor<2x8xf32>
  %1 = kiln.binary %s, %0 {kind = #kiln.binary<sub>} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %2 = kiln.softmax %1 : tensor<2x8xf32>
  %3 = kiln.binary %2, %m {kind = #kiln.binary<mul>} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %4 = kiln.activation %3 {kind = #kiln.activation<sqrt>} : tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}
