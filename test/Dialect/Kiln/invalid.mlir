// RUN: kiln-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

func.func @dense_feature_mismatch(%x: tensor<2x5xf32>, %k: tensor<4x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{kernel expects 4 input features, input has 5}}
  %0 = kiln.dense %x, %k : (tensor<2x5xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @dense_bias_mismatch(%x: tensor<2x4xf32>, %k: tensor<4x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{bias must have shape (3)}}
  %0 = kiln.dense %x, %k, %b : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @dense_wrong_result(%x: tensor<2x4xf32>, %k: tensor<4x3xf32>) -> tensor<2x4xf32> {
  // expected-error @+2 {{inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<2x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.dense %x, %k : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @dense_kernel_rank(%x: tensor<2x4xf32>, %k: tensor<4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{kernel must be 2-D (in, units), got rank 1}}
  %0 = kiln.dense %x, %k : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @dense_no_batch(%x: tensor<4xf32>, %k: tensor<4x3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{input must have a batch axis, got rank 1}}
  %0 = kiln.dense %x, %k : (tensor<4xf32>, tensor<4x3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @dense_f64(%x: tensor<2x4xf64>, %k: tensor<4x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{must be ranked tensor of 32-bit float values}}
  %0 = kiln.dense %x, %k : (tensor<2x4xf64>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @softmax_axis(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = kiln.softmax %x {axis = 2 : i64} : tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @sparsemax_axis(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = kiln.sparsemax %x {axis = -3 : i64} : tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @glu_odd(%x: tensor<2x7xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{glu axis must have even length, got 7}}
  %0 = kiln.glu %x : (tensor<2x7xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @activation_type_change(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "kiln.activation"(%x) {kind = #kiln.activation<relu>} : (tensor<2x8xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @unknown_activation(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{expected ::kiln::ActivationKind to be one of: linear, relu}}
  // expected-error @+1 {{failed to parse Kiln_ActivationAttr parameter 'value'}}
  %0 = kiln.activation %x {kind = #kiln.activation<swoosh>} : tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @binary_no_broadcast(%a: tensor<2x5xf32>, %b: tensor<2x3xf32>) -> tensor<2x5xf32> {
  // expected-error @+2 {{binary operand shapes 'tensor<2x5xf32>' and 'tensor<2x3xf32>' do not broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.binary %a, %b {kind = #kiln.binary<add>} : (tensor<2x5xf32>, tensor<2x3xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @concat_mismatch(%a: tensor<2x5xf32>, %b: tensor<3x5xf32>) -> tensor<2x10xf32> {
  // expected-error @+2 {{concat inputs 'tensor<2x5xf32>' and 'tensor<3x5xf32>' differ on axis 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.concat %a, %b {axis = 1 : i64} : (tensor<2x5xf32>, tensor<3x5xf32>) -> tensor<2x10xf32>
  return %0 : tensor<2x10xf32>
}

// -----

func.func @reshape_count(%a: tensor<2x5xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{cannot reshape 'tensor<2x5xf32>' to 'tensor<2x4xf32>': element counts differ}}
  %0 = kiln.reshape %a : (tensor<2x5xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @view_out_of_bounds(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{reads elements 1 to 8 of an input with 8 elements}}
  %0 = kiln.strided_view %x {offset = 1 : i64, strides = array<i64: 4, 1>} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @reduce_batch(%x: tensor<2x4xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{reduce axis 0 must be a non-batch axis of a rank-2 tensor}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.reduce %x {kind = #kiln.reduce<sum>, axis = 0 : i64} : (tensor<2x4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @matmul_contract(%a: tensor<2x4x6xf32>, %b: tensor<2x5x4xf32>) -> tensor<2x4x4xf32> {
  // expected-error @+2 {{matmul contracts 6 with 5}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.matmul %a, %b : (tensor<2x4x6xf32>, tensor<2x5x4xf32>) -> tensor<2x4x4xf32>
  return %0 : tensor<2x4x4xf32>
}

// -----

func.func @conv_channels(%x: tensor<1x8x8x4xf32>, %k: tensor<3x3x3x6xf32>) -> tensor<1x6x6x6xf32> {
  // expected-error @+1 {{kernel expects 3 input channels, input has 4}}
  %0 = kiln.conv2d %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x8x8x4xf32>, tensor<3x3x3x6xf32>) -> tensor<1x6x6x6xf32>
  return %0 : tensor<1x6x6x6xf32>
}

// -----

func.func @conv_groups(%x: tensor<1x8x8x4xf32>, %k: tensor<3x3x2x5xf32>) -> tensor<1x6x6x5xf32> {
  // expected-error @+1 {{2 groups do not divide 4 input and 5 output channels}}
  %0 = kiln.conv2d %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 2 : i64} : (tensor<1x8x8x4xf32>, tensor<3x3x2x5xf32>) -> tensor<1x6x6x5xf32>
  return %0 : tensor<1x6x6x5xf32>
}

// -----

func.func @conv_too_small(%x: tensor<1x2x2x4xf32>, %k: tensor<3x3x4x5xf32>) -> tensor<1x1x1x5xf32> {
  // expected-error @+2 {{conv2d window does not fit the padded input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv2d %x, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x2x2x4xf32>, tensor<3x3x4x5xf32>) -> tensor<1x1x1x5xf32>
  return %0 : tensor<1x1x1x5xf32>
}

// -----

func.func @pool_strides(%x: tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32> {
  // expected-error @+2 {{pool2d needs 2 positive window sizes and strides and 4 non-negative paddings}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.pool2d %x {kind = #kiln.pool<max>, window = array<i64: 2, 2>, strides = array<i64: 0, 2>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

func.func @batch_norm_stats(%x: tensor<1x8x8x4xf32>, %s: tensor<3xf32>) -> tensor<1x8x8x4xf32> {
  // expected-error @+1 {{statistics must have shape (4), got 'tensor<3xf32>'}}
  %0 = kiln.batch_norm %x, %s, %s {axis = 3 : i64, epsilon = 1.0e-3 : f32} : (tensor<1x8x8x4xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x8x8x4xf32>
  return %0 : tensor<1x8x8x4xf32>
}

// -----

func.func @layer_norm_gamma(%x: tensor<1x5x8xf32>, %g: tensor<5x8xf32>) -> tensor<1x5x8xf32> {
  // expected-error @+1 {{gamma and beta must have the normalized shape, got 'tensor<5x8xf32>'}}
  %0 = kiln.layer_norm %x gamma %g {axis = 2 : i64, epsilon = 1.0e-3 : f32} : (tensor<1x5x8xf32>, tensor<5x8xf32>) -> tensor<1x5x8xf32>
  return %0 : tensor<1x5x8xf32>
}

// -----

func.func @resize_channels(%x: tensor<1x4x4x3xf32>) -> tensor<1x8x8x4xf32> {
  // expected-error @+1 {{resizes the spatial axes of NHWC tensors only}}
  %0 = kiln.resize %x {kind = #kiln.resize<nearest>} : (tensor<1x4x4x3xf32>) -> tensor<1x8x8x4xf32>
  return %0 : tensor<1x8x8x4xf32>
}

// -----

func.func @rnn_kernel_gates(%x: tensor<2x5x8xf32>, %k: tensor<8x20xf32>, %rk: tensor<6x24xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{kernel must be 8x24, got 'tensor<8x20xf32>'}}
  %0 = kiln.rnn %x, %k, %rk {cell = #kiln.cell<lstm>, activation = #kiln.activation<tanh>} : (tensor<2x5x8xf32>, tensor<8x20xf32>, tensor<6x24xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @rnn_reset_after_not_gru(%x: tensor<2x5x8xf32>, %k: tensor<8x6xf32>, %rk: tensor<6x6xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{reset_after applies to GRU cells only}}
  %0 = kiln.rnn %x, %k, %rk {cell = #kiln.cell<simple>, activation = #kiln.activation<tanh>, reset_after} : (tensor<2x5x8xf32>, tensor<8x6xf32>, tensor<6x6xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @rnn_states(%x: tensor<2x5x8xf32>, %k: tensor<8x24xf32>, %rk: tensor<6x24xf32>, %h: tensor<2x6xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{expected 2 initial states, got 1}}
  %0 = kiln.rnn %x, %k, %rk initial(%h) {cell = #kiln.cell<lstm>, activation = #kiln.activation<tanh>} : (tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>, tensor<2x6xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @rnn_mask_shape(%x: tensor<2x5x8xf32>, %k: tensor<8x6xf32>, %rk: tensor<6x6xf32>, %m: tensor<2x4xf32>) -> tensor<2x5x6xf32> {
  // expected-error @+1 {{mask must be 2x5, got 'tensor<2x4xf32>'}}
  %0 = kiln.rnn %x, %k, %rk mask(%m) {cell = #kiln.cell<simple>, activation = #kiln.activation<tanh>, return_sequences} : (tensor<2x5x8xf32>, tensor<8x6xf32>, tensor<6x6xf32>, tensor<2x4xf32>) -> tensor<2x5x6xf32>
  return %0 : tensor<2x5x6xf32>
}

// -----

func.func @cast_shape(%x: tensor<2x5xi32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{cast changes the shape}}
  %0 = kiln.cast %x : (tensor<2x5xi32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @embedding_table_rank(%x: tensor<2x5xi32>, %t: tensor<20xf32>) -> tensor<2x5x1xf32> {
  // expected-error @+2 {{embedding table must be 2-D}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.embedding %x, %t : (tensor<2x5xi32>, tensor<20xf32>) -> tensor<2x5x1xf32>
  return %0 : tensor<2x5x1xf32>
}

// -----

func.func @residual_type(%x: tensor<2x8xf32>, %k: tensor<8x4xf32>, %r: tensor<2x8xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{residual must have the result's type 'tensor<2x4xf32>', got 'tensor<2x8xf32>'}}
  %0 = kiln.dense %x, %k residual %r : (tensor<2x8xf32>, tensor<8x4xf32>, tensor<2x8xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @elementwise_broadcast(%x: tensor<2x8xf32>, %y: tensor<2x3xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{input 'tensor<2x3xf32>' does not broadcast to 'tensor<2x8xf32>'}}
  %0 = kiln.elementwise %x, %y : (tensor<2x8xf32>, tensor<2x3xf32>) -> tensor<2x8xf32> {
  ^bb0(%a: f32, %b: f32):
    %1 = kiln.scalar_binary %a, %b {kind = #kiln.binary<add>} : f32
    kiln.yield %1 : f32
  }
  return %0 : tensor<2x8xf32>
}

// -----

func.func @elementwise_arguments(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{body takes 2 elements for 1 inputs}}
  %0 = kiln.elementwise %x : (tensor<2x8xf32>) -> tensor<2x8xf32> {
  ^bb0(%a: f32, %b: f32):
    kiln.yield %a : f32
  }
  return %0 : tensor<2x8xf32>
}

// -----

func.func @elementwise_foreign_op(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %0 = kiln.elementwise %x : (tensor<2x8xf32>) -> tensor<2x8xf32> {
  ^bb0(%a: f32):
    // expected-error @+1 {{is not a scalar op kiln.elementwise can run}}
    %1 = "test.unknown"(%a) : (f32) -> f32
    kiln.yield %1 : f32
  }
  return %0 : tensor<2x8xf32>
}

// -----

func.func @profile_negative_slot() {
  // expected-error @+1 {{attribute 'slot' failed to satisfy constraint}}
  kiln.profile_begin -1
  return
}

// -----

func.func @dropout_noise_shape(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{noise_shape must have the input's rank, each axis 1 or the input's size, for 'tensor<2x8xf32>'}}
  %y = kiln.dropout %x {rate = 0.5 : f32, noise_shape = array<i64: 2, 4>} : tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @dropout_rate(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{rate must be in [0, 1)}}
  %y = kiln.dropout %x {rate = 1.0 : f32} : tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
