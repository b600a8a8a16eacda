// RUN: kiln-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// Round trip of the ops training creates.
ml_program.global private mutable @w(dense<0.5> : tensor<4x3xf32>) : tensor<4x3xf32>
// CHECK-LABEL: func.func @training_ops
func.func @training_ops(%x: tensor<2x4xf32>, %p: tensor<2x3xf32>, %t: tensor<2x3xf32>,
                        %ids: tensor<2xf32>, %k: tensor<4x3xf32>,
                        %img: tensor<1x4x6x3xf32>) -> tensor<1xf32> {
  // CHECK: kiln.loss %{{.*}}, %{{.*}} {from_logits, kind = #kiln.loss<categorical_crossentropy>, label_smoothing = 1.000000e-01 : f32}
  %l = kiln.loss %p, %t {kind = #kiln.loss<categorical_crossentropy>, from_logits, label_smoothing = 0.1 : f32} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<1xf32>
  // CHECK: kiln.loss %{{.*}}, %{{.*}} {kind = #kiln.loss<sparse_categorical_crossentropy>}
  %s = kiln.loss %p, %ids {kind = #kiln.loss<sparse_categorical_crossentropy>} : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<1xf32>
  // CHECK: kiln.regularization %{{.*}} {l1 = 0.000000e+00 : f32, l2 = 0.00999999977 : f32, scale = 5.000000e-01 : f32}
  %pen = kiln.regularization %p {l1 = 0.0 : f32, l2 = 0.01 : f32, scale = 0.5 : f32} : (tensor<2x3xf32>) -> tensor<1xf32>
  // CHECK: kiln.regularization_grad %{{.*}} {l1 = 1.000000e-03 : f32, l2 = 0.000000e+00 : f32}
  %dpen = kiln.regularization_grad %k {l1 = 1.0e-3 : f32, l2 = 0.0 : f32} : tensor<4x3xf32>
  // CHECK: kiln.activity_regularization %{{.*}} {l1 = 0.000000e+00 : f32, l2 = 0.000000e+00 : f32, unsupported = "MyRegularizer"}
  %act = kiln.activity_regularization %p {l1 = 0.0 : f32, l2 = 0.0 : f32, unsupported = "MyRegularizer"} : tensor<2x3xf32>
  // CHECK: kiln.metric %{{.*}}, %{{.*}} {kind = #kiln.metric<sparse_categorical_accuracy>}
  %acc = kiln.metric %p, %ids {kind = #kiln.metric<sparse_categorical_accuracy>} : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<1xf32>
  // CHECK: kiln.metric %{{.*}}, %{{.*}} {kind = #kiln.metric<binary_accuracy>, threshold = 2.500000e-01 : f32}
  %bin = kiln.metric %p, %t {kind = #kiln.metric<binary_accuracy>, threshold = 0.25 : f32} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<1xf32>
  // CHECK: kiln.loss_grad %{{.*}}, %{{.*}} {delta = 5.000000e-01 : f32, kind = #kiln.loss<huber>, scale = 4.000000e-01 : f32}
  %g = kiln.loss_grad %p, %t {kind = #kiln.loss<huber>, delta = 0.5 : f32, scale = 0.4 : f32} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.softmax_grad %{{.*}}, %{{.*}} {log} : tensor<2x3xf32>
  %sg = kiln.softmax_grad %g, %p {log} : tensor<2x3xf32>
  // CHECK: kiln.activation_grad %{{.*}}, %{{.*}} {from_result, kind = #kiln.activation<tanh>} : tensor<2x3xf32>
  %ag = kiln.activation_grad %sg, %p {kind = #kiln.activation<tanh>, from_result} : tensor<2x3xf32>
  // CHECK: kiln.dense_grad_input %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  %dx = kiln.dense_grad_input %ag, %k : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  // CHECK: kiln.dense_grad_kernel %{{.*}}, %{{.*}} : (tensor<2x4xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %dk = kiln.dense_grad_kernel %x, %ag : (tensor<2x4xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  // CHECK: kiln.sum_to %{{.*}} : (tensor<2x3xf32>) -> tensor<3xf32>
  %db = kiln.sum_to %ag : (tensor<2x3xf32>) -> tensor<3xf32>
  // CHECK: kiln.resize_grad %{{.*}} {kind = #kiln.resize<bilinear>} : (tensor<1x4x6x3xf32>) -> tensor<1x2x2x3xf32>
  %rg = kiln.resize_grad %img {kind = #kiln.resize<bilinear>} : (tensor<1x4x6x3xf32>) -> tensor<1x2x2x3xf32>
  // CHECK: kiln.extremum_grad %{{.*}}, %{{.*}}, %{{.*}} {kind = #kiln.binary<max>, operand = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %eg = kiln.extremum_grad %ag, %p, %db {kind = #kiln.binary<max>, operand = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.optimizer_update %{{.*}} {amsgrad, clipnorm = 1.000000e+00 : f32, kind = #kiln.optimizer<adam>, learning_rate = 1.000000e-03 : f32, state_offset = 128 : i64, weight = @w} : tensor<4x3xf32>
  kiln.optimizer_update %dk {weight = @w, kind = #kiln.optimizer<adam>, learning_rate = 1.0e-3 : f32, amsgrad, clipnorm = 1.0 : f32, state_offset = 128 : i64} : tensor<4x3xf32>
  return %l : tensor<1xf32>
}

// -----

func.func @sparse_target_shape(%p: tensor<2x3xf32>, %t: tensor<2x3xf32>) -> tensor<1xf32> {
  // expected-error @+1 {{target must have shape (2) for this loss, got 'tensor<2x3xf32>'}}
  %l = kiln.loss %p, %t {kind = #kiln.loss<sparse_categorical_crossentropy>} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<1xf32>
  return %l : tensor<1xf32>
}

// -----

func.func @regularization_result(%w: tensor<4x3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{result must be tensor<1xf32>}}
  %p = kiln.regularization %w {l1 = 0.0 : f32, l2 = 0.01 : f32} : (tensor<4x3xf32>) -> tensor<3xf32>
  return %p : tensor<3xf32>
}

// -----

func.func @regularization_factors(%w: tensor<4x3xf32>) -> tensor<1xf32> {
  // expected-error @+1 {{l1 and l2 must not be negative}}
  %p = kiln.regularization %w {l1 = -1.0 : f32, l2 = 0.01 : f32} : (tensor<4x3xf32>) -> tensor<1xf32>
  return %p : tensor<1xf32>
}

// -----

func.func @dense_grad_shapes(%dy: tensor<2x3xf32>, %k: tensor<4x5xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{expected (..., units) x (in, units) -> (..., in)}}
  %dx = kiln.dense_grad_input %dy, %k : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x4xf32>
  return %dx : tensor<2x4xf32>
}

// -----

func.func @extremum_grad_of_add(%dy: tensor<2x3xf32>, %a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{is the gradient of max or min, not 'add'}}
  %g = kiln.extremum_grad %dy, %a, %a {kind = #kiln.binary<add>, operand = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}

// -----

func.func @extremum_grad_operand(%dy: tensor<2x3xf32>, %a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{operand must be 0 (lhs) or 1 (rhs), not 2}}
  %g = kiln.extremum_grad %dy, %a, %a {kind = #kiln.binary<min>, operand = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}

// -----

func.func @extremum_grad_broadcast(%dy: tensor<2x3xf32>, %a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{operand 'tensor<4xf32>' does not broadcast to 'tensor<2x3xf32>'}}
  %g = kiln.extremum_grad %dy, %a, %b {kind = #kiln.binary<max>, operand = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}

// -----

func.func @resize_grad_channels(%dy: tensor<1x4x4x3xf32>) -> tensor<1x2x2x4xf32> {
  // expected-error @+1 {{resizes the spatial axes of NHWC tensors only}}
  %g = kiln.resize_grad %dy {kind = #kiln.resize<nearest>} : (tensor<1x4x4x3xf32>) -> tensor<1x2x2x4xf32>
  return %g : tensor<1x2x2x4xf32>
}

// -----

ml_program.global private mutable @negative_offset(dense<0.5> : tensor<3xf32>) : tensor<3xf32>
func.func @negative_state_offset(%g: tensor<3xf32>) {
  // expected-error @+1 {{state_offset must be non-negative}}
  kiln.optimizer_update %g {weight = @negative_offset, kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32, state_offset = -4 : i64} : tensor<3xf32>
  return
}

// -----

// CHECK-LABEL: func.func @rnn_grad_states
func.func @rnn_grad_states(%x: tensor<2x5x3xf32>, %k: tensor<3x16xf32>, %rk: tensor<4x16xf32>,
                           %m: tensor<2x5xf32>, %h: tensor<2x4xf32>, %c: tensor<2x4xf32>)
    -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  // CHECK: kiln.rnn_grad %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}}) initial(%{{.*}}, %{{.*}}) final_h_grad(%{{.*}}) final_c_grad(%{{.*}}) {activation = #kiln.activation<tanh>, cell = #kiln.cell<lstm>, recurrent_activation = #kiln.activation<sigmoid>, zero_output_for_mask}
  %dx, %dk, %drk, %db, %dh0, %dc0 = kiln.rnn_grad %x, %k, %rk mask(%m) initial(%h, %c) final_h_grad(%h) final_c_grad(%c) {cell = #kiln.cell<lstm>, activation = #kiln.activation<tanh>, recurrent_activation = #kiln.activation<sigmoid>, zero_output_for_mask} : (tensor<2x5x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<2x5xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) -> (tensor<2x5x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<3x16xf32>, tensor<2x4xf32>, tensor<2x4xf32>)
  return %dh0, %dc0 : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

func.func @rnn_grad_no_gradient(%x: tensor<2x5x3xf32>, %k: tensor<3x4xf32>, %rk: tensor<4x4xf32>) -> tensor<2x5x3xf32> {
  // expected-error @+1 {{needs the gradient of the output or of a returned state}}
  %dx, %dk, %drk, %db = kiln.rnn_grad %x, %k, %rk {cell = #kiln.cell<simple>, activation = #kiln.activation<tanh>, recurrent_activation = #kiln.activation<sigmoid>} : (tensor<2x5x3xf32>, tensor<3x4xf32>, tensor<4x4xf32>) -> (tensor<2x5x3xf32>, tensor<3x4xf32>, tensor<4x4xf32>, tensor<3x4xf32>)
  return %dx : tensor<2x5x3xf32>
}

// -----

func.func @rnn_grad_state_grads(%dy: tensor<2x4xf32>, %x: tensor<2x5x3xf32>, %k: tensor<3x12xf32>, %rk: tensor<4x12xf32>, %h: tensor<2x4xf32>) -> tensor<2x5x3xf32> {
  // expected-error @+1 {{needs one gradient result per initial state}}
  %dx, %dk, %drk, %db = kiln.rnn_grad output_grad(%dy) %x, %k, %rk initial(%h) {cell = #kiln.cell<gru>, activation = #kiln.activation<tanh>, recurrent_activation = #kiln.activation<sigmoid>} : (tensor<2x4xf32>, tensor<2x5x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<2x4xf32>) -> (tensor<2x5x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<3x12xf32>)
  return %dx : tensor<2x5x3xf32>
}

// -----

func.func @rnn_grad_gru_c(%dy: tensor<2x4xf32>, %x: tensor<2x5x3xf32>, %k: tensor<3x12xf32>, %rk: tensor<4x12xf32>, %c: tensor<2x4xf32>) -> tensor<2x5x3xf32> {
  // expected-error @+1 {{final_c_grad belongs to an LSTM}}
  %dx, %dk, %drk, %db = kiln.rnn_grad output_grad(%dy) %x, %k, %rk final_c_grad(%c) {cell = #kiln.cell<gru>, activation = #kiln.activation<tanh>, recurrent_activation = #kiln.activation<sigmoid>} : (tensor<2x4xf32>, tensor<2x5x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<2x4xf32>) -> (tensor<2x5x3xf32>, tensor<3x12xf32>, tensor<4x12xf32>, tensor<3x12xf32>)
  return %dx : tensor<2x5x3xf32>
}

// -----

func.func @sum_to_not_broadcast(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{result 'tensor<2xf32>' is not a shape 'tensor<2x3xf32>' broadcasts from}}
  %y = kiln.sum_to %x : (tensor<2x3xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @gelu_from_result(%dy: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{the derivative of 'gelu' needs the activation's input}}
  %g = kiln.activation_grad %dy, %y {kind = #kiln.activation<gelu>, from_result} : tensor<4xf32>
  return %g : tensor<4xf32>
}

// -----

ml_program.global private @constant(dense<0.5> : tensor<3xf32>) : tensor<3xf32>
func.func @immutable_weight(%g: tensor<3xf32>) {
  // expected-error @+1 {{weight @constant must be mutable}}
  kiln.optimizer_update %g {weight = @constant, kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32} : tensor<3xf32>
  return
}

// -----

ml_program.global private mutable @w(dense<0.5> : tensor<3xf32>) : tensor<3xf32>
func.func @gradient_type(%g: tensor<4xf32>) {
  // expected-error @+1 {{gradient type 'tensor<4xf32>' differs from the weight's 'tensor<3xf32>'}}
  kiln.optimizer_update %g {weight = @w, kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32} : tensor<4xf32>
  return
}

// -----

func.func @metric_target_shape(%p: tensor<2x3xf32>, %t: tensor<2xf32>) -> tensor<1xf32> {
  // expected-error @+1 {{target must have shape (2, 3) for this metric, got 'tensor<2xf32>'}}
  %m = kiln.metric %p, %t {kind = #kiln.metric<categorical_accuracy>} : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<1xf32>
  return %m : tensor<1xf32>
}

// -----

func.func @metric_result(%p: tensor<2x3xf32>, %t: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{result must be tensor<1xf32>}}
  %m = kiln.metric %p, %t {kind = #kiln.metric<mean_squared_error>} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2xf32>
  return %m : tensor<2xf32>
}

// -----

// A training LSTM's saved tensor holds N·T·(G·U + 2·U) floats.
// CHECK-LABEL: func.func @rnn_train
// CHECK: kiln.rnn_train {{.*}} -> (tensor<360xf32>, tensor<2x6xf32>)
func.func @rnn_train(%x: tensor<2x5x8xf32>, %k: tensor<8x24xf32>, %rk: tensor<6x24xf32>) -> (tensor<360xf32>, tensor<2x6xf32>) {
  %s, %y = kiln.rnn_train %x, %k, %rk {cell = #kiln.cell<lstm>, activation = #kiln.activation<tanh>} : (tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>) -> (tensor<360xf32>, tensor<2x6xf32>)
  return %s, %y : tensor<360xf32>, tensor<2x6xf32>
}

// -----

func.func @rnn_train_wrong_size(%x: tensor<2x5x8xf32>, %k: tensor<8x24xf32>, %rk: tensor<6x24xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{saved must hold 360 floats, got 'tensor<300xf32>'}}
  %s, %y = kiln.rnn_train %x, %k, %rk {cell = #kiln.cell<lstm>, activation = #kiln.activation<tanh>} : (tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>) -> (tensor<300xf32>, tensor<2x6xf32>)
  return %y : tensor<2x6xf32>
}

// -----

func.func @rnn_train_gru(%x: tensor<2x5x8xf32>, %k: tensor<8x18xf32>, %rk: tensor<6x18xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{saves the states of SimpleRNN and LSTM cells only}}
  %s, %y = kiln.rnn_train %x, %k, %rk {cell = #kiln.cell<gru>, activation = #kiln.activation<tanh>} : (tensor<2x5x8xf32>, tensor<8x18xf32>, tensor<6x18xf32>) -> (tensor<300xf32>, tensor<2x6xf32>)
  return %y : tensor<2x6xf32>
}
