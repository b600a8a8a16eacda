// RUN: kiln-opt %s -split-input-file -kiln-batch-norm-to-affine | FileCheck %s

// mean (1, 2), variance (3, 0), epsilon 1, gamma (2, 4), beta (0.5, 1):
// scale = gamma / sqrt(variance + epsilon) = (1, 4) and
// shift = beta - mean * scale = (-0.5, -7), shaped to broadcast over axis 3.
// CHECK-LABEL: module
// CHECK: ml_program.global private @mean.shift(dense_resource<mean.shift> : tensor<1x1x1x2xf32>)
// CHECK: ml_program.global private @mean.scale(dense_resource<mean.scale> : tensor<1x1x1x2xf32>)
// CHECK: func.func @pre_activation
// CHECK: %[[S:.*]] = ml_program.global_load_const @mean.scale
// CHECK: %[[T:.*]] = ml_program.global_load_const @mean.shift
// CHECK: %[[M:.*]] = kiln.binary %arg0, %[[S]] {kind = #kiln.binary<mul>} : (tensor<1x3x3x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x3x3x2xf32>
// CHECK: %[[A:.*]] = kiln.binary %[[M]], %[[T]] {kind = #kiln.binary<add>}
// CHECK: kiln.activation %[[A]]
// CHECK-NOT: kiln.batch_norm
// CHECK: mean.shift: "0x04000000000000BF0000E0C0"
// CHECK: mean.scale: "0x040000000000803F00008040"
module {
  ml_program.global private @mean(dense<[1.0, 2.0]> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private @var(dense<[3.0, 0.0]> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private @gamma(dense<[2.0, 4.0]> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private @beta(dense<[0.5, 1.0]> : tensor<2xf32>) : tensor<2xf32>
  func.func @pre_activation(%x: tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32> {
    %m = ml_program.global_load_const @mean : tensor<2xf32>
    %v = ml_program.global_load_const @var : tensor<2xf32>
    %g = ml_program.global_load_const @gamma : tensor<2xf32>
    %b = ml_program.global_load_const @beta : tensor<2xf32>
    %0 = kiln.batch_norm %x, %m, %v gamma %g beta %b {axis = 3 : i64, epsilon = 1.0 : f32} : (tensor<1x3x3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x3x3x2xf32>
    %1 = kiln.activation %0 {kind = #kiln.activation<relu>} : tensor<1x3x3x2xf32>
    return %1 : tensor<1x3x3x2xf32>
  }
}

// -----

// Statistics that are not constant weights (function arguments here) stay
// a batch_norm.
// CHECK-LABEL: func.func @not_constant
// CHECK: kiln.batch_norm
// CHECK-NOT: kiln.binary
func.func @not_constant(%x: tensor<2x4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<2x4xf32> {
  %0 = kiln.batch_norm %x, %m, %v {axis = 1 : i64, epsilon = 1.0e-3 : f32} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
