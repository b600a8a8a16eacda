// RUN: kiln-opt %s -kiln-winograd-at-run-time -kiln-pack-at-run-time | FileCheck %s
// RUN: kiln-opt %s -kiln-winograd-at-run-time -kiln-pack-at-run-time -kiln-plan-weights -kiln-plan-memory -convert-kiln-to-emitc | mlir-translate-22 -mlir-to-cpp | FileCheck %s --check-prefix=CPP

// Trained 3x3 kernels. The 16 -> 16 stride-1 conv over 16x16 pixels (16
// tiles) runs as Winograd over its kernel transformed on every call, and is
// not also read as panels in place; so do the input gradients of a "same"
// (pad 1) and a "valid" (pad 0: dx is dy padded by 2, 18x18 in 25 tiles)
// conv with 16 and 24 channels. A stride-2 conv, one with 8 input channels
// and an input gradient with 8 channels stay direct.
// CHECK-LABEL: func.func @train_step
// CHECK: kiln.conv2d {{.*}}kiln.winograd_at_run_time = 16 : i64
// CHECK-NOT: kiln.panels_in_place
// CHECK-SAME: -> tensor<1x16x16x16xf32>
// CHECK: kiln.conv2d {{.*}}kiln.panels_in_place
// CHECK-NOT: winograd
// CHECK-SAME: -> tensor<1x8x8x16xf32>
// CHECK: kiln.conv2d {{.*}}kiln.panels_in_place
// CHECK-NOT: winograd
// CHECK-SAME: -> tensor<1x16x16x16xf32>
// CHECK: kiln.conv2d_grad_input {{.*}}kiln.winograd_at_run_time = 16 : i64
// CHECK: kiln.conv2d_grad_input {{.*}}kiln.winograd_at_run_time = 25 : i64
// CHECK: kiln.conv2d_grad_input
// CHECK-NOT: winograd
// CHECK: return
// The kernel call takes the HWIO kernel and scratch for its transform
// (36 x 16 x 16 floats) and the tiles'; the gradients take the forward
// geometry: n, h, w, c, f, oh, ow, the forward padding, the tile block.
// CPP-LABEL: void train_step(
// CPP: kiln::rt::conv2d_winograd_f43_hwio_f32<kiln::rt::Act::linear>({{v[0-9]+}}, {{v[0-9]+}}, nullptr, {{v[0-9]+}}, 1, 18, 18, 16, 16, 16, 16, 0, 0, 16, {{v[0-9]+}});
// CPP: kiln::rt::conv2d_panels_in_place_f32
// CPP: kiln::rt::conv2d_panels_in_place_f32
// CPP: kiln::rt::conv2d_grad_input_winograd_f43_f32({{v[0-9]+}}, {{v[0-9]+}}, {{v[0-9]+}}, 1, 16, 16, 16, 24, 16, 16, 1, 1, 16, {{v[0-9]+}});
// CPP: kiln::rt::conv2d_grad_input_winograd_f43_f32({{v[0-9]+}}, {{v[0-9]+}}, {{v[0-9]+}}, 1, 18, 18, 16, 24, 16, 16, 0, 0, 25, {{v[0-9]+}});
// CPP: kiln::rt::conv2d_grad_input_f32(
module {
  ml_program.global private mutable @k(dense<1.0> : tensor<3x3x16x16xf32>) : tensor<3x3x16x16xf32>
  ml_program.global private mutable @narrow(dense<1.0> : tensor<3x3x8x16xf32>) : tensor<3x3x8x16xf32>
  ml_program.global private mutable @wide(dense<1.0> : tensor<3x3x16x24xf32>) : tensor<3x3x16x24xf32>
  ml_program.global private mutable @few(dense<1.0> : tensor<3x3x8x24xf32>) : tensor<3x3x8x24xf32>
  func.func @train_step(%x: tensor<1x18x18x16xf32>, %x8: tensor<1x18x18x8xf32>, %dy: tensor<1x16x16x24xf32>)
      -> (tensor<1x16x16x16xf32>, tensor<1x8x8x16xf32>, tensor<1x16x16x16xf32>, tensor<1x16x16x16xf32>,
          tensor<1x18x18x16xf32>, tensor<1x16x16x8xf32>) {
    %k = ml_program.global_load @k : tensor<3x3x16x16xf32>
    %0 = kiln.conv2d %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x18x18x16xf32>, tensor<3x3x16x16xf32>) -> tensor<1x16x16x16xf32>
    %1 = kiln.conv2d %x, %k {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x18x18x16xf32>, tensor<3x3x16x16xf32>) -> tensor<1x8x8x16xf32>
    %n = ml_program.global_load @narrow : tensor<3x3x8x16xf32>
    %2 = kiln.conv2d %x8, %n {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x18x18x8xf32>, tensor<3x3x8x16xf32>) -> tensor<1x16x16x16xf32>
    %w = ml_program.global_load @wide : tensor<3x3x16x24xf32>
    %3 = kiln.conv2d_grad_input %dy, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x16x16x24xf32>, tensor<3x3x16x24xf32>) -> tensor<1x16x16x16xf32>
    %4 = kiln.conv2d_grad_input %dy, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x16x16x24xf32>, tensor<3x3x16x24xf32>) -> tensor<1x18x18x16xf32>
    %f = ml_program.global_load @few : tensor<3x3x8x24xf32>
    %5 = kiln.conv2d_grad_input %dy, %f {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x16x16x24xf32>, tensor<3x3x8x24xf32>) -> tensor<1x16x16x8xf32>
    return %0, %1, %2, %3, %4, %5 : tensor<1x16x16x16xf32>, tensor<1x8x8x16xf32>, tensor<1x16x16x16xf32>, tensor<1x16x16x16xf32>, tensor<1x18x18x16xf32>, tensor<1x16x16x8xf32>
  }
}
