// RUN: kiln-opt %s -kiln-plan-weights -kiln-plan-memory -convert-kiln-to-emitc | mlir-translate-22 -mlir-to-cpp | FileCheck %s

// Integer ids arrive as int32_t*; the LSTM gets its mask, no initial
// states, and its three result buffers and scratch; its input kernel is
// stored as panels, its recurrent one row-major.
// CHECK: static void forward(int32_t* [[IDS:v[0-9]+]], float* [[X:v[0-9]+]],
// CHECK: kiln::rt::compare_f32([[IDS]], {{v[0-9]+}}, 10, 0.0e+00, true);
// CHECK: kiln::rt::cast_f32([[IDS]], {{v[0-9]+}}, 10);
// CHECK: kiln::rt::rnn_f32<kiln::rt::Cell::lstm, kiln::rt::Act::tanh, kiln::rt::Act::hard_sigmoid>([[X]], {{v[0-9]+}}, {{v[0-9]+}}, nullptr, {{v[0-9]+}}, nullptr, nullptr, {{v[0-9]+}}, {{v[0-9]+}}, {{v[0-9]+}}, {{v[0-9]+}}, kiln::rt::RnnShape{2, 5, 3, 4, true, true, false, false, true, false});
module {
  ml_program.global private @k(dense<0.5> : tensor<3x16xf32>) : tensor<3x16xf32>
  ml_program.global private @rk(dense<0.25> : tensor<4x16xf32>) : tensor<4x16xf32>
  func.func @forward(%ids: tensor<2x5xi32>, %x: tensor<2x5x3xf32>)
      -> (tensor<2x5x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x5xf32>) {
    %k = ml_program.global_load_const @k : tensor<3x16xf32>
    %rk = ml_program.global_load_const @rk : tensor<4x16xf32>
    %m = kiln.compare %ids {kind = #kiln.compare<ne>, value = 0.0 : f64} : (tensor<2x5xi32>) -> tensor<2x5xf32>
    %f = kiln.cast %ids : (tensor<2x5xi32>) -> tensor<2x5xf32>
    %y, %h, %c = kiln.rnn %x, %k, %rk mask(%m) {cell = #kiln.cell<lstm>,
        activation = #kiln.activation<tanh>, recurrent_activation = #kiln.activation<hard_sigmoid>,
        go_backwards, return_sequences, kiln.panel_operands = array<i64: 1>}
        : (tensor<2x5x3xf32>, tensor<3x16xf32>, tensor<4x16xf32>, tensor<2x5xf32>)
        -> (tensor<2x5x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>)
    return %y, %h, %c, %f : tensor<2x5x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x5xf32>
  }
}
