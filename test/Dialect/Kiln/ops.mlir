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
