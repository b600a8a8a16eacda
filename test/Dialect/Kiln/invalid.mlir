// RUN: kiln-opt %s -split-input-file -verify-diagnostics

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
  // expected-error @+1 {{reads element 8 of an input with 8 elements}}
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
