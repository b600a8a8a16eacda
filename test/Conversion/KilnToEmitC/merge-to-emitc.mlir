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

// A fused chain: each input described by its strides over the collapsed
// iteration space, the body as the Program template argument. Parameters
// travel as IEEE-754 bits (0.5f = 1056964608, +inf = 2139095040).
// CHECK-LABEL: void fused(
// CHECK: kiln::rt::Operand [[X:v[0-9]+]] = kiln::rt::operand({{v[0-9]+}}, 0, 0, 8, 1);
// CHECK: kiln::rt::Operand [[C:v[0-9]+]] = kiln::rt::operand({{v[0-9]+}}, 0, 0, 1, 0);
// CHECK: kiln::rt::elementwise_f32<kiln::rt::Program<2, 4, kiln::rt::Bin<kiln::rt::BinOp::mul, 0, 1>, kiln::rt::UnaryParam<kiln::rt::Act::relu, 2, 1056964608u, 2139095040u, 0u>, kiln::rt::Unary<kiln::rt::Act::tanh, 3>>>({{v[0-9]+}}, 1, 1, 3, 8, [[X]], [[C]]);
func.func @fused(%x: tensor<3x8xf32>, %c: tensor<3x1xf32>) -> tensor<3x8xf32> {
  %0 = kiln.elementwise %x, %c : (tensor<3x8xf32>, tensor<3x1xf32>) -> tensor<3x8xf32> {
  ^bb0(%a: f32, %b: f32):
    %1 = kiln.scalar_binary %a, %b {kind = #kiln.binary<mul>} : f32
    %2 = kiln.scalar_activation %1 {kind = #kiln.activation<relu>, alpha = 0.5 : f32} : f32
    %3 = kiln.scalar_activation %2 {kind = #kiln.activation<tanh>} : f32
    kiln.yield %3 : f32
  }
  return %0 : tensor<3x8xf32>
}
