// RUN: kiln-opt %s -split-input-file -kiln-save-rnn-states | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-save-rnn-states -kiln-plan-memory -convert-kiln-to-emitc | mlir-translate-22 -mlir-to-cpp | FileCheck %s --check-prefix=CPP

// An LSTM's forward op becomes a kiln.rnn_train that also returns its
// 2·5·(24 + 2·6) = 360 saved floats; the rnn_grad takes them. The
// generated code passes them to both kernels.
// CHECK-LABEL: func.func @lstm
// CHECK-NOT: kiln.rnn %
// CHECK: %[[SAVED:.*]], %[[Y:.*]] = kiln.rnn_train %arg0, %arg1, %arg2, %arg3 {{.*}} -> (tensor<360xf32>, tensor<2x6xf32>)
// CHECK: kiln.rnn_grad output_grad(%arg4) %arg0, %arg1, %arg2, %arg3 saved(%[[SAVED]])
// CHECK: return %[[Y]]
// CPP-LABEL: lstm(
// CPP: kiln::rt::rnn_f32<kiln::rt::Cell::lstm, {{.*}}kiln::rt::RnnShape{2, 5, 8, 6, false, false, false, false, false, false}, [[S:v[0-9]+]]);
// CPP: kiln::rt::rnn_grad_f32<kiln::rt::Cell::lstm, {{.*}}kiln::rt::RnnShape{2, 5, 8, 6, false, false, false, false}, [[S]]);
func.func @lstm(%x: tensor<2x5x8xf32>, %k: tensor<8x24xf32>, %rk: tensor<6x24xf32>, %b: tensor<24xf32>, %dy: tensor<2x6xf32>) -> (tensor<2x6xf32>, tensor<2x5x8xf32>, tensor<8x24xf32>) {
  %y = kiln.rnn %x, %k, %rk, %b {cell = #kiln.cell<lstm>, activation = #kiln.activation<tanh>} : (tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>, tensor<24xf32>) -> tensor<2x6xf32>
  %dx, %dk, %drk, %db = kiln.rnn_grad output_grad(%dy) %x, %k, %rk, %b {cell = #kiln.cell<lstm>, activation = #kiln.activation<tanh>, recurrent_activation = #kiln.activation<sigmoid>} : (tensor<2x6xf32>, tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>, tensor<24xf32>) -> (tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>, tensor<24xf32>)
  return %y, %dx, %dk : tensor<2x6xf32>, tensor<2x5x8xf32>, tensor<8x24xf32>
}

// -----

// A GRU's gradient recomputes its gates, and an rnn_grad whose forward op
// differs (here go_backwards) finds no partner: both are left alone.
// CHECK-LABEL: func.func @untouched
// CHECK-NOT: kiln.rnn_train
// CHECK-NOT: saved(
// CHECK: return
func.func @untouched(%x: tensor<2x5x8xf32>, %k: tensor<8x18xf32>, %rk: tensor<6x18xf32>, %kl: tensor<8x24xf32>, %rkl: tensor<6x24xf32>, %dy: tensor<2x6xf32>) -> (tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>) {
  %y = kiln.rnn %x, %k, %rk {cell = #kiln.cell<gru>, activation = #kiln.activation<tanh>} : (tensor<2x5x8xf32>, tensor<8x18xf32>, tensor<6x18xf32>) -> tensor<2x6xf32>
  %dx, %dk, %drk, %db = kiln.rnn_grad output_grad(%dy) %x, %k, %rk {cell = #kiln.cell<gru>, activation = #kiln.activation<tanh>, recurrent_activation = #kiln.activation<sigmoid>} : (tensor<2x6xf32>, tensor<2x5x8xf32>, tensor<8x18xf32>, tensor<6x18xf32>) -> (tensor<2x5x8xf32>, tensor<8x18xf32>, tensor<6x18xf32>, tensor<8x18xf32>)
  %z = kiln.rnn %x, %kl, %rkl {cell = #kiln.cell<lstm>, activation = #kiln.activation<tanh>} : (tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>) -> tensor<2x6xf32>
  %ex, %ek, %erk, %eb = kiln.rnn_grad output_grad(%dy) %x, %kl, %rkl {cell = #kiln.cell<lstm>, activation = #kiln.activation<tanh>, recurrent_activation = #kiln.activation<sigmoid>, go_backwards} : (tensor<2x6xf32>, tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>) -> (tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>, tensor<8x24xf32>)
  return %y, %z, %dx, %ex : tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>
}
