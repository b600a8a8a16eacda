// RUN: kiln-opt %s -kiln-pack-at-run-time -kiln-plan-weights -kiln-plan-memory -convert-kiln-to-emitc | mlir-translate-22 -mlir-to-cpp | FileCheck %s

// A trained 10-unit Dense packs its kernel (padded to 16 columns) into its
// scratch on every call and runs the packed kernel; its input gradient
// packs the transposed kernel into scratch of its own and runs the same.
// CHECK-LABEL: void train_step(
// CHECK: kiln::rt::pack_panels([[K:v[0-9]+]], 20, 10, [[P:v[0-9]+]]);
// CHECK: kiln::rt::dense_packed_f32<kiln::rt::Act::linear>({{v[0-9]+}}, [[P]], nullptr, {{v[0-9]+}}, 4, 20, 10);
// CHECK: kiln::rt::dense_grad_input_f32({{v[0-9]+}}, {{v[0-9]+}}, {{v[0-9]+}}, 4, 20, 10, {{v[0-9]+}});
// A trained Dense and Conv2D 32 columns wide read their row-major kernels
// as panels in place: no packing call.
// CHECK-LABEL: void in_place(
// CHECK-NOT: pack_panels
// CHECK: kiln::rt::dense_panels_in_place_f32<kiln::rt::Act::linear>({{v[0-9]+}}, {{v[0-9]+}}, nullptr, {{v[0-9]+}}, 4, 20, 32);
// CHECK-NOT: pack_panels
// CHECK: kiln::rt::conv2d_panels_in_place_f32<kiln::rt::Act::linear>({{v[0-9]+}}, {{v[0-9]+}}, nullptr, {{v[0-9]+}}, 1, 5, 5, 2, 3, 3, 32, 3, 3, 1, 1, 1, 1, 0, 0);
// CHECK-LABEL: void regularize(
// CHECK: kiln::rt::regularization_f32([[W:v[0-9]+]], {{v[0-9]+}}, 12, 1.000000050e-03f, 5.000000000e-01f, 2.500000000e-01f);
// CHECK: kiln::rt::regularization_grad_f32([[W]], {{v[0-9]+}}, 12, 1.000000050e-03f, 5.000000000e-01f, 2.500000000e-01f);
module {
  ml_program.global private mutable @dense.kernel(dense<1.0> : tensor<20x10xf32>) : tensor<20x10xf32>
  func.func @train_step(%x: tensor<4x20xf32>, %dy: tensor<4x10xf32>) -> (tensor<4x10xf32>, tensor<4x20xf32>) {
    %k = ml_program.global_load @dense.kernel : tensor<20x10xf32>
    %0 = kiln.dense %x, %k : (tensor<4x20xf32>, tensor<20x10xf32>) -> tensor<4x10xf32>
    %1 = kiln.dense_grad_input %dy, %k : (tensor<4x10xf32>, tensor<20x10xf32>) -> tensor<4x20xf32>
    return %0, %1 : tensor<4x10xf32>, tensor<4x20xf32>
  }

  ml_program.global private mutable @wide.kernel(dense<1.0> : tensor<20x32xf32>) : tensor<20x32xf32>
  ml_program.global private mutable @conv.kernel(dense<1.0> : tensor<3x3x2x32xf32>) : tensor<3x3x2x32xf32>
  func.func @in_place(%x: tensor<4x20xf32>, %img: tensor<1x5x5x2xf32>) -> (tensor<4x32xf32>, tensor<1x3x3x32xf32>) {
    %k = ml_program.global_load @wide.kernel : tensor<20x32xf32>
    %0 = kiln.dense %x, %k : (tensor<4x20xf32>, tensor<20x32xf32>) -> tensor<4x32xf32>
    %c = ml_program.global_load @conv.kernel : tensor<3x3x2x32xf32>
    %1 = kiln.conv2d %img, %c {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x5x5x2xf32>, tensor<3x3x2x32xf32>) -> tensor<1x3x3x32xf32>
    return %0, %1 : tensor<4x32xf32>, tensor<1x3x3x32xf32>
  }

  // A regularizer's penalty and gradient: (input, output, count, l1, l2, scale).
  func.func @regularize(%w: tensor<4x3xf32>) -> (tensor<1xf32>, tensor<4x3xf32>) {
    %p = kiln.regularization %w {l1 = 1.0e-3 : f32, l2 = 0.5 : f32, scale = 0.25 : f32} : (tensor<4x3xf32>) -> tensor<1xf32>
    %g = kiln.regularization_grad %w {l1 = 1.0e-3 : f32, l2 = 0.5 : f32, scale = 0.25 : f32} : tensor<4x3xf32>
    return %p, %g : tensor<1xf32>, tensor<4x3xf32>
  }
}
