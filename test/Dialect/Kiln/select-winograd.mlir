// RUN: kiln-opt %s -split-input-file -kiln-select-winograd | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-select-winograd -kiln-prepack-weights -kiln-plan-weights | FileCheck %s --check-prefix=PLAN

// A 3x3 stride-1 conv with 16 channels in and out over 16x16 pixels
// (16 tiles) runs as Winograd; its kernel is not also stored as panels.
// One tile's scratch is 36 x (16 + 16) floats, 4.5 KiB, so the 512 KiB
// budget holds 113 tiles: the block is all 16.
// CHECK-LABEL: module
// CHECK: ml_program.global private @conv.kernel({{.*}}) : tensor<3x3x16x16xf32> {kiln.winograd}
// CHECK: kiln.conv2d {{.*}}kiln.winograd = 16 : i64
// The transformed kernel is 36 panel-packed 16 x 16 matrices: 36864 bytes,
// and the bias after it.
// PLAN-LABEL: module attributes {kiln.weight_bytes = 36928 : i64}
// PLAN: @conv.bias({{.*}}kiln.weight_offset = 0 : i64
// PLAN: @conv.kernel({{.*}}) : tensor<3x3x16x16xf32> {kiln.weight_offset = 64 : i64, kiln.winograd}
// PLAN-NOT: kiln.panel_operands
module {
  ml_program.global private @conv.bias(dense<1.0> : tensor<16xf32>) : tensor<16xf32>
  ml_program.global private @conv.kernel(dense<1.0> : tensor<3x3x16x16xf32>) : tensor<3x3x16x16xf32>
  func.func @f(%x: tensor<1x18x18x16xf32>) -> tensor<1x16x16x16xf32> {
    %k = ml_program.global_load_const @conv.kernel : tensor<3x3x16x16xf32>
    %b = ml_program.global_load_const @conv.bias : tensor<16xf32>
    %0 = kiln.conv2d %x, %k, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x18x18x16xf32>, tensor<3x3x16x16xf32>, tensor<16xf32>) -> tensor<1x16x16x16xf32>
    return %0 : tensor<1x16x16x16xf32>
  }
}

// -----

// Many tiles are split into blocks of whole 12-row register tiles: 64 x 64
// channels take 18 KiB of scratch per tile, and the 576 KiB kernel's budget
// holds 32 of them, so 24 tiles of the 64.
// CHECK-LABEL: module
// CHECK: kiln.conv2d {{.*}}kiln.winograd = 24 : i64
module {
  ml_program.global private @k(dense<1.0> : tensor<3x3x64x64xf32>) : tensor<3x3x64x64xf32>
  func.func @f(%x: tensor<1x32x32x64xf32>) -> tensor<1x32x32x64xf32> {
    %k = ml_program.global_load_const @k : tensor<3x3x64x64xf32>
    %0 = kiln.conv2d %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x32x32x64xf32>, tensor<3x3x64x64xf32>) -> tensor<1x32x32x64xf32>
    return %0 : tensor<1x32x32x64xf32>
  }
}

// -----

// Not chosen: stride 2; 8 input channels (the transforms would dominate);
// a 9x9 output (its 3x3 tiles cover 12x12, 44 % waste); a 5x5 kernel.
// The kernels are stored as panels instead.
// CHECK-LABEL: module
// CHECK-NOT: kiln.winograd
// CHECK: return
// PLAN: @strided({{.*}}) : tensor<3x3x16x16xf32> {kiln.panel_width = 16 : i64, kiln.weight_offset = 0 : i64}{{$}}
// PLAN: @narrow({{.*}}) : tensor<3x3x8x16xf32> {kiln.panel_width = 16 : i64, kiln.weight_offset = {{[0-9]+}} : i64}{{$}}
// PLAN: @ragged({{.*}}) : tensor<3x3x16x16xf32> {kiln.panel_width = 16 : i64, kiln.weight_offset = {{[0-9]+}} : i64}{{$}}
// PLAN: @wide({{.*}}) : tensor<5x5x16x16xf32> {kiln.panel_width = 16 : i64, kiln.weight_offset = {{[0-9]+}} : i64}{{$}}
module {
  ml_program.global private @strided(dense<1.0> : tensor<3x3x16x16xf32>) : tensor<3x3x16x16xf32>
  ml_program.global private @narrow(dense<1.0> : tensor<3x3x8x16xf32>) : tensor<3x3x8x16xf32>
  ml_program.global private @ragged(dense<1.0> : tensor<3x3x16x16xf32>) : tensor<3x3x16x16xf32>
  ml_program.global private @wide(dense<1.0> : tensor<5x5x16x16xf32>) : tensor<5x5x16x16xf32>
  func.func @f(%x: tensor<1x20x20x16xf32>, %y: tensor<1x18x18x8xf32>, %z: tensor<1x11x11x16xf32>) -> (tensor<1x9x9x16xf32>, tensor<1x16x16x16xf32>, tensor<1x9x9x16xf32>, tensor<1x16x16x16xf32>) {
    %s = ml_program.global_load_const @strided : tensor<3x3x16x16xf32>
    %n = ml_program.global_load_const @narrow : tensor<3x3x8x16xf32>
    %r = ml_program.global_load_const @ragged : tensor<3x3x16x16xf32>
    %w = ml_program.global_load_const @wide : tensor<5x5x16x16xf32>
    %0 = kiln.conv2d %x, %s {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x20x20x16xf32>, tensor<3x3x16x16xf32>) -> tensor<1x9x9x16xf32>
    %1 = kiln.conv2d %y, %n {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x18x18x8xf32>, tensor<3x3x8x16xf32>) -> tensor<1x16x16x16xf32>
    %2 = kiln.conv2d %z, %r {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x11x11x16xf32>, tensor<3x3x16x16xf32>) -> tensor<1x9x9x16xf32>
    %3 = kiln.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x20x20x16xf32>, tensor<5x5x16x16xf32>) -> tensor<1x16x16x16xf32>
    return %0, %1, %2, %3 : tensor<1x9x9x16xf32>, tensor<1x16x16x16xf32>, tensor<1x9x9x16xf32>, tensor<1x16x16x16xf32>
  }
}

// -----

// The blob holds one layout: a kernel that one reader could run as Winograd
// but another (strided) could not is left plain for both.
// CHECK-LABEL: module
// CHECK-NOT: kiln.winograd
// CHECK: return
module {
  ml_program.global private @shared(dense<1.0> : tensor<3x3x16x16xf32>) : tensor<3x3x16x16xf32>
  func.func @f(%x: tensor<1x18x18x16xf32>) -> (tensor<1x16x16x16xf32>, tensor<1x8x8x16xf32>) {
    %k = ml_program.global_load_const @shared : tensor<3x3x16x16xf32>
    %0 = kiln.conv2d %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x18x18x16xf32>, tensor<3x3x16x16xf32>) -> tensor<1x16x16x16xf32>
    %1 = kiln.conv2d %x, %k {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x18x18x16xf32>, tensor<3x3x16x16xf32>) -> tensor<1x8x8x16xf32>
    return %0, %1 : tensor<1x16x16x16xf32>, tensor<1x8x8x16xf32>
  }
}

// -----

// ResNet50's last stage at batch 1: a 9 MiB transformed kernel for 4 tiles
// would be streamed from memory for little arithmetic.
// CHECK-LABEL: module
// CHECK-NOT: kiln.winograd
// CHECK: return
module {
  ml_program.global private @k(dense<1.0> : tensor<3x3x512x512xf32>) : tensor<3x3x512x512xf32>
  func.func @f(%x: tensor<1x7x7x512xf32>) -> tensor<1x7x7x512xf32> {
    %k = ml_program.global_load_const @k : tensor<3x3x512x512xf32>
    %0 = kiln.conv2d %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x7x7x512xf32>, tensor<3x3x512x512xf32>) -> tensor<1x7x7x512xf32>
    return %0 : tensor<1x7x7x512xf32>
  }
}
