// RUN: kiln-opt %s -split-input-file -kiln-pack-at-run-time | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-pack-at-run-time -kiln-plan-memory | FileCheck %s --check-prefix=PLAN

// Trained kernels (mutable globals) of a Dense and ungrouped Conv2Ds: one
// 32 columns wide (a multiple of the 16-column panel) is read as panels in
// place; the 12-column Dense and a 17-channel conv are packed on every call
// (padded to 16 and 32 columns in scratch); a grouped conv keeps the plain
// kernel (no packed variant).
// CHECK-LABEL: func.func @train_step
// CHECK: kiln.dense {{.*}} {kiln.pack_at_run_time}
// CHECK: kiln.conv2d {{.*}}kiln.panels_in_place
// CHECK: kiln.conv2d {{.*}}kiln.pack_at_run_time
// CHECK: kiln.conv2d
// CHECK-NOT: kiln.pack_at_run_time
// CHECK-NOT: kiln.panels_in_place
// CHECK: return
// Only the two ops that pack get scratch memory in the plan.
// PLAN: kiln.dense {{.*}}kiln.scratch_offset
// PLAN-NOT: kiln.scratch_offset
// PLAN: kiln.conv2d {{.*}}kiln.panels_in_place
// PLAN: kiln.conv2d {{.*}}kiln.scratch_offset
// PLAN: kiln.conv2d
// PLAN-NOT: kiln.scratch_offset
// PLAN: return
module {
  ml_program.global private mutable @dense.kernel(dense<1.0> : tensor<20x12xf32>) : tensor<20x12xf32>
  ml_program.global private mutable @conv.kernel(dense<1.0> : tensor<3x3x2x32xf32>) : tensor<3x3x2x32xf32>
  ml_program.global private mutable @narrow.kernel(dense<1.0> : tensor<1x1x2x17xf32>) : tensor<1x1x2x17xf32>
  ml_program.global private mutable @grouped.kernel(dense<1.0> : tensor<3x3x1x2xf32>) : tensor<3x3x1x2xf32>
  func.func @train_step(%x: tensor<1x20xf32>, %img: tensor<1x5x5x2xf32>) -> (tensor<1x12xf32>, tensor<1x3x3x32xf32>, tensor<1x5x5x17xf32>, tensor<1x3x3x2xf32>) {
    %k = ml_program.global_load @dense.kernel : tensor<20x12xf32>
    %0 = kiln.dense %x, %k : (tensor<1x20xf32>, tensor<20x12xf32>) -> tensor<1x12xf32>
    %c = ml_program.global_load @conv.kernel : tensor<3x3x2x32xf32>
    %1 = kiln.conv2d %img, %c {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x5x5x2xf32>, tensor<3x3x2x32xf32>) -> tensor<1x3x3x32xf32>
    %n = ml_program.global_load @narrow.kernel : tensor<1x1x2x17xf32>
    %2 = kiln.conv2d %img, %n {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x5x5x2xf32>, tensor<1x1x2x17xf32>) -> tensor<1x5x5x17xf32>
    %g = ml_program.global_load @grouped.kernel : tensor<3x3x1x2xf32>
    %3 = kiln.conv2d %img, %g {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 2 : i64} : (tensor<1x5x5x2xf32>, tensor<3x3x1x2xf32>) -> tensor<1x3x3x2xf32>
    return %0, %1, %2, %3 : tensor<1x12xf32>, tensor<1x3x3x32xf32>, tensor<1x5x5x17xf32>, tensor<1x3x3x2xf32>
  }
}

// -----

// A kernel already stored as panels (-kiln-prepack-weights) is left alone.
// CHECK-LABEL: func.func @predict
// CHECK: kiln.dense {{.*}} {kiln.panel_operands = array<i64: 1>}
// CHECK-NOT: kiln.pack_at_run_time
module {
  ml_program.global private @dense.kernel(dense<1.0> : tensor<20x16xf32>) : tensor<20x16xf32> {kiln.panel_width = 16 : i64}
  func.func @predict(%x: tensor<1x20xf32>) -> tensor<1x16xf32> {
    %k = ml_program.global_load_const @dense.kernel : tensor<20x16xf32>
    %0 = kiln.dense %x, %k {kiln.panel_operands = array<i64: 1>} : (tensor<1x20xf32>, tensor<20x16xf32>) -> tensor<1x16xf32>
    return %0 : tensor<1x16xf32>
  }
}
