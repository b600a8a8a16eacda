// RUN: kiln-opt %s -split-input-file -kiln-fuse-residual-add | FileCheck %s

// A ResNet block's add folds into the convolution; the skip connection is
// the residual.
// CHECK-LABEL: func.func @conv_block
func.func @conv_block(%x: tensor<1x6x6x4xf32>, %k: tensor<3x3x4x4xf32>, %b: tensor<4xf32>) -> tensor<1x6x6x4xf32> {
  // CHECK: %[[C:.*]] = kiln.conv2d %arg0, %arg1, %arg2 residual %arg0 {{{.*}}} : (tensor<1x6x6x4xf32>, tensor<3x3x4x4xf32>, tensor<4xf32>, tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  // CHECK-NOT: kiln.binary
  // CHECK: return %[[C]]
  %0 = kiln.conv2d %x, %k, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x6x6x4xf32>, tensor<3x3x4x4xf32>, tensor<4xf32>) -> tensor<1x6x6x4xf32>
  %1 = kiln.binary %x, %0 {kind = #kiln.binary<add>} : (tensor<1x6x6x4xf32>, tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  return %1 : tensor<1x6x6x4xf32>
}

// -----

// Two dense branches: the later producer takes the residual, so nothing moves.
// CHECK-LABEL: func.func @dense_branches
func.func @dense_branches(%x: tensor<2x8xf32>, %k1: tensor<8x8xf32>, %k2: tensor<8x8xf32>) -> tensor<2x8xf32> {
  // CHECK: %[[A:.*]] = kiln.dense %arg0, %arg1 :
  // CHECK: %[[B:.*]] = kiln.dense %arg0, %arg2 residual %[[A]] :
  // CHECK: return %[[B]]
  %0 = kiln.dense %x, %k1 : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %1 = kiln.dense %x, %k2 : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %2 = kiln.binary %0, %1 {kind = #kiln.binary<add>} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %2 : tensor<2x8xf32>
}

// -----

// The only fusible producer comes before the other operand: it moves down
// to the add, where the residual exists.
// CHECK-LABEL: func.func @moves_producer
func.func @moves_producer(%x: tensor<2x8xf32>, %k: tensor<8x8xf32>) -> tensor<2x8xf32> {
  // CHECK: %[[S:.*]] = kiln.softmax %arg0
  // CHECK: %[[D:.*]] = kiln.dense %arg0, %arg1 residual %[[S]]
  // CHECK: return %[[D]]
  %0 = kiln.dense %x, %k : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %1 = kiln.softmax %x : tensor<2x8xf32>
  %2 = kiln.binary %0, %1 {kind = #kiln.binary<add>} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %2 : tensor<2x8xf32>
}

// -----

// An activation epilogue comes before the add in Keras: it cannot become
// act(y + residual).
// CHECK-LABEL: func.func @producer_has_activation
func.func @producer_has_activation(%x: tensor<2x8xf32>, %k: tensor<8x8xf32>) -> tensor<2x8xf32> {
  // CHECK: kiln.dense %arg0, %arg1 {activation = #kiln.activation<relu>} :
  // CHECK: kiln.binary
  %0 = kiln.dense %x, %k {activation = #kiln.activation<relu>} : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %1 = kiln.binary %0, %x {kind = #kiln.binary<add>} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %1 : tensor<2x8xf32>
}

// -----

// The dense result has another user, which must not see the residual.
// CHECK-LABEL: func.func @shared_result
func.func @shared_result(%x: tensor<2x8xf32>, %k: tensor<8x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  // CHECK: kiln.dense %arg0, %arg1 :
  // CHECK: kiln.binary
  %0 = kiln.dense %x, %k : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %1 = kiln.binary %0, %x {kind = #kiln.binary<add>} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %0, %1 : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// A broadcast operand (a per-row bias) is not a residual of the result's
// type; other binary kinds are not adds.
// CHECK-LABEL: func.func @broadcast_and_sub
func.func @broadcast_and_sub(%x: tensor<2x8xf32>, %k: tensor<8x8xf32>, %r: tensor<2x1xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  // CHECK: kiln.dense %arg0, %arg1 :
  // CHECK: kiln.binary %{{.*}}, %arg2 {kind = #kiln.binary<add>}
  // CHECK: kiln.dense %arg0, %arg1 :
  // CHECK: kiln.binary %{{.*}}, %arg0 {kind = #kiln.binary<sub>}
  %0 = kiln.dense %x, %k : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %1 = kiln.binary %0, %r {kind = #kiln.binary<add>} : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %2 = kiln.dense %x, %k : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32>
  %3 = kiln.binary %2, %x {kind = #kiln.binary<sub>} : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %1, %3 : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// The activation after the add then folds in as well (the full pipeline
// order): relu(conv + skip) in one op.
// RUN: kiln-opt %s -split-input-file -kiln-fuse-residual-add -kiln-fuse-activation | FileCheck %s --check-prefix=PIPE
// PIPE-LABEL: func.func @add_then_relu
// PIPE: kiln.conv2d %arg0, %arg1 residual %arg0 {activation = #kiln.activation<relu>
// PIPE-NOT: kiln.activation
func.func @add_then_relu(%x: tensor<1x4x4x2xf32>, %k: tensor<1x1x2x2xf32>) -> tensor<1x4x4x2xf32> {
  %0 = kiln.conv2d %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x4x4x2xf32>
  %1 = kiln.binary %0, %x {kind = #kiln.binary<add>} : (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %2 = kiln.activation %1 {kind = #kiln.activation<relu>} : tensor<1x4x4x2xf32>
  return %2 : tensor<1x4x4x2xf32>
}
