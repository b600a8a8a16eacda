// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --mlir-print-op-generic | kiln-opt | FileCheck %s

// CHECK-LABEL: func.func @dense
func.func @dense(%x: tensor<2x4xf32>, %k: tensor<4x3xf32>, %b: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  // CHECK: %[[A:.*]] = kiln.dense %{{.*}}, %{{.*}}, %{{.*}} {activation = #kiln.activation<relu>} : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = kiln.dense %x, %k, %b {activation = #kiln.activation<relu>} : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.dense %{{.*}}, %{{.*}} : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  %1 = kiln.dense %x, %k : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @dense_rank3
func.func @dense_rank3(%x: tensor<2x5x4xf32>, %k: tensor<4x3xf32>) -> tensor<2x5x3xf32> {
  // CHECK: kiln.dense {{.*}} -> tensor<2x5x3xf32>
  %0 = kiln.dense %x, %k : (tensor<2x5x4xf32>, tensor<4x3xf32>) -> tensor<2x5x3xf32>
  return %0 : tensor<2x5x3xf32>
}

// CHECK-LABEL: func.func @activations
func.func @activations(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x4xf32>, tensor<2x8xf32>) {
  // CHECK: kiln.activation %{{.*}} {kind = #kiln.activation<gelu>} : tensor<2x8xf32>
  %0 = kiln.activation %x {kind = #kiln.activation<gelu>} : tensor<2x8xf32>
  // CHECK: kiln.softmax %{{.*}} {axis = 1 : i64} : tensor<2x8xf32>
  %1 = kiln.softmax %0 {axis = 1 : i64} : tensor<2x8xf32>
  // CHECK: kiln.softmax %{{.*}} {log} : tensor<2x8xf32>
  %2 = kiln.softmax %0 {log} : tensor<2x8xf32>
  // CHECK: kiln.glu %{{.*}} : (tensor<2x8xf32>) -> tensor<2x4xf32>
  %3 = kiln.glu %x : (tensor<2x8xf32>) -> tensor<2x4xf32>
  // CHECK: kiln.sparsemax %{{.*}} : tensor<2x8xf32>
  %4 = kiln.sparsemax %x : tensor<2x8xf32>
  return %0, %1, %2, %3, %4 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x4xf32>, tensor<2x8xf32>
}

// CHECK-LABEL: func.func @noops
func.func @noops(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // CHECK: kiln.dropout %{{.*}} {rate = 5.000000e-01 : f32} : tensor<2x8xf32>
  %0 = kiln.dropout %x {rate = 0.5 : f32} : tensor<2x8xf32>
  // CHECK: kiln.dropout %{{.*}} {noise = #kiln.noise<alpha_dropout>, noise_shape = array<i64: 2, 1>, rate = 2.500000e-01 : f32} : tensor<2x8xf32>
  %alpha = kiln.dropout %x {rate = 0.25 : f32, noise = #kiln.noise<alpha_dropout>, noise_shape = array<i64: 2, 1>} : tensor<2x8xf32>
  // CHECK: kiln.identity %{{.*}} : tensor<2x8xf32>
  %1 = kiln.identity %0 : tensor<2x8xf32>
  return %1 : tensor<2x8xf32>
}

// CHECK-LABEL: func.func @merging
func.func @merging(%a: tensor<2x5x3xf32>, %b: tensor<2x1x3xf32>, %c: tensor<2x3xf32>) -> (tensor<2x5x3xf32>, tensor<2x6x3xf32>, tensor<2x1x3xf32>) {
  // CHECK: kiln.binary %{{.*}}, %{{.*}} {kind = #kiln.binary<max>} : (tensor<2x5x3xf32>, tensor<2x1x3xf32>) -> tensor<2x5x3xf32>
  %0 = kiln.binary %a, %b {kind = #kiln.binary<max>} : (tensor<2x5x3xf32>, tensor<2x1x3xf32>) -> tensor<2x5x3xf32>
  // CHECK: kiln.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<2x5x3xf32>, tensor<2x1x3xf32>) -> tensor<2x6x3xf32>
  %1 = kiln.concat %a, %b {axis = 1 : i64} : (tensor<2x5x3xf32>, tensor<2x1x3xf32>) -> tensor<2x6x3xf32>
  // CHECK: kiln.reshape %{{.*}} : (tensor<2x3xf32>) -> tensor<2x1x3xf32>
  %2 = kiln.reshape %c : (tensor<2x3xf32>) -> tensor<2x1x3xf32>
  return %0, %1, %2 : tensor<2x5x3xf32>, tensor<2x6x3xf32>, tensor<2x1x3xf32>
}

// CHECK-LABEL: func.func @raw_ops
func.func @raw_ops(%x: tensor<2x4x6xf32>, %w: tensor<2x6x4xf32>) -> (tensor<2x6xf32>, tensor<2x2x3xf32>, tensor<2x4x4xf32>) {
  // CHECK: kiln.reduce %{{.*}} {axis = 1 : i64, kind = #kiln.reduce<mean>} : (tensor<2x4x6xf32>) -> tensor<2x6xf32>
  %0 = kiln.reduce %x {kind = #kiln.reduce<mean>, axis = 1 : i64} : (tensor<2x4x6xf32>) -> tensor<2x6xf32>
  // CHECK: kiln.strided_view %{{.*}} {offset = 6 : i64, strides = array<i64: 24, 6, 2>}
  %1 = kiln.strided_view %x {offset = 6 : i64, strides = array<i64: 24, 6, 2>} : (tensor<2x4x6xf32>) -> tensor<2x2x3xf32>
  // CHECK: kiln.matmul %{{.*}}, %{{.*}} : (tensor<2x4x6xf32>, tensor<2x6x4xf32>) -> tensor<2x4x4xf32>
  %2 = kiln.matmul %x, %w : (tensor<2x4x6xf32>, tensor<2x6x4xf32>) -> tensor<2x4x4xf32>
  return %0, %1, %2 : tensor<2x6xf32>, tensor<2x2x3xf32>, tensor<2x4x4xf32>
}

// CHECK-LABEL: func.func @vision
func.func @vision(%x: tensor<1x8x8x4xf32>, %k: tensor<3x3x2x6xf32>, %b: tensor<6xf32>, %t: tensor<3x3x5x4xf32>, %s: tensor<4xf32>) -> (tensor<1x4x4x6xf32>, tensor<1x17x17x5xf32>, tensor<1x4x4x4xf32>, tensor<1x10x12x4xf32>, tensor<1x16x24x4xf32>, tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>) {
  // CHECK: kiln.conv2d %{{.*}}, %{{.*}}, %{{.*}} {activation = #kiln.activation<relu>, dilations = array<i64: 1, 1>, groups = 2 : i64, padding = array<i64: 0, 1, 0, 1>, strides = array<i64: 2, 2>}
  %0 = kiln.conv2d %x, %k, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 1, 0, 1>, groups = 2 : i64, activation = #kiln.activation<relu>} : (tensor<1x8x8x4xf32>, tensor<3x3x2x6xf32>, tensor<6xf32>) -> tensor<1x4x4x6xf32>
  // CHECK: kiln.conv2d_transpose %{{.*}}, %{{.*}} {crop = array<i64: 0, 0>, dilations = array<i64: 1, 1>, strides = array<i64: 2, 2>}
  %1 = kiln.conv2d_transpose %x, %t {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, crop = array<i64: 0, 0>} : (tensor<1x8x8x4xf32>, tensor<3x3x5x4xf32>) -> tensor<1x17x17x5xf32>
  // CHECK: kiln.pool2d %{{.*}} {kind = #kiln.pool<avg>, padding = array<i64: 0, 1, 0, 1>, strides = array<i64: 2, 2>, window = array<i64: 3, 3>}
  %2 = kiln.pool2d %x {kind = #kiln.pool<avg>, window = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 0, 1, 0, 1>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32>
  // CHECK: kiln.pad %{{.*}} {high = array<i64: 0, 1, 2, 0>, low = array<i64: 0, 1, 2, 0>}
  %3 = kiln.pad %x {low = array<i64: 0, 1, 2, 0>, high = array<i64: 0, 1, 2, 0>} : (tensor<1x8x8x4xf32>) -> tensor<1x10x12x4xf32>
  // CHECK: kiln.resize %{{.*}} {kind = #kiln.resize<bilinear>}
  %4 = kiln.resize %x {kind = #kiln.resize<bilinear>} : (tensor<1x8x8x4xf32>) -> tensor<1x16x24x4xf32>
  // CHECK: kiln.batch_norm %{{.*}}, %{{.*}}, %{{.*}} gamma %{{.*}} {axis = 3 : i64, epsilon = 1.000000e-03 : f32}
  %5 = kiln.batch_norm %x, %s, %s gamma %s {axis = 3 : i64, epsilon = 1.0e-3 : f32} : (tensor<1x8x8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x8x8x4xf32>
  // CHECK: kiln.layer_norm %{{.*}} beta %{{.*}} {axis = 3 : i64, epsilon = 1.000000e-03 : f32, rms}
  %6 = kiln.layer_norm %x beta %s {axis = 3 : i64, epsilon = 1.0e-3 : f32, rms} : (tensor<1x8x8x4xf32>, tensor<4xf32>) -> tensor<1x8x8x4xf32>
  // CHECK: kiln.activation %{{.*}} {alpha = 1.000000e-01 : f32, kind = #kiln.activation<relu>, max_value = 6.000000e+00 : f32}
  %7 = kiln.activation %x {kind = #kiln.activation<relu>, alpha = 0.1 : f32, max_value = 6.0 : f32} : tensor<1x8x8x4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<1x4x4x6xf32>, tensor<1x17x17x5xf32>, tensor<1x4x4x4xf32>, tensor<1x10x12x4xf32>, tensor<1x16x24x4xf32>, tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>
}

// Residual epilogues and a fused elementwise chain round-trip.
// CHECK-LABEL: func.func @epilogues_and_fused
// CHECK: kiln.dense %arg0, %arg1 residual %arg2 {activation = #kiln.activation<relu>} : (tensor<2x4xf32>, tensor<4x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK: kiln.elementwise %{{.*}}, %arg3 : (tensor<2x4xf32>, tensor<2x1xf32>) -> tensor<2x4xf32> {
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32):
// CHECK:   %[[M:.*]] = kiln.scalar_binary %[[A]], %[[B]] {kind = #kiln.binary<mul>} : f32
// CHECK:   %[[R:.*]] = kiln.scalar_activation %[[M]] {kind = #kiln.activation<relu>, max_value = 6.000000e+00 : f32} : f32
// CHECK:   kiln.yield %[[R]] : f32
func.func @epilogues_and_fused(%x: tensor<2x4xf32>, %k: tensor<4x4xf32>, %r: tensor<2x4xf32>, %g: tensor<2x1xf32>) -> tensor<2x4xf32> {
  %0 = kiln.dense %x, %k residual %r {activation = #kiln.activation<relu>} : (tensor<2x4xf32>, tensor<4x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %1 = kiln.elementwise %0, %g : (tensor<2x4xf32>, tensor<2x1xf32>) -> tensor<2x4xf32> {
  ^bb0(%a: f32, %b: f32):
    %2 = kiln.scalar_binary %a, %b {kind = #kiln.binary<mul>} : f32
    %3 = kiln.scalar_activation %2 {kind = #kiln.activation<relu>, max_value = 6.0 : f32} : f32
    kiln.yield %3 : f32
  }
  return %1 : tensor<2x4xf32>
}

// CHECK-LABEL: func.func @profile_marks
func.func @profile_marks(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  // CHECK: kiln.profile_begin 3
  // CHECK-NEXT: kiln.softmax
  // CHECK-NEXT: kiln.profile_end 3
  kiln.profile_begin 3
  %0 = kiln.softmax %x : tensor<1x8xf32>
  kiln.profile_end 3
  return %0 : tensor<1x8xf32>
}
