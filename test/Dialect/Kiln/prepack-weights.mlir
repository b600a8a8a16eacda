// RUN: kiln-opt %s -split-input-file -kiln-prepack-weights | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-prepack-weights -kiln-plan-weights | FileCheck %s --check-prefix=PLAN

// Kernels of Dense and ungrouped Conv2D are stored as panels; the bias is
// not a kernel and stays plain. A 12-unit Dense pads to 16 (1.33x) and is
// packed; a 17-channel conv would pad to 32 (1.9x) and is not.
// CHECK-LABEL: module
// CHECK: ml_program.global private @dense.kernel({{.*}}) : tensor<20x12xf32> {kiln.panel_width = 16 : i64}
// CHECK: ml_program.global private @dense.bias({{.*}}) : tensor<12xf32>{{$}}
// CHECK: ml_program.global private @conv.kernel({{.*}}) : tensor<3x3x2x32xf32> {kiln.panel_width = 16 : i64}
// CHECK: ml_program.global private @narrow.kernel({{.*}}) : tensor<1x1x2x17xf32>{{$}}
// CHECK: kiln.dense {{.*}} {kiln.panel_operands = array<i64: 1>}
// CHECK: kiln.conv2d {{.*}}kiln.panel_operands = array<i64: 1>
// CHECK: kiln.conv2d
// CHECK-NOT: kiln.panel_operands
// CHECK: return
// The (20 x 12) kernel takes 20 rows of one 16-wide panel: 1280 bytes.
// PLAN: module attributes {kiln.weight_bytes = 3840 : i64}
// PLAN: @dense.kernel({{.*}}kiln.weight_offset = 0 : i64
// PLAN: @dense.bias({{.*}}kiln.weight_offset = 1280 : i64
// PLAN: @conv.kernel({{.*}}kiln.weight_offset = 1344 : i64
// PLAN: @narrow.kernel({{.*}}kiln.weight_offset = 3648 : i64
module {
  ml_program.global private @dense.kernel(dense<1.0> : tensor<20x12xf32>) : tensor<20x12xf32>
  ml_program.global private @dense.bias(dense<1.0> : tensor<12xf32>) : tensor<12xf32>
  ml_program.global private @conv.kernel(dense<1.0> : tensor<3x3x2x32xf32>) : tensor<3x3x2x32xf32>
  ml_program.global private @narrow.kernel(dense<1.0> : tensor<1x1x2x17xf32>) : tensor<1x1x2x17xf32>
  func.func @f(%x: tensor<1x20xf32>, %img: tensor<1x5x5x2xf32>) -> (tensor<1x12xf32>, tensor<1x3x3x32xf32>, tensor<1x5x5x17xf32>) {
    %k = ml_program.global_load_const @dense.kernel : tensor<20x12xf32>
    %b = ml_program.global_load_const @dense.bias : tensor<12xf32>
    %c = ml_program.global_load_const @conv.kernel : tensor<3x3x2x32xf32>
    %n = ml_program.global_load_const @narrow.kernel : tensor<1x1x2x17xf32>
    %0 = kiln.dense %x, %k, %b : (tensor<1x20xf32>, tensor<20x12xf32>, tensor<12xf32>) -> tensor<1x12xf32>
    %1 = kiln.conv2d %img, %c {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x5x5x2xf32>, tensor<3x3x2x32xf32>) -> tensor<1x3x3x32xf32>
    %2 = kiln.conv2d %img, %n {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x5x5x2xf32>, tensor<1x1x2x17xf32>) -> tensor<1x5x5x17xf32>
    return %0, %1, %2 : tensor<1x12xf32>, tensor<1x3x3x32xf32>, tensor<1x5x5x17xf32>
  }
}

// -----

// Grouped (depthwise) convolutions read their kernel plain, and a weight
// that some op reads as data stays plain for every reader.
// CHECK-LABEL: module
// CHECK-NOT: kiln.panel_width
// CHECK-NOT: kiln.panel_operands
module {
  ml_program.global private @depthwise(dense<1.0> : tensor<3x3x1x4xf32>) : tensor<3x3x1x4xf32>
  ml_program.global private @shared(dense<1.0> : tensor<4x4xf32>) : tensor<4x4xf32>
  func.func @g(%img: tensor<1x5x5x4xf32>, %x: tensor<1x4xf32>) -> (tensor<1x3x3x4xf32>, tensor<1x4xf32>, tensor<4x4xf32>) {
    %d = ml_program.global_load_const @depthwise : tensor<3x3x1x4xf32>
    %0 = kiln.conv2d %img, %d {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 4 : i64} : (tensor<1x5x5x4xf32>, tensor<3x3x1x4xf32>) -> tensor<1x3x3x4xf32>
    %s = ml_program.global_load_const @shared : tensor<4x4xf32>
    %1 = kiln.dense %x, %s : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
    %2 = kiln.activation %s {kind = #kiln.activation<relu>} : tensor<4x4xf32>
    return %0, %1, %2 : tensor<1x3x3x4xf32>, tensor<1x4xf32>, tensor<4x4xf32>
  }
}

// -----

// Both kernels of an LSTM are stored as panels; the (U x 3U) recurrent
// kernel of a GRU without reset_after, which its step reads by parts,
// stays row-major while its input kernel packs. The bias stays plain.
// CHECK-LABEL: module
// CHECK: @lstm.kernel({{.*}}) : tensor<8x64xf32> {kiln.panel_width = 16 : i64}
// CHECK: @lstm.recurrent({{.*}}) : tensor<16x64xf32> {kiln.panel_width = 16 : i64}
// CHECK: @lstm.bias({{.*}}) : tensor<64xf32>{{$}}
// CHECK: @gru.kernel({{.*}}) : tensor<8x48xf32> {kiln.panel_width = 16 : i64}
// CHECK: @gru.recurrent({{.*}}) : tensor<16x48xf32>{{$}}
// CHECK: kiln.rnn {{.*}}kiln.panel_operands = array<i64: 1, 2>
// CHECK: kiln.rnn {{.*}}kiln.panel_operands = array<i64: 1>}
module {
  ml_program.global private @lstm.kernel(dense<1.0> : tensor<8x64xf32>) : tensor<8x64xf32>
  ml_program.global private @lstm.recurrent(dense<1.0> : tensor<16x64xf32>) : tensor<16x64xf32>
  ml_program.global private @lstm.bias(dense<1.0> : tensor<64xf32>) : tensor<64xf32>
  ml_program.global private @gru.kernel(dense<1.0> : tensor<8x48xf32>) : tensor<8x48xf32>
  ml_program.global private @gru.recurrent(dense<1.0> : tensor<16x48xf32>) : tensor<16x48xf32>
  func.func @r(%x: tensor<1x5x8xf32>) -> (tensor<1x16xf32>, tensor<1x16xf32>) {
    %k = ml_program.global_load_const @lstm.kernel : tensor<8x64xf32>
    %rk = ml_program.global_load_const @lstm.recurrent : tensor<16x64xf32>
    %b = ml_program.global_load_const @lstm.bias : tensor<64xf32>
    %y = kiln.rnn %x, %k, %rk, %b {cell = #kiln.cell<lstm>, activation = #kiln.activation<tanh>}
        : (tensor<1x5x8xf32>, tensor<8x64xf32>, tensor<16x64xf32>, tensor<64xf32>) -> tensor<1x16xf32>
    %gk = ml_program.global_load_const @gru.kernel : tensor<8x48xf32>
    %grk = ml_program.global_load_const @gru.recurrent : tensor<16x48xf32>
    %g = kiln.rnn %x, %gk, %grk {cell = #kiln.cell<gru>, activation = #kiln.activation<tanh>}
        : (tensor<1x5x8xf32>, tensor<8x48xf32>, tensor<16x48xf32>) -> tensor<1x16xf32>
    return %y, %g : tensor<1x16xf32>, tensor<1x16xf32>
  }
}

// -----

// A kernel one op reads as its recurrent kernel and another as its input
// kernel is stored as panels once, and both ops read it that way.
// CHECK-LABEL: module
// CHECK: @shared({{.*}}) : tensor<16x16xf32> {kiln.panel_width = 16 : i64}
// CHECK: @k({{.*}}) : tensor<4x16xf32> {kiln.panel_width = 16 : i64}
// CHECK: kiln.rnn %{{.*}}, %shared, %shared {{.*}}kiln.panel_operands = array<i64: 1, 2>
// CHECK: kiln.rnn %{{.*}}, %k, %shared {{.*}}kiln.panel_operands = array<i64: 1, 2>
module {
  ml_program.global private @shared(dense<1.0> : tensor<16x16xf32>) : tensor<16x16xf32>
  ml_program.global private @k(dense<1.0> : tensor<4x16xf32>) : tensor<4x16xf32>
  func.func @s(%x: tensor<1x5x16xf32>, %z: tensor<1x5x4xf32>) -> (tensor<1x16xf32>, tensor<1x16xf32>) {
    %s = ml_program.global_load_const @shared : tensor<16x16xf32>
    %k = ml_program.global_load_const @k : tensor<4x16xf32>
    %a = kiln.rnn %x, %s, %s {cell = #kiln.cell<simple>, activation = #kiln.activation<tanh>}
        : (tensor<1x5x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<1x16xf32>
    %b = kiln.rnn %z, %k, %s {cell = #kiln.cell<simple>, activation = #kiln.activation<tanh>}
        : (tensor<1x5x4xf32>, tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<1x16xf32>
    return %a, %b : tensor<1x16xf32>, tensor<1x16xf32>
  }
}
