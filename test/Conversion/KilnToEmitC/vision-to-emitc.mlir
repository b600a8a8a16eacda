// RUN: kiln-opt %s -kiln-plan-weights -kiln-plan-memory -convert-kiln-to-emitc | mlir-translate-22 -mlir-to-cpp | FileCheck %s

// CHECK: kiln::rt::conv2d_f32<kiln::rt::Act::relu>({{v[0-9]+}}, {{v[0-9]+}}, nullptr, {{v[0-9]+}}, 1, 8, 8, 4, 3, 3, 6, 4, 4, 2, 2, 1, 1, 0, 0, 2);
// CHECK: kiln::rt::conv2d_transpose_f32<kiln::rt::Act::linear>({{v[0-9]+}}, {{v[0-9]+}}, {{v[0-9]+}}, {{v[0-9]+}}, 1, 8, 8, 4, 3, 3, 5, 16, 16, 2, 2, 1, 1, 1, 1);
// CHECK: kiln::rt::pool2d_f32<kiln::rt::Pool::max>({{v[0-9]+}}, {{v[0-9]+}}, 1, 8, 8, 4, 3, 3, 4, 4, 2, 2, 1, 1);
// CHECK: kiln::rt::batch_norm_f32({{v[0-9]+}}, {{v[0-9]+}}, {{v[0-9]+}}, nullptr, {{v[0-9]+}}, {{v[0-9]+}}, 64, 4, 1, 1.000000050e-03f);
// CHECK: kiln::rt::activation_param_f32<kiln::rt::Act::relu>({{v[0-9]+}}, {{v[0-9]+}}, 256, 0.0e+00f, 6.000000000e+00f, 0.0e+00f);
func.func @forward(%x: tensor<1x8x8x4xf32>, %k: tensor<3x3x2x6xf32>, %t: tensor<3x3x5x4xf32>, %b: tensor<5xf32>, %s: tensor<4xf32>) -> (tensor<1x4x4x6xf32>, tensor<1x16x16x5xf32>, tensor<1x4x4x4xf32>, tensor<1x8x8x4xf32>) {
  %0 = kiln.conv2d %x, %k {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 1, 0, 1>, groups = 2 : i64, activation = #kiln.activation<relu>} : (tensor<1x8x8x4xf32>, tensor<3x3x2x6xf32>) -> tensor<1x4x4x6xf32>
  %1 = kiln.conv2d_transpose %x, %t, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, crop = array<i64: 1, 1>} : (tensor<1x8x8x4xf32>, tensor<3x3x5x4xf32>, tensor<5xf32>) -> tensor<1x16x16x5xf32>
  %2 = kiln.pool2d %x {kind = #kiln.pool<max>, window = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32>
  %3 = kiln.batch_norm %x, %s, %s beta %s {axis = 3 : i64, epsilon = 1.0e-3 : f32} : (tensor<1x8x8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x8x8x4xf32>
  %4 = kiln.activation %3 {kind = #kiln.activation<relu>, max_value = 6.0 : f32} : tensor<1x8x8x4xf32>
  return %0, %1, %2, %4 : tensor<1x4x4x6xf32>, tensor<1x16x16x5xf32>, tensor<1x4x4x4xf32>, tensor<1x8x8x4xf32>
}

// A residual epilogue is the kernel's last argument; the in-place
// activation and reshape read and write one buffer, and the reshape copies
// nothing.
// CHECK-LABEL: void residual_block(
// CHECK: kiln::rt::conv2d_f32<kiln::rt::Act::relu>([[IN:v[0-9]+]], {{v[0-9]+}}, nullptr, [[C:v[0-9]+]], 1, 4, 4, 2, 1, 1, 2, 4, 4, 1, 1, 1, 1, 0, 0, 1, [[IN]]);
// CHECK: kiln::rt::activation_f32<kiln::rt::Act::sigmoid>([[C]], [[S:v[0-9]+]], 32);
// CHECK-NOT: copy_f32
// CHECK: kiln::rt::dense_f32<kiln::rt::Act::linear>({{v[0-9]+}}, {{v[0-9]+}}, nullptr, {{v[0-9]+}}, 1, 32, 32, {{v[0-9]+}});
func.func @residual_block(%x: tensor<1x4x4x2xf32>, %k: tensor<1x1x2x2xf32>, %d: tensor<32x32xf32>, %r: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %0 = kiln.conv2d %x, %k residual %x {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, activation = #kiln.activation<relu>} : (tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %1 = kiln.activation %0 {kind = #kiln.activation<sigmoid>} : tensor<1x4x4x2xf32>
  %2 = kiln.reshape %1 : (tensor<1x4x4x2xf32>) -> tensor<1x32xf32>
  %3 = kiln.dense %2, %d residual %r : (tensor<1x32xf32>, tensor<32x32xf32>, tensor<1x32xf32>) -> tensor<1x32xf32>
  return %3 : tensor<1x32xf32>
}

// A convolution writing into a channel slice of a concatenation passes the
// row stride (8 channels) after its residual slot; the concatenation then
// copies only the input it still has to.
// CHECK-LABEL: void concat_slices(
// CHECK: kiln::rt::conv2d_f32<kiln::rt::Act::linear>({{v[0-9]+}}, {{v[0-9]+}}, nullptr, [[SLICE:v[0-9]+]], 1, 4, 4, 2, 1, 1, 6, 4, 4, 1, 1, 1, 1, 0, 0, 1, nullptr, 8);
// CHECK: kiln::rt::concat_slice_f32({{v[0-9]+}}, {{v[0-9]+}}, 16, 2, 8, 6);
// CHECK-NOT: concat_slice_f32
func.func @concat_slices(%x: tensor<1x4x4x2xf32>, %k: tensor<1x1x2x6xf32>) -> (tensor<1x4x4x8xf32>) {
  %0 = kiln.conv2d %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x2xf32>, tensor<1x1x2x6xf32>) -> tensor<1x4x4x6xf32>
  %1 = kiln.concat %0, %x {axis = 3 : i64} : (tensor<1x4x4x6xf32>, tensor<1x4x4x2xf32>) -> tensor<1x4x4x8xf32>
  %2 = kiln.softmax %1 : tensor<1x4x4x8xf32>
  return %2 : tensor<1x4x4x8xf32>
}

// Kernels stored as panels call the packed kernels; the packed convolution
// has no groups argument.
// CHECK-LABEL: void packed_kernels(
// CHECK: kiln::rt::conv2d_packed_f32<kiln::rt::Act::relu>({{v[0-9]+}}, {{v[0-9]+}}, nullptr, {{v[0-9]+}}, 1, 4, 4, 2, 1, 1, 2, 4, 4, 1, 1, 1, 1, 0, 0);
// CHECK: kiln::rt::dense_packed_f32<kiln::rt::Act::linear>({{v[0-9]+}}, {{v[0-9]+}}, nullptr, {{v[0-9]+}}, 1, 32, 32);
func.func @packed_kernels(%x: tensor<1x4x4x2xf32>, %k: tensor<1x1x2x2xf32>, %d: tensor<32x32xf32>) -> tensor<1x32xf32> {
  %0 = kiln.conv2d %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, activation = #kiln.activation<relu>, kiln.panel_operands = array<i64: 1>} : (tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x4x4x2xf32>
  %1 = kiln.reshape %0 : (tensor<1x4x4x2xf32>) -> tensor<1x32xf32>
  %2 = kiln.dense %1, %d {kiln.panel_operands = array<i64: 1>} : (tensor<1x32xf32>, tensor<32x32xf32>) -> tensor<1x32xf32>
  return %2 : tensor<1x32xf32>
}

// One group per input channel (DepthwiseConv2D, here with multiplier 2)
// calls the depthwise kernel, which has no groups argument.
// CHECK-LABEL: void depthwise(
// CHECK: kiln::rt::depthwise_conv2d_f32<kiln::rt::Act::relu6>({{v[0-9]+}}, {{v[0-9]+}}, {{v[0-9]+}}, {{v[0-9]+}}, 1, 5, 5, 3, 3, 3, 6, 3, 3, 2, 2, 1, 1, 1, 1);
func.func @depthwise(%x: tensor<1x5x5x3xf32>, %k: tensor<3x3x1x6xf32>, %b: tensor<6xf32>) -> tensor<1x3x3x6xf32> {
  %0 = kiln.conv2d %x, %k, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 3 : i64, activation = #kiln.activation<relu6>} : (tensor<1x5x5x3xf32>, tensor<3x3x1x6xf32>, tensor<6xf32>) -> tensor<1x3x3x6xf32>
  return %0 : tensor<1x3x3x6xf32>
}

// A kernel stored for Winograd calls the Winograd kernel with its tile
// block and the scratch the memory plan gave it; a residual comes last.
// CHECK-LABEL: void winograd(
// CHECK: kiln::rt::conv2d_winograd_f43_f32<kiln::rt::Act::relu>([[IN:v[0-9]+]], {{v[0-9]+}}, nullptr, {{v[0-9]+}}, 1, 8, 8, 16, 16, 8, 8, 1, 1, 4, {{v[0-9]+}}, [[IN]]);
func.func @winograd(%x: tensor<1x8x8x16xf32>, %k: tensor<3x3x16x16xf32>) -> tensor<1x8x8x16xf32> {
  %0 = kiln.conv2d %x, %k residual %x {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, activation = #kiln.activation<relu>, kiln.winograd = 4 : i64} : (tensor<1x8x8x16xf32>, tensor<3x3x16x16xf32>, tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32>
  %1 = kiln.softmax %0 : tensor<1x8x8x16xf32>
  return %1 : tensor<1x8x8x16xf32>
}
