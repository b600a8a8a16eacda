// RUN: kiln-opt %s -split-input-file -verify-diagnostics -kiln-build-train-step | FileCheck %s

// A two-layer MLP: gradients flow back through softmax, both denses and the
// relu epilogue (from its result); the first layer's input gets none.
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<categorical_crossentropy>, weight = 1.0 : f32} ],
    optimizer = {kind = #kiln.optimizer<adam>, learning_rate = 1.0e-3 : f32}}} {
  // CHECK-DAG: ml_program.global private mutable @h.kernel
  // CHECK-DAG: ml_program.global private @frozen.bias(dense<{{.*}}>) : tensor<3xf32> {kiln.frozen}
  ml_program.global private @h.kernel(dense<0.5> : tensor<4x8xf32>) : tensor<4x8xf32>
  ml_program.global private @o.kernel(dense<0.25> : tensor<8x3xf32>) : tensor<8x3xf32>
  ml_program.global private @frozen.bias(dense<1.0> : tensor<3xf32>) : tensor<3xf32> {kiln.frozen}
  // CHECK-LABEL: func.func @forward
  // CHECK: ml_program.global_load @h.kernel
  // CHECK: ml_program.global_load_const @frozen.bias
  func.func @forward(%x: tensor<2x4xf32> {kiln.name = "x"}) -> (tensor<2x3xf32> {kiln.name = "p"}) {
    %hk = ml_program.global_load_const @h.kernel : tensor<4x8xf32>
    %h = kiln.dense %x, %hk {activation = #kiln.activation<relu>} : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
    %ok = ml_program.global_load_const @o.kernel : tensor<8x3xf32>
    %fb = ml_program.global_load_const @frozen.bias : tensor<3xf32>
    %o = kiln.dense %h, %ok, %fb : (tensor<2x8xf32>, tensor<8x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    %p = kiln.softmax %o : tensor<2x3xf32>
    return %p : tensor<2x3xf32>
  }
  // CHECK-LABEL: func.func @train_step
  // CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32> {kiln.name = "x"}, %[[T:.*]]: tensor<2x3xf32> {kiln.name = "p"}) -> (tensor<1xf32> {kiln.name = "p_loss"})
  // CHECK: %[[H:.*]] = kiln.dense %[[X]], %{{.*}} {activation = #kiln.activation<relu>}
  // CHECK: %[[P:.*]] = kiln.softmax
  // CHECK: %[[L:.*]] = kiln.loss %[[P]], %[[T]] {kind = #kiln.loss<categorical_crossentropy>}
  // CHECK: %[[G:.*]] = kiln.loss_grad %[[P]], %[[T]] {kind = #kiln.loss<categorical_crossentropy>}
  // CHECK: %[[DO:.*]] = kiln.softmax_grad %[[G]], %[[P]]
  // CHECK: %[[DH:.*]] = kiln.dense_grad_input %[[DO]]
  // CHECK: %[[DOK:.*]] = kiln.dense_grad_kernel %[[H]], %[[DO]]
  // CHECK-NOT: kiln.sum_to
  // CHECK: %[[DZ:.*]] = kiln.activation_grad %[[DH]], %[[H]] {from_result, kind = #kiln.activation<relu>}
  // CHECK: %[[DHK:.*]] = kiln.dense_grad_kernel %[[X]], %[[DZ]]
  // CHECK-NOT: kiln.dense_grad_input
  // CHECK: kiln.optimizer_update %[[DHK]] {kind = #kiln.optimizer<adam>, learning_rate = 1.000000e-03 : f32, weight = @h.kernel}
  // CHECK: kiln.optimizer_update %[[DOK]] {{{.*}}state_offset = 256 : i64, weight = @o.kernel}
  // CHECK-NOT: weight = @frozen.bias
  // CHECK: return %[[L]]
}

// -----

// A shared weight used twice gets one update with the summed gradient; an
// activation whose derivative needs its input is split out of the dense.
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>, weight = 0.5 : f32} ],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  ml_program.global private @s.kernel(dense<0.5> : tensor<4x4xf32>) : tensor<4x4xf32>
  func.func @forward(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<2x4xf32> {
    %k = ml_program.global_load_const @s.kernel : tensor<4x4xf32>
    %y1 = kiln.dense %a, %k {activation = #kiln.activation<gelu>} : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
    %y2 = kiln.dense %b, %k : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
    %s = kiln.binary %y1, %y2 {kind = #kiln.binary<add>} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
    return %s : tensor<2x4xf32>
  }
  // CHECK-LABEL: func.func @train_step
  // CHECK: %[[Z:.*]] = kiln.dense %{{.*}}, %{{.*}} : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  // CHECK: %[[Y1:.*]] = kiln.activation %[[Z]] {kind = #kiln.activation<gelu>}
  // CHECK: kiln.loss_grad {{.*}}scale = 5.000000e-01 : f32
  // CHECK: %[[G2:.*]] = kiln.dense_grad_kernel
  // CHECK: %[[DZ:.*]] = kiln.activation_grad %{{.*}}, %[[Z]] {kind = #kiln.activation<gelu>}
  // CHECK: %[[G1:.*]] = kiln.dense_grad_kernel %{{.*}}, %[[DZ]]
  // CHECK: %[[SUM:.*]] = kiln.binary %[[G2]], %[[G1]] {kind = #kiln.binary<add>}
  // CHECK: kiln.optimizer_update %[[SUM]] {{{.*}}weight = @s.kernel}
  // CHECK-NOT: kiln.optimizer_update
}

// -----

// expected-error @+1 {{-kiln-build-train-step needs a @forward function and the module attribute kiln.training}}
module {
  func.func @forward(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    return %x : tensor<1x4xf32>
  }
}

// -----

// expected-error @+1 {{kiln.training has 2 losses for 1 outputs}}
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>}, {kind = #kiln.loss<mean_squared_error>} ],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  func.func @forward(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    return %x : tensor<1x4xf32>
  }
}

// -----

// expected-error @+1 {{kiln.training: unknown optimizer setting 'lr'}}
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>} ],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32, lr = 0.1 : f32}}} {
  func.func @forward(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    return %x : tensor<1x4xf32>
  }
}

// -----

// An op with no gradient on the path to a trained weight is an error that
// names the layer.
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>} ],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  ml_program.global private @d.kernel(dense<0.5> : tensor<4x4xf32>) : tensor<4x4xf32>
  func.func @forward(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
    %k = ml_program.global_load_const @d.kernel : tensor<4x4xf32>
    %y = kiln.dense %x, %k : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
    // expected-error @+1 {{kiln cannot train through 'kiln.sparsemax' yet: it has no gradient}}
    %n = kiln.sparsemax %y : tensor<1x4xf32>
    return %n : tensor<1x4xf32>
  }
}

// -----

// The noise layers take their training form with their kind and the shape
// of their draws; additive noise passes the gradient through unchanged.
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>} ],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  ml_program.global private @d.kernel(dense<0.5> : tensor<4x4xf32>) : tensor<4x4xf32>
  func.func @forward(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
    %k = ml_program.global_load_const @d.kernel : tensor<4x4xf32>
    %y = kiln.dense %x, %k : (tensor<2x3x4xf32>, tensor<4x4xf32>) -> tensor<2x3x4xf32>
    %s = kiln.dropout %y {rate = 0.5 : f32, noise_shape = array<i64: 2, 1, 4>} : tensor<2x3x4xf32>
    %g = kiln.dropout %s {rate = 0.1 : f32, noise = #kiln.noise<gaussian_noise>} : tensor<2x3x4xf32>
    return %g : tensor<2x3x4xf32>
  }
  // CHECK-LABEL: func.func @train_step
  // CHECK: %[[S:.*]] = kiln.dropout_train %{{.*}} {noise_shape = array<i64: 2, 1, 4>, rate = 5.000000e-01 : f32, seed = {{.*}} : i64}
  // CHECK: %[[G:.*]] = kiln.dropout_train %[[S]] {noise = #kiln.noise<gaussian_noise>, rate = 1.000000e-01 : f32, seed = {{.*}} : i64}
  // CHECK: %[[DG:.*]] = kiln.loss_grad %[[G]]
  // CHECK-NOT: kiln.dropout_grad %[[DG]] {noise = #kiln.noise<gaussian_noise>
  // CHECK: %[[DS:.*]] = kiln.dropout_grad %[[DG]] {noise_shape = array<i64: 2, 1, 4>, rate = 5.000000e-01 : f32, seed = {{.*}} : i64}
  // CHECK: kiln.dense_grad_kernel %{{.*}}, %[[DS]]
}

// -----

// A trainable BatchNormalization takes its training form (batch statistics,
// moving averages updated); a frozen one keeps the moving statistics and
// passes the gradient through them.
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>} ],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  // CHECK-DAG: ml_program.global private mutable @bn.moving_mean({{.*}}) : tensor<4xf32> {kiln.frozen}
  // CHECK-DAG: ml_program.global private @fbn.moving_mean({{.*}}) : tensor<4xf32> {kiln.frozen}
  ml_program.global private @d.kernel(dense<0.5> : tensor<4x4xf32>) : tensor<4x4xf32>
  ml_program.global private @bn.gamma(dense<1.0> : tensor<4xf32>) : tensor<4xf32>
  ml_program.global private @bn.moving_mean(dense<0.0> : tensor<4xf32>) : tensor<4xf32> {kiln.frozen}
  ml_program.global private @bn.moving_variance(dense<1.0> : tensor<4xf32>) : tensor<4xf32> {kiln.frozen}
  ml_program.global private @fbn.moving_mean(dense<0.0> : tensor<4xf32>) : tensor<4xf32> {kiln.frozen}
  ml_program.global private @fbn.moving_variance(dense<1.0> : tensor<4xf32>) : tensor<4xf32> {kiln.frozen}
  // CHECK-LABEL: func.func @forward
  // CHECK: ml_program.global_load @bn.moving_mean
  // CHECK: kiln.batch_norm
  func.func @forward(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
    %k = ml_program.global_load_const @d.kernel : tensor<4x4xf32>
    %y = kiln.dense %x, %k : (tensor<3x4xf32>, tensor<4x4xf32>) -> tensor<3x4xf32>
    %fm = ml_program.global_load_const @fbn.moving_mean : tensor<4xf32>
    %fv = ml_program.global_load_const @fbn.moving_variance : tensor<4xf32>
    %f = kiln.batch_norm %y, %fm, %fv {axis = 1 : i64, epsilon = 1.0e-3 : f32, frozen} : (tensor<3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
    %m = ml_program.global_load_const @bn.moving_mean : tensor<4xf32>
    %v = ml_program.global_load_const @bn.moving_variance : tensor<4xf32>
    %g = ml_program.global_load_const @bn.gamma : tensor<4xf32>
    %n = kiln.batch_norm %f, %m, %v gamma %g {axis = 1 : i64, epsilon = 1.0e-3 : f32, momentum = 0.9 : f32} : (tensor<3x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
    return %n : tensor<3x4xf32>
  }
  // CHECK-LABEL: func.func @train_step
  // CHECK: %[[F:.*]] = kiln.batch_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, epsilon = 1.000000e-03 : f32, frozen}
  // CHECK: %[[Y:.*]], %[[M:.*]], %[[V:.*]] = kiln.batch_norm_train %[[F]] gamma %{{.*}} {epsilon = 1.000000e-03 : f32}
  // CHECK: kiln.moving_average_update %[[M]] {momentum = 0.899999976 : f32, weight = @bn.moving_mean}
  // CHECK: kiln.moving_average_update %[[V]] {momentum = 0.899999976 : f32, weight = @bn.moving_variance}
  // CHECK: kiln.batch_norm_grad %{{.*}}, %[[F]], %[[M]], %[[V]] gamma %{{.*}} {batch_statistics, epsilon = 1.000000e-03 : f32}
  // CHECK: kiln.batch_norm_grad %{{.*}} {epsilon = 1.000000e-03 : f32}
  // CHECK: kiln.optimizer_update {{.*}}weight = @d.kernel
  // CHECK: kiln.optimizer_update {{.*}}weight = @bn.gamma
  // CHECK-NOT: weight = @fbn
}

// -----

// Dropout trains with a seeded mask; its gradient recomputes the mask.
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>} ],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  ml_program.global private @d.kernel(dense<0.5> : tensor<4x4xf32>) : tensor<4x4xf32>
  func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    %d = kiln.dropout %x {rate = 0.25 : f32, seed = 9 : i64} : tensor<2x4xf32>
    %k = ml_program.global_load_const @d.kernel : tensor<4x4xf32>
    %y = kiln.dense %d, %k : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
    %e = kiln.dropout %y {rate = 0.5 : f32} : tensor<2x4xf32>
    return %e : tensor<2x4xf32>
  }
  // CHECK-LABEL: func.func @train_step
  // CHECK: %[[D:.*]] = kiln.dropout_train %{{.*}} {rate = 2.500000e-01 : f32, seed = 9 : i64}
  // CHECK: kiln.dense %[[D]]
  // CHECK: kiln.dropout_train %{{.*}} {rate = 5.000000e-01 : f32, seed = {{[0-9]+}} : i64}
  // CHECK: %[[G:.*]] = kiln.dropout_grad %{{.*}} {rate = 5.000000e-01 : f32, seed = {{[0-9]+}} : i64}
  // CHECK: kiln.dense_grad_kernel %[[D]], %[[G]]
  // CHECK-NOT: kiln.dropout_grad
}

// -----

// Metrics: "accuracy" resolves by the output and its loss, as Keras's
// get_metric does (sparse for class-id targets, binary for one unit). Both
// functions return the losses, then the metrics, named as Keras logs them.
// @evaluate is the inference-mode forward pass (moving statistics) with
// losses and metrics but no gradient and no update.
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<sparse_categorical_crossentropy>, weight = 1.0 : f32},
              {kind = #kiln.loss<binary_crossentropy>, weight = 0.5 : f32}],
    metrics = [[{name = "kind_accuracy", metric = "accuracy"}],
               [{name = "flag_accuracy", metric = "accuracy"},
                {name = "flag_binary_accuracy", metric = "binary_accuracy", threshold = 0.7 : f32},
                {name = "flag_mae", metric = "mean_absolute_error"}]],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  ml_program.global private @k.kernel(dense<0.5> : tensor<4x3xf32>) : tensor<4x3xf32>
  ml_program.global private @f.kernel(dense<0.5> : tensor<4x1xf32>) : tensor<4x1xf32>
  ml_program.global private @bn.gamma(dense<1.0> : tensor<4xf32>) : tensor<4xf32>
  ml_program.global private @bn.beta(dense<0.0> : tensor<4xf32>) : tensor<4xf32>
  ml_program.global private @bn.moving_mean(dense<0.0> : tensor<4xf32>) : tensor<4xf32> {kiln.frozen}
  ml_program.global private @bn.moving_variance(dense<1.0> : tensor<4xf32>) : tensor<4xf32> {kiln.frozen}
  func.func @forward(%x: tensor<2x4xf32> {kiln.name = "x"}) -> (tensor<2x3xf32> {kiln.name = "kind"}, tensor<2x1xf32> {kiln.name = "flag"}) {
    %g = ml_program.global_load_const @bn.gamma : tensor<4xf32>
    %b = ml_program.global_load_const @bn.beta : tensor<4xf32>
    %m = ml_program.global_load_const @bn.moving_mean : tensor<4xf32>
    %v = ml_program.global_load_const @bn.moving_variance : tensor<4xf32>
    %n = kiln.batch_norm %x, %m, %v gamma %g beta %b {axis = 1 : i64, epsilon = 1.0e-3 : f32, momentum = 0.9 : f32} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
    %kk = ml_program.global_load_const @k.kernel : tensor<4x3xf32>
    %z = kiln.dense %n, %kk : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
    %kind = kiln.softmax %z : tensor<2x3xf32>
    %fk = ml_program.global_load_const @f.kernel : tensor<4x1xf32>
    %flag = kiln.dense %n, %fk {activation = #kiln.activation<sigmoid>} : (tensor<2x4xf32>, tensor<4x1xf32>) -> tensor<2x1xf32>
    return %kind, %flag : tensor<2x3xf32>, tensor<2x1xf32>
  }
  // CHECK-LABEL: func.func @evaluate
  // CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32> {kiln.name = "x"}, %[[TK:.*]]: tensor<2xf32> {kiln.name = "kind"}, %[[TF:.*]]: tensor<2x1xf32> {kiln.name = "flag"})
  // CHECK-SAME: -> (tensor<1xf32> {kiln.name = "kind_loss"}, tensor<1xf32> {kiln.name = "flag_loss"}, tensor<1xf32> {kiln.name = "kind_accuracy"}, tensor<1xf32> {kiln.name = "flag_accuracy"}, tensor<1xf32> {kiln.name = "flag_binary_accuracy"}, tensor<1xf32> {kiln.name = "flag_mae"})
  // CHECK: kiln.batch_norm %[[X]]
  // CHECK: %[[K:.*]] = kiln.softmax
  // CHECK: %[[F:.*]] = kiln.dense
  // CHECK: %[[LK:.*]] = kiln.loss %[[K]], %[[TK]] {kind = #kiln.loss<sparse_categorical_crossentropy>}
  // CHECK: %[[MK:.*]] = kiln.metric %[[K]], %[[TK]] {kind = #kiln.metric<sparse_categorical_accuracy>}
  // CHECK: %[[LF:.*]] = kiln.loss %[[F]], %[[TF]] {kind = #kiln.loss<binary_crossentropy>}
  // CHECK: %[[MF:.*]] = kiln.metric %[[F]], %[[TF]] {kind = #kiln.metric<binary_accuracy>}
  // CHECK: %[[MB:.*]] = kiln.metric %[[F]], %[[TF]] {kind = #kiln.metric<binary_accuracy>, threshold = 0.699999988 : f32}
  // CHECK: %[[ME:.*]] = kiln.metric %[[F]], %[[TF]] {kind = #kiln.metric<mean_absolute_error>}
  // CHECK-NOT: _grad
  // CHECK-NOT: kiln.optimizer_update
  // CHECK: return %[[LK]], %[[LF]], %[[MK]], %[[MF]], %[[MB]], %[[ME]]
  // CHECK-LABEL: func.func @train_step
  // CHECK-SAME: -> (tensor<1xf32> {kiln.name = "kind_loss"}, tensor<1xf32> {kiln.name = "flag_loss"}, tensor<1xf32> {kiln.name = "kind_accuracy"}, tensor<1xf32> {kiln.name = "flag_accuracy"}, tensor<1xf32> {kiln.name = "flag_binary_accuracy"}, tensor<1xf32> {kiln.name = "flag_mae"})
  // CHECK: kiln.batch_norm_train
  // CHECK: %[[TM:.*]] = kiln.metric {{.*}}sparse_categorical_accuracy
  // CHECK: kiln.loss_grad
  // CHECK: kiln.optimizer_update
  // CHECK: return %{{.*}}, %{{.*}}, %[[TM]], %{{.*}}, %{{.*}}, %{{.*}} :
}

// -----

// expected-error @+1 {{kiln.training: metric 'acc' (categorical_accuracy) needs targets shaped like the output, but the output's loss takes class ids}}
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<sparse_categorical_crossentropy>, weight = 1.0 : f32}],
    metrics = [[{name = "acc", metric = "categorical_accuracy"}]],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  ml_program.global private @k.kernel(dense<0.5> : tensor<4x3xf32>) : tensor<4x3xf32>
  func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
    %k = ml_program.global_load_const @k.kernel : tensor<4x3xf32>
    %y = kiln.dense %x, %k : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
    return %y : tensor<2x3xf32>
  }
}

// -----

// expected-error @+1 {{kiln.training: unknown metric setting 'top_k'}}
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>, weight = 1.0 : f32}],
    metrics = [[{name = "mse", metric = "mean_squared_error", top_k = 5}]],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    return %x : tensor<2x4xf32>
  }
}

// -----

// expected-error @+1 {{kiln.training: metric 'f1' (sparse_categorical_accuracy) needs class-id targets}}
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>, weight = 1.0 : f32}],
    metrics = [[{name = "f1", metric = "sparse_categorical_accuracy"}]],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    return %x : tensor<2x4xf32>
  }
}

// -----

// Maximum and division: each operand of the max gets its share through
// kiln.extremum_grad, summed back to the shape of a broadcast operand; the
// divisor's gradient is −(dy · q) / d.
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>} ],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  ml_program.global private @a.kernel(dense<0.5> : tensor<4x4xf32>) : tensor<4x4xf32>
  ml_program.global private @m.floor(dense<0.1> : tensor<1x4xf32>) : tensor<1x4xf32>
  ml_program.global private @d.divisor(dense<2.0> : tensor<1x4xf32>) : tensor<1x4xf32>
  func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    %k = ml_program.global_load_const @a.kernel : tensor<4x4xf32>
    %f = ml_program.global_load_const @m.floor : tensor<1x4xf32>
    %d = ml_program.global_load_const @d.divisor : tensor<1x4xf32>
    %y = kiln.dense %x, %k : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
    %m = kiln.binary %y, %f {kind = #kiln.binary<max>} : (tensor<2x4xf32>, tensor<1x4xf32>) -> tensor<2x4xf32>
    %q = kiln.binary %m, %d {kind = #kiln.binary<div>} : (tensor<2x4xf32>, tensor<1x4xf32>) -> tensor<2x4xf32>
    return %q : tensor<2x4xf32>
  }
  // CHECK-LABEL: func.func @train_step
  // CHECK-DAG: %[[F:.*]] = ml_program.global_load @m.floor
  // CHECK-DAG: %[[D:.*]] = ml_program.global_load @d.divisor
  // CHECK: %[[Y:.*]] = kiln.dense
  // CHECK: %[[M:.*]] = kiln.binary %[[Y]], %[[F]] {kind = #kiln.binary<max>}
  // CHECK: %[[Q:.*]] = kiln.binary %[[M]], %[[D]] {kind = #kiln.binary<div>}
  // CHECK: %[[DQ:.*]] = kiln.loss_grad
  // CHECK-DAG: %[[DM:.*]] = kiln.binary %[[DQ]], %[[D]] {kind = #kiln.binary<div>}
  // CHECK-DAG: %[[DQQ:.*]] = kiln.binary %[[DQ]], %[[Q]] {kind = #kiln.binary<mul>}
  // CHECK-DAG: %[[DQQD:.*]] = kiln.binary %[[DQQ]], %[[D]] {kind = #kiln.binary<div>}
  // CHECK-DAG: %[[NEG:.*]] = kiln.activation %[[DQQD]] {kind = #kiln.activation<negative>}
  // CHECK-DAG: %[[DD:.*]] = kiln.sum_to %[[NEG]] : (tensor<2x4xf32>) -> tensor<1x4xf32>
  // CHECK-DAG: kiln.optimizer_update %[[DD]] {{{.*}}weight = @d.divisor}
  // CHECK-DAG: %[[DY:.*]] = kiln.extremum_grad %[[DM]], %[[Y]], %[[F]] {kind = #kiln.binary<max>, operand = 0 : i64}
  // CHECK-DAG: %[[DFB:.*]] = kiln.extremum_grad %[[DM]], %[[Y]], %[[F]] {kind = #kiln.binary<max>, operand = 1 : i64}
  // CHECK-DAG: %[[DF:.*]] = kiln.sum_to %[[DFB]] : (tensor<2x4xf32>) -> tensor<1x4xf32>
  // CHECK-DAG: kiln.optimizer_update %[[DF]] {{{.*}}weight = @m.floor}
  // CHECK-DAG: kiln.dense_grad_kernel %{{.*}}, %[[DY]]
}

// -----

// A transposed convolution's gradients are the convolution that reads its
// output (padding: `crop` in front, what the last window reaches past the
// output behind) and that convolution's kernel gradient; an upsampling's
// is kiln.resize_grad.
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>} ],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  ml_program.global private @pre.kernel(dense<0.5> : tensor<1x1x3x3xf32>) : tensor<1x1x3x3xf32>
  ml_program.global private @up.kernel(dense<0.5> : tensor<3x3x2x3xf32>) : tensor<3x3x2x3xf32>
  ml_program.global private @up.bias(dense<0.0> : tensor<2xf32>) : tensor<2xf32>
  func.func @forward(%x: tensor<1x4x4x3xf32>) -> tensor<1x18x18x2xf32> {
    %pk = ml_program.global_load_const @pre.kernel : tensor<1x1x3x3xf32>
    %k = ml_program.global_load_const @up.kernel : tensor<3x3x2x3xf32>
    %b = ml_program.global_load_const @up.bias : tensor<2xf32>
    %p = kiln.conv2d %x, %pk {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x3xf32>, tensor<1x1x3x3xf32>) -> tensor<1x4x4x3xf32>
    %y = kiln.conv2d_transpose %p, %k, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, crop = array<i64: 0, 0>} : (tensor<1x4x4x3xf32>, tensor<3x3x2x3xf32>, tensor<2xf32>) -> tensor<1x9x9x2xf32>
    %r = kiln.resize %y {kind = #kiln.resize<nearest>} : (tensor<1x9x9x2xf32>) -> tensor<1x18x18x2xf32>
    return %r : tensor<1x18x18x2xf32>
  }
  // CHECK-LABEL: func.func @train_step
  // CHECK: %[[P:.*]] = kiln.conv2d %arg0
  // CHECK: %[[DR:.*]] = kiln.loss_grad
  // CHECK: %[[DY:.*]] = kiln.resize_grad %[[DR]] {kind = #kiln.resize<nearest>} : (tensor<1x18x18x2xf32>) -> tensor<1x9x9x2xf32>
  // CHECK-DAG: %[[DP:.*]] = kiln.conv2d %[[DY]], %{{.*}} {{{.*}}padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x9x9x2xf32>, tensor<3x3x2x3xf32>) -> tensor<1x4x4x3xf32>
  // CHECK-DAG: %[[DK:.*]] = kiln.conv2d_grad_kernel %[[DY]], %[[P]] {{{.*}}padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x9x9x2xf32>, tensor<1x4x4x3xf32>) -> tensor<3x3x2x3xf32>
  // CHECK-DAG: %[[DB:.*]] = kiln.sum_to %[[DY]] : (tensor<1x9x9x2xf32>) -> tensor<2xf32>
  // CHECK-DAG: kiln.conv2d_grad_kernel %arg0, %[[DP]]
  // CHECK-DAG: kiln.optimizer_update %[[DK]] {{{.*}}weight = @up.kernel}
  // CHECK-DAG: kiln.optimizer_update %[[DB]] {{{.*}}weight = @up.bias}
}

// -----

// A negative concatenation axis counts from the back (Bidirectional
// concatenates its two directions along axis -1).
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>} ],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  ml_program.global private @d.kernel(dense<0.5> : tensor<4x4xf32>) : tensor<4x4xf32>
  func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x8xf32> {
    %k = ml_program.global_load_const @d.kernel : tensor<4x4xf32>
    %y = kiln.dense %x, %k : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
    %c = kiln.concat %x, %y {axis = -1 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x8xf32>
    return %c : tensor<2x8xf32>
  }
  // CHECK-LABEL: func.func @train_step
  // CHECK: %[[DC:.*]] = kiln.loss_grad
  // CHECK: %[[DY:.*]] = kiln.strided_view %[[DC]] {offset = 4 : i64, strides = array<i64: 8, 1>} : (tensor<2x8xf32>) -> tensor<2x4xf32>
  // CHECK: kiln.dense_grad_kernel %arg0, %[[DY]]
}

// -----

// Regularizers: a trained weight's penalty (with its gradient added to the
// weight's), a frozen weight's none, and an activity regularizer's penalty
// over the batch (scale 1/4) with its gradient added to the regularized
// value. @evaluate and @train_step return the penalties' sum after the loss.
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>, weight = 1.0 : f32} ],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  ml_program.global private @h.kernel(dense<0.5> : tensor<3x2xf32>) : tensor<3x2xf32> {kiln.regularizer = {l1 = 0.0 : f32, l2 = 0.01 : f32}}
  ml_program.global private @f.kernel(dense<0.5> : tensor<2x2xf32>) : tensor<2x2xf32> {kiln.frozen, kiln.regularizer = {l1 = 0.0 : f32, l2 = 0.01 : f32}}
  func.func @forward(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
    %hk = ml_program.global_load_const @h.kernel : tensor<3x2xf32>
    %h = kiln.dense %x, %hk : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
    %r = kiln.activity_regularization %h {l1 = 1.0e-3 : f32, l2 = 0.0 : f32} : tensor<4x2xf32>
    %fk = ml_program.global_load_const @f.kernel : tensor<2x2xf32>
    %y = kiln.dense %r, %fk : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
    return %y : tensor<4x2xf32>
  }
  // CHECK-LABEL: func.func @evaluate
  // CHECK-SAME: -> (tensor<1xf32> {kiln.name = "output_0_loss"}, tensor<1xf32> {kiln.name = "regularization_loss", kiln.regularization})
  // CHECK: %[[L:.*]] = kiln.loss
  // CHECK: %[[A:.*]] = kiln.regularization %{{.*}} {l1 = 1.000000e-03 : f32, l2 = 0.000000e+00 : f32, scale = 2.500000e-01 : f32}
  // CHECK-NOT: kiln.regularization_grad
  // CHECK: %[[W:.*]] = kiln.regularization %{{.*}} {l1 = 0.000000e+00 : f32, l2 = 0.00999999977 : f32}
  // CHECK: %[[S:.*]] = kiln.binary %[[A]], %[[W]] {kind = #kiln.binary<add>}
  // CHECK-NOT: kiln.regularization
  // CHECK: return %[[L]], %[[S]]
  // CHECK-LABEL: func.func @train_step
  // CHECK: %[[H:.*]] = kiln.dense
  // CHECK: %[[L:.*]] = kiln.loss
  // CHECK: kiln.loss_grad
  // CHECK: %[[A:.*]] = kiln.regularization %[[H]] {{.*}}scale = 2.500000e-01
  // CHECK: %[[AG:.*]] = kiln.regularization_grad %[[H]] {{.*}}scale = 2.500000e-01
  // CHECK: %[[HK:.*]] = ml_program.global_load @h.kernel
  // CHECK: %[[W:.*]] = kiln.regularization %[[HK]]
  // CHECK: %[[S:.*]] = kiln.binary %[[A]], %[[W]] {kind = #kiln.binary<add>}
  // CHECK: %[[WG:.*]] = kiln.regularization_grad %[[HK]]
  // CHECK: %[[DH:.*]] = kiln.binary %[[AG]], %{{.*}} {kind = #kiln.binary<add>}
  // CHECK: %[[DK:.*]] = kiln.dense_grad_kernel %{{.*}}, %[[DH]]
  // CHECK: %[[SUM:.*]] = kiln.binary %[[WG]], %[[DK]] {kind = #kiln.binary<add>}
  // CHECK: kiln.optimizer_update %[[SUM]] {{.*}}weight = @h.kernel
  // CHECK-NOT: kiln.regularization %{{.*}} : (tensor<2x2xf32>)
  // CHECK: return %[[L]], %[[S]]
}

// -----

// A weight regularizer kiln cannot train with is refused by name.
module attributes {kiln.training = {
    losses = [{kind = #kiln.loss<mean_squared_error>, weight = 1.0 : f32} ],
    optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
  // expected-error @below {{kiln cannot train weight 'o.kernel' with the regularizer 'OrthogonalRegularizer': kiln trains with L1, L2 and L1L2}}
  ml_program.global private @o.kernel(dense<0.5> : tensor<3x2xf32>) : tensor<3x2xf32> {kiln.regularizer = "OrthogonalRegularizer"}
  func.func @forward(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
    %k = ml_program.global_load_const @o.kernel : tensor<3x2xf32>
    %y = kiln.dense %x, %k : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
    return %y : tensor<4x2xf32>
  }
}
