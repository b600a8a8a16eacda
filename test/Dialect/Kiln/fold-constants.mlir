// RUN: kiln-opt %s -split-input-file -kiln-fold-constants | FileCheck %s

// A constant subgraph folds in program order: reshape, transpose (a strided
// view), broadcast arithmetic on two constants, then a concatenation.
// a = [[1, 2], [3, 4]]; transposed [[1, 3], [2, 4]]; + [10, 20] per column
// -> [[11, 23], [12, 24]]; concatenated with [[5, 6]] on axis 0.
// Only the result's global is left.
// CHECK-COUNT-1: ml_program.global private @a.folded
// CHECK-NOT: ml_program.global private @a.folded
// CHECK-LABEL: func.func @subgraph
// CHECK-NOT: kiln.reshape
// CHECK-NOT: kiln.strided_view
// CHECK: %[[C:.*]] = ml_program.global_load_const @a.folded{{.*}} : tensor<3x2xf32>
// CHECK-NEXT: %[[Y:.*]] = kiln.binary %arg0, %[[C]] {kind = #kiln.binary<mul>}
// CHECK-NEXT: return %[[Y]]
// The 3x2 result: 11 23 12 24 5 6.
// CHECK: "0x04000000000030410000B841000040410000C0410000A0400000C040"
module {
  ml_program.global private @a(dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>) : tensor<4xf32>
  ml_program.global private @b(dense<[[10.0, 20.0]]> : tensor<1x2xf32>) : tensor<1x2xf32>
  ml_program.global private @c(dense<[[5.0, 6.0]]> : tensor<1x2xf32>) : tensor<1x2xf32>
  func.func @subgraph(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    %a = ml_program.global_load_const @a : tensor<4xf32>
    %b = ml_program.global_load_const @b : tensor<1x2xf32>
    %c = ml_program.global_load_const @c : tensor<1x2xf32>
    %0 = kiln.reshape %a : (tensor<4xf32>) -> tensor<2x2xf32>
    %1 = kiln.strided_view %0 {offset = 0 : i64, strides = array<i64: 1, 2>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
    %2 = kiln.binary %1, %b {kind = #kiln.binary<add>} : (tensor<2x2xf32>, tensor<1x2xf32>) -> tensor<2x2xf32>
    %3 = kiln.concat %2, %c {axis = -2 : i64} : (tensor<2x2xf32>, tensor<1x2xf32>) -> tensor<3x2xf32>
    %y = kiln.binary %x, %3 {kind = #kiln.binary<mul>} : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
    return %y : tensor<3x2xf32>
  }
}

// -----

// Not folded: an operand that is not a constant, and a mutable global
// (a weight training updates).
// CHECK-LABEL: func.func @kept
// CHECK: kiln.binary %arg0
// CHECK: kiln.reshape
// CHECK-NOT: .folded
module {
  ml_program.global private @a(dense<[1.0, 2.0]> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private mutable @w(dense<[1.0, 2.0]> : tensor<2xf32>) : tensor<2xf32>
  func.func @kept(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<1x2xf32>) {
    %a = ml_program.global_load_const @a : tensor<2xf32>
    %w = ml_program.global_load @w : tensor<2xf32>
    %0 = kiln.binary %x, %a {kind = #kiln.binary<sub>} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    %1 = kiln.reshape %w : (tensor<2xf32>) -> tensor<1x2xf32>
    return %0, %1 : tensor<2xf32>, tensor<1x2xf32>
  }
}
