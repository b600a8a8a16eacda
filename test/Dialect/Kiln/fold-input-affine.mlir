// RUN: kiln-opt %s -split-input-file -kiln-fold-input-affine | FileCheck %s

// Normalization before a Dense: (x - [1, 2]) / [2, 4] is x * s + t with
// s = [0.5, 0.25], t = [-0.5, -0.5]. Kernel rows (input channels) scale by s:
// [[1, 2], [3, 4]] -> [[0.5, 1], [0.75, 1]]; bias' = b + t . kernel =
// [0.5 - 0.5 - 1.5, 1 - 1 - 2] = [-1.5, -2]. All exact in binary.
// CHECK-LABEL: func.func @normalization_into_dense
// CHECK-NOT: kiln.binary
// CHECK: %[[K:.*]] = ml_program.global_load_const @k.input_folded :
// CHECK: %[[B:.*]] = ml_program.global_load_const @k.input_folded.bias :
// CHECK: kiln.dense %arg0, %[[K]], %[[B]]
// CHECK-DAG: k.input_folded: "0x040000000000003F0000803F0000403F0000803F"
// CHECK-DAG: k.input_folded.bias: "0x040000000000C0BF000000C0"
module {
  ml_program.global private @k(dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
  ml_program.global private @b(dense<[0.5, 1.0]> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private @mean(dense<[[1.0, 2.0]]> : tensor<1x2xf32>) : tensor<1x2xf32>
  ml_program.global private @std(dense<[[2.0, 4.0]]> : tensor<1x2xf32>) : tensor<1x2xf32>
  func.func @normalization_into_dense(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    %m = ml_program.global_load_const @mean : tensor<1x2xf32>
    %s = ml_program.global_load_const @std : tensor<1x2xf32>
    %k = ml_program.global_load_const @k : tensor<2x2xf32>
    %b = ml_program.global_load_const @b : tensor<2xf32>
    %0 = kiln.binary %x, %m {kind = #kiln.binary<sub>} : (tensor<3x2xf32>, tensor<1x2xf32>) -> tensor<3x2xf32>
    %1 = kiln.binary %0, %s {kind = #kiln.binary<div>} : (tensor<3x2xf32>, tensor<1x2xf32>) -> tensor<3x2xf32>
    %y = kiln.dense %1, %k, %b : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
    return %y : tensor<3x2xf32>
  }
}

// -----

// A grouped 1x1 convolution without padding (groups 2, C = 4, F = 2): output
// channel 0 reads input channels 0-1, channel 1 reads 2-3. Kernel element
// (ci, f) scales by s[group(f) * 2 + ci] with s = [1, 2, 3, 4] (a scalar-side
// multiply, c * x): all-ones kernel -> [1, 3, 2, 4]. No shift: no new bias.
// CHECK-LABEL: func.func @scale_into_grouped_conv
// CHECK-NOT: kiln.binary
// CHECK: %[[K:.*]] = ml_program.global_load_const @k.input_folded :
// CHECK: kiln.conv2d %arg0, %[[K]] {
// CHECK: k.input_folded: "0x040000000000803F000040400000004000008040"
module {
  ml_program.global private @k(dense<1.0> : tensor<1x1x2x2xf32>) : tensor<1x1x2x2xf32>
  ml_program.global private @s(dense<[[[[1.0, 2.0, 3.0, 4.0]]]]> : tensor<1x1x1x4xf32>) : tensor<1x1x1x4xf32>
  func.func @scale_into_grouped_conv(%x: tensor<1x3x3x4xf32>) -> tensor<1x3x3x2xf32> {
    %s = ml_program.global_load_const @s : tensor<1x1x1x4xf32>
    %k = ml_program.global_load_const @k : tensor<1x1x2x2xf32>
    %0 = kiln.binary %s, %x {kind = #kiln.binary<mul>} : (tensor<1x1x1x4xf32>, tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32>
    %y = kiln.conv2d %0, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 2 : i64} : (tensor<1x3x3x4xf32>, tensor<1x1x2x2xf32>) -> tensor<1x3x3x2xf32>
    return %y : tensor<1x3x3x2xf32>
  }
}

// -----

// A padded convolution: zeros padded after (x - m) / s are not zeros padded
// before it, so only the division (no shift) folds; the subtraction stays.
// CHECK-LABEL: func.func @padded_conv_keeps_the_shift
// CHECK: %[[SUB:.*]] = kiln.binary %arg0, %{{.*}} {kind = #kiln.binary<sub>}
// CHECK-NOT: kiln.binary
// CHECK: kiln.conv2d %[[SUB]], %{{.*}}, %[[B:[^ ]*]] {
module {
  ml_program.global private @k(dense<1.0> : tensor<3x3x2x2xf32>) : tensor<3x3x2x2xf32>
  ml_program.global private @b(dense<[0.5, 1.0]> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private @m(dense<[[[[1.0, 2.0]]]]> : tensor<1x1x1x2xf32>) : tensor<1x1x1x2xf32>
  ml_program.global private @s(dense<[[[[2.0, 4.0]]]]> : tensor<1x1x1x2xf32>) : tensor<1x1x1x2xf32>
  func.func @padded_conv_keeps_the_shift(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
    %m = ml_program.global_load_const @m : tensor<1x1x1x2xf32>
    %s = ml_program.global_load_const @s : tensor<1x1x1x2xf32>
    %k = ml_program.global_load_const @k : tensor<3x3x2x2xf32>
    %b = ml_program.global_load_const @b : tensor<2xf32>
    %0 = kiln.binary %x, %m {kind = #kiln.binary<sub>} : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
    %1 = kiln.binary %0, %s {kind = #kiln.binary<div>} : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
    %y = kiln.conv2d %1, %k, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x2xf32>, tensor<3x3x2x2xf32>, tensor<2xf32>) -> tensor<1x4x4x2xf32>
    return %y : tensor<1x4x4x2xf32>
  }
}

// -----

// Not folded: Rescaling with an offset before a padded convolution (the
// map nearest the conv shifts), c / x (not affine), a constant that varies
// along a non-channel axis, and a map whose result has another user.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-5: kiln.binary
// CHECK-NOT: input_folded
module {
  ml_program.global private @k(dense<1.0> : tensor<3x3x2x2xf32>) : tensor<3x3x2x2xf32>
  ml_program.global private @kd(dense<1.0> : tensor<2x2xf32>) : tensor<2x2xf32>
  ml_program.global private @c(dense<[[[[2.0, 4.0]]]]> : tensor<1x1x1x2xf32>) : tensor<1x1x1x2xf32>
  ml_program.global private @rows(dense<[[1.0], [2.0], [3.0]]> : tensor<3x1xf32>) : tensor<3x1xf32>
  ml_program.global private @c2(dense<[[2.0, 4.0]]> : tensor<1x2xf32>) : tensor<1x2xf32>
  func.func @kept(%x: tensor<1x4x4x2xf32>, %v: tensor<3x2xf32>) -> (tensor<1x4x4x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) {
    %c = ml_program.global_load_const @c : tensor<1x1x1x2xf32>
    %k = ml_program.global_load_const @k : tensor<3x3x2x2xf32>
    %kd = ml_program.global_load_const @kd : tensor<2x2xf32>
    %rows = ml_program.global_load_const @rows : tensor<3x1xf32>
    %c2 = ml_program.global_load_const @c2 : tensor<1x2xf32>
    %0 = kiln.binary %x, %c {kind = #kiln.binary<mul>} : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
    %1 = kiln.binary %0, %c {kind = #kiln.binary<add>} : (tensor<1x4x4x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
    %y = kiln.conv2d %1, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x2xf32>, tensor<3x3x2x2xf32>) -> tensor<1x4x4x2xf32>
    %2 = kiln.binary %c2, %v {kind = #kiln.binary<div>} : (tensor<1x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
    %d1 = kiln.dense %2, %kd : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    %3 = kiln.binary %v, %rows {kind = #kiln.binary<mul>} : (tensor<3x2xf32>, tensor<3x1xf32>) -> tensor<3x2xf32>
    %d2 = kiln.dense %3, %kd : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    %4 = kiln.binary %v, %c2 {kind = #kiln.binary<mul>} : (tensor<3x2xf32>, tensor<1x2xf32>) -> tensor<3x2xf32>
    %d3 = kiln.dense %4, %kd : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    return %y, %d1, %d2, %d3, %4 : tensor<1x4x4x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>
  }
}
