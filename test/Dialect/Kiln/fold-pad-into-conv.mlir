// RUN: kiln-opt %s -split-input-file -kiln-fold-pad-into-conv | FileCheck %s

// ZeroPadding2D before a "valid" strided convolution (the ResNet and
// MobileNet stems): the pad becomes the convolution's own padding.
// CHECK-LABEL: func.func @stem
func.func @stem(%x: tensor<1x8x8x3xf32>, %k: tensor<3x3x3x4xf32>) -> tensor<1x4x4x4xf32> {
  // CHECK-NOT: kiln.pad
  // CHECK: kiln.conv2d %arg0, %arg1 {dilations = array<i64: 1, 1>, padding = array<i64: 0, 1, 0, 1>, strides = array<i64: 2, 2>}
  %0 = kiln.pad %x {low = array<i64: 0, 0, 0, 0>, high = array<i64: 0, 1, 1, 0>} : (tensor<1x8x8x3xf32>) -> tensor<1x9x9x3xf32>
  %1 = kiln.conv2d %0, %k {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x9x9x3xf32>, tensor<3x3x3x4xf32>) -> tensor<1x4x4x4xf32>
  return %1 : tensor<1x4x4x4xf32>
}

// -----

// Pads add to the convolution's own (asymmetric) padding, and the pad stays
// for its other user.
// CHECK-LABEL: func.func @adds_and_keeps
func.func @adds_and_keeps(%x: tensor<1x4x4x2xf32>, %k: tensor<3x3x2x2xf32>) -> (tensor<1x8x7x2xf32>, tensor<1x6x8x2xf32>) {
  // CHECK: %[[P:.*]] = kiln.pad %arg0
  // CHECK: kiln.conv2d %arg0, %arg1 {{{.*}}padding = array<i64: 3, 3, 2, 3>
  // CHECK: return %{{.*}}, %[[P]]
  %0 = kiln.pad %x {low = array<i64: 0, 2, 1, 0>, high = array<i64: 0, 0, 3, 0>} : (tensor<1x4x4x2xf32>) -> tensor<1x6x8x2xf32>
  %1 = kiln.conv2d %0, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 3, 1, 0>} : (tensor<1x6x8x2xf32>, tensor<3x3x2x2xf32>) -> tensor<1x8x7x2xf32>
  return %1, %0 : tensor<1x8x7x2xf32>, tensor<1x6x8x2xf32>
}

// -----

// Channel padding adds input channels the kernel reads: not a spatial pad.
// CHECK-LABEL: func.func @channel_pad
func.func @channel_pad(%x: tensor<1x4x4x2xf32>, %k: tensor<1x1x3x2xf32>) -> tensor<1x4x4x2xf32> {
  // CHECK: %[[P:.*]] = kiln.pad %arg0
  // CHECK: kiln.conv2d %[[P]], %arg1
  %0 = kiln.pad %x {low = array<i64: 0, 0, 0, 0>, high = array<i64: 0, 0, 0, 1>} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x3xf32>
  %1 = kiln.conv2d %0, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x3xf32>, tensor<1x1x3x2xf32>) -> tensor<1x4x4x2xf32>
  return %1 : tensor<1x4x4x2xf32>
}

// -----

// Pooling reads the padded zeros as values (max of negatives is 0 there):
// only convolutions take the pad.
// CHECK-LABEL: func.func @pool
func.func @pool(%x: tensor<1x4x4x2xf32>) -> tensor<1x2x2x2xf32> {
  // CHECK: kiln.pad
  // CHECK: kiln.pool2d
  %0 = kiln.pad %x {low = array<i64: 0, 1, 1, 0>, high = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x2xf32>) -> tensor<1x5x5x2xf32>
  %1 = kiln.pool2d %0 {kind = #kiln.pool<max>, window = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x5x5x2xf32>) -> tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}
