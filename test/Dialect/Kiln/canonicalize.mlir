// RUN: kiln-opt %s -split-input-file -canonicalize | FileCheck %s

// A reshape to its own type is nothing; a reshape of a reshape reads the
// first input.
// CHECK-LABEL: func.func @reshapes
// CHECK-NEXT: %[[R:.*]] = kiln.reshape %arg0 : (tensor<2x6xf32>) -> tensor<3x4xf32>
// CHECK-NEXT: return %[[R]], %arg0
func.func @reshapes(%x: tensor<2x6xf32>) -> (tensor<3x4xf32>, tensor<2x6xf32>) {
  %0 = kiln.reshape %x : (tensor<2x6xf32>) -> tensor<12xf32>
  %1 = kiln.reshape %0 : (tensor<12xf32>) -> tensor<3x4xf32>
  %2 = kiln.reshape %x : (tensor<2x6xf32>) -> tensor<2x6xf32>
  return %1, %2 : tensor<3x4xf32>, tensor<2x6xf32>
}

// -----

// A transpose and its inverse (two Permute layers) cancel.
// CHECK-LABEL: func.func @transpose_back
// CHECK-NOT: kiln.strided_view
// CHECK: return %arg0
func.func @transpose_back(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = kiln.strided_view %x {offset = 0 : i64, strides = array<i64: 1, 3>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = kiln.strided_view %0 {offset = 0 : i64, strides = array<i64: 1, 2>} : (tensor<3x2xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// Attention's keys: split heads (n, t, h, d) -> (n, h, t, d), then
// transpose the last two axes -> (n, h, d, t): one view of the input.
// CHECK-LABEL: func.func @heads_then_keys
// CHECK-NEXT: %[[V:.*]] = kiln.strided_view %arg0 {offset = 0 : i64, strides = array<i64: 60, 5, 1, 20>} : (tensor<2x3x4x5xf32>) -> tensor<2x4x5x3xf32>
// CHECK-NEXT: return %[[V]]
func.func @heads_then_keys(%x: tensor<2x3x4x5xf32>) -> tensor<2x4x5x3xf32> {
  %0 = kiln.strided_view %x {offset = 0 : i64, strides = array<i64: 60, 5, 20, 1>} : (tensor<2x3x4x5xf32>) -> tensor<2x4x3x5xf32>
  %1 = kiln.strided_view %0 {offset = 0 : i64, strides = array<i64: 60, 15, 1, 5>} : (tensor<2x4x3x5xf32>) -> tensor<2x4x5x3xf32>
  return %1 : tensor<2x4x5x3xf32>
}

// -----

// Slices compose too: x[:, 1:] of 3x4, reversed along the rows and every
// second column: rows 2, 1, 0 from offset 1 + 2 * 4, columns 1 and 3.
// CHECK-LABEL: func.func @slice_of_slice
// CHECK-NEXT: kiln.strided_view %arg0 {offset = 9 : i64, strides = array<i64: -4, 2>} : (tensor<3x4xf32>) -> tensor<3x2xf32>
func.func @slice_of_slice(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %0 = kiln.strided_view %x {offset = 1 : i64, strides = array<i64: 4, 1>} : (tensor<3x4xf32>) -> tensor<3x3xf32>
  %1 = kiln.strided_view %0 {offset = 6 : i64, strides = array<i64: -3, 2>} : (tensor<3x3xf32>) -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// -----

// Not composed: the outer view walks across the rows of the inner one's
// result (x[:, 1:3] of 2x4, then its four elements as a run of three from
// element 0), which no single stride of x can do; a reshape of a view stays.
// CHECK-LABEL: func.func @kept
// CHECK: kiln.strided_view %arg0
// CHECK-NEXT: kiln.strided_view
// CHECK-NEXT: kiln.reshape
func.func @kept(%x: tensor<2x4xf32>) -> (tensor<3xf32>, tensor<4xf32>) {
  %0 = kiln.strided_view %x {offset = 1 : i64, strides = array<i64: 4, 1>} : (tensor<2x4xf32>) -> tensor<2x2xf32>
  %1 = kiln.strided_view %0 {offset = 0 : i64, strides = array<i64: 1>} : (tensor<2x2xf32>) -> tensor<3xf32>
  %2 = kiln.reshape %0 : (tensor<2x2xf32>) -> tensor<4xf32>
  return %1, %2 : tensor<3xf32>, tensor<4xf32>
}
