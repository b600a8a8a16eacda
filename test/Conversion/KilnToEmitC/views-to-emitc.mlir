// RUN: kiln-opt %s -kiln-plan-weights -kiln-plan-memory -convert-kiln-to-emitc | mlir-translate-22 -mlir-to-cpp | FileCheck %s

// A transpose (2,4,6) -> (2,6,4): padded to the kernel's six axes.
// CHECK: kiln::rt::strided_copy_f32({{v[0-9]+}}, {{v[0-9]+}}, 0, 1, 1, 1, 2, 6, 4, 0, 0, 0, 24, 1, 6);
// Contiguous runs collapse: x[:, 1:3] of (2,4,6) is two runs of 12.
// CHECK: kiln::rt::strided_copy_f32({{v[0-9]+}}, {{v[0-9]+}}, 6, 1, 1, 1, 1, 2, 12, 0, 0, 0, 0, 24, 1);
// CHECK: kiln::rt::reduce_f32<kiln::rt::Reduce::max>({{v[0-9]+}}, {{v[0-9]+}}, 2, 4, 6);
// CHECK: kiln::rt::matmul_f32({{v[0-9]+}}, {{v[0-9]+}}, {{v[0-9]+}}, 2, 4, 6, 4, 24);
func.func @forward(%x: tensor<2x4x6xf32>) -> (tensor<2x6x4xf32>, tensor<2x2x6xf32>, tensor<2x6xf32>, tensor<2x4x4xf32>) {
  %0 = kiln.strided_view %x {offset = 0 : i64, strides = array<i64: 24, 1, 6>} : (tensor<2x4x6xf32>) -> tensor<2x6x4xf32>
  %1 = kiln.strided_view %x {offset = 6 : i64, strides = array<i64: 24, 6, 1>} : (tensor<2x4x6xf32>) -> tensor<2x2x6xf32>
  %2 = kiln.reduce %x {kind = #kiln.reduce<max>, axis = 1 : i64} : (tensor<2x4x6xf32>) -> tensor<2x6xf32>
  %3 = kiln.matmul %x, %0 : (tensor<2x4x6xf32>, tensor<2x6x4xf32>) -> tensor<2x4x4xf32>
  return %0, %1, %2, %3 : tensor<2x6x4xf32>, tensor<2x2x6xf32>, tensor<2x6xf32>, tensor<2x4x4xf32>
}
