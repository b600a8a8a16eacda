// RUN: kiln-opt %s -kiln-plan-weights -kiln-plan-memory -convert-kiln-to-emitc | mlir-translate-22 -mlir-to-cpp | FileCheck %s

// Broadcasting collapses to the fewest axes and pads to the kernel's four:
// (2,5,3) max (2,1,3) iterates (1,2,5,3) with b's middle axis broadcast.
// CHECK: kiln::rt::binary_f32<kiln::rt::BinOp::max>({{v[0-9]+}}, {{v[0-9]+}}, {{v[0-9]+}}, 1, 2, 5, 3, 0, 15, 3, 1, 0, 3, 0, 1);
// Same shapes collapse to one contiguous axis.
// CHECK: kiln::rt::binary_f32<kiln::rt::BinOp::sub>({{v[0-9]+}}, {{v[0-9]+}}, {{v[0-9]+}}, 1, 1, 1, 30, 0, 0, 0, 1, 0, 0, 0, 1);
// Concatenation writes each input into its slice: outer 2, row of 18.
// CHECK: kiln::rt::concat_slice_f32({{v[0-9]+}}, [[OUT:v[0-9]+]], 2, 15, 18, 0);
// CHECK: kiln::rt::concat_slice_f32({{v[0-9]+}}, [[OUT]], 2, 3, 18, 15);
func.func @forward(%a: tensor<2x5x3xf32>, %b: tensor<2x1x3xf32>) -> (tensor<2x5x3xf32>, tensor<2x6x3xf32>) {
  %0 = kiln.binary %a, %b {kind = #kiln.binary<max>} : (tensor<2x5x3xf32>, tensor<2x1x3xf32>) -> tensor<2x5x3xf32>
  %1 = kiln.binary %0, %a {kind = #kiln.binary<sub>} : (tensor<2x5x3xf32>, tensor<2x5x3xf32>) -> tensor<2x5x3xf32>
  %2 = kiln.concat %a, %b {axis = 1 : i64} : (tensor<2x5x3xf32>, tensor<2x1x3xf32>) -> tensor<2x6x3xf32>
  return %1, %2 : tensor<2x5x3xf32>, tensor<2x6x3xf32>
}
