// RUN: kiln-opt %s -split-input-file -kiln-fold-batch-norm | FileCheck %s

// s = gamma / sqrt(var + eps) = [1 / 0.5, 3 / 1] = [2, 3] (exact in binary);
// the kernel's output columns scale by s: [[1, 2], [3, 4]] -> [[2, 6], [6, 12]];
// bias' = (b - mean) * s + beta = [(1 - 0.5) * 2 + 1, (2 - 1) * 3 - 1] = [2, 2].
// CHECK-DAG: ml_program.global private @k.bn_folded(dense_resource<k.bn_folded> : tensor<2x2xf32>)
// CHECK-DAG: ml_program.global private @k.bn_folded.bias(dense_resource<k.bn_folded.bias> : tensor<2xf32>)
// CHECK-LABEL: func.func @dense
// CHECK: %[[K:.*]] = ml_program.global_load_const @k.bn_folded :
// CHECK: %[[B:.*]] = ml_program.global_load_const @k.bn_folded.bias :
// CHECK: %[[D:.*]] = kiln.dense %{{.*}}, %[[K]], %[[B]]
// CHECK-NOT: kiln.batch_norm
// CHECK: return %[[D]]

// CHECK-DAG: k.bn_folded: "0x04000000000000400000C0400000C04000004041"
// CHECK-DAG: k.bn_folded.bias: "0x040000000000004000000040"
module {
  ml_program.global private @k(dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
  ml_program.global private @b(dense<[1.0, 2.0]> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private @mean(dense<[0.5, 1.0]> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private @var(dense<[0.25, 1.0]> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private @gamma(dense<[1.0, 3.0]> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private @beta(dense<[1.0, -1.0]> : tensor<2xf32>) : tensor<2xf32>
  func.func @dense(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
    %k = ml_program.global_load_const @k : tensor<2x2xf32>
    %b = ml_program.global_load_const @b : tensor<2xf32>
    %m = ml_program.global_load_const @mean : tensor<2xf32>
    %v = ml_program.global_load_const @var : tensor<2xf32>
    %g = ml_program.global_load_const @gamma : tensor<2xf32>
    %be = ml_program.global_load_const @beta : tensor<2xf32>
    %0 = kiln.dense %x, %k, %b : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
    %1 = kiln.batch_norm %0, %m, %v gamma %g beta %be {axis = 1 : i64, epsilon = 0.0 : f32} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
    return %1 : tensor<1x2xf32>
  }
}

// -----

// Not folded: the conv result has another user, or an activation runs
// between the conv and the normalization.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-2: kiln.batch_norm
// CHECK-NOT: bn_folded

module {
  ml_program.global private @k(dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
  ml_program.global private @mean(dense<[0.5, 1.0]> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private @var(dense<[0.25, 1.0]> : tensor<2xf32>) : tensor<2xf32>
  func.func @kept(%x: tensor<1x4x4x2xf32>) -> (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) {
    %k = ml_program.global_load_const @k : tensor<2x2xf32>
    %k4 = kiln.reshape %k : (tensor<2x2xf32>) -> tensor<1x1x2x2xf32>
    %m = ml_program.global_load_const @mean : tensor<2xf32>
    %v = ml_program.global_load_const @var : tensor<2xf32>
    %c = kiln.conv2d %x, %k4 {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x4x4x2xf32>
    %0 = kiln.batch_norm %c, %m, %v {axis = 3 : i64, epsilon = 0.0 : f32} : (tensor<1x4x4x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
    %r = kiln.conv2d %x, %k4 {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, activation = #kiln.activation<relu>} : (tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x4x4x2xf32>
    %1 = kiln.batch_norm %r, %m, %v {axis = 3 : i64, epsilon = 0.0 : f32} : (tensor<1x4x4x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
    return %c, %0, %1 : tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>
  }
}
