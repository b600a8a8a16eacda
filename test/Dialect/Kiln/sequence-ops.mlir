// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --mlir-print-op-generic | kiln-opt | FileCheck %s

// CHECK-LABEL: func.func @ids
func.func @ids(%ids: tensor<2x5xi32>, %f: tensor<2x5xf32>, %table: tensor<20x8xf32>)
    -> (tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5xf32>, tensor<2x5xf32>) {
  // CHECK: kiln.embedding %{{.*}}, %{{.*}} : (tensor<2x5xi32>, tensor<20x8xf32>) -> tensor<2x5x8xf32>
  %0 = kiln.embedding %ids, %table : (tensor<2x5xi32>, tensor<20x8xf32>) -> tensor<2x5x8xf32>
  // CHECK: kiln.embedding %{{.*}}, %{{.*}} : (tensor<2x5xf32>, tensor<20x8xf32>) -> tensor<2x5x8xf32>
  %1 = kiln.embedding %f, %table : (tensor<2x5xf32>, tensor<20x8xf32>) -> tensor<2x5x8xf32>
  // CHECK: kiln.compare %{{.*}} {kind = #kiln.compare<ne>, value = 0.000000e+00 : f64} : (tensor<2x5xi32>) -> tensor<2x5xf32>
  %2 = kiln.compare %ids {kind = #kiln.compare<ne>, value = 0.0 : f64} : (tensor<2x5xi32>) -> tensor<2x5xf32>
  // CHECK: kiln.cast %{{.*}} : (tensor<2x5xi32>) -> tensor<2x5xf32>
  %3 = kiln.cast %ids : (tensor<2x5xi32>) -> tensor<2x5xf32>
  return %0, %1, %2, %3 : tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5xf32>, tensor<2x5xf32>
}

// CHECK-LABEL: func.func @lstm
func.func @lstm(%x: tensor<2x5x8xf32>, %k: tensor<8x24xf32>, %rk: tensor<6x24xf32>,
                %b: tensor<24xf32>, %m: tensor<2x5xf32>, %h: tensor<2x6xf32>, %c: tensor<2x6xf32>)
    -> (tensor<2x5x6xf32>, tensor<2x6xf32>, tensor<2x6xf32>) {
  // CHECK: kiln.rnn %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}}) initial(%{{.*}}, %{{.*}}) {activation = #kiln.activation<tanh>, cell = #kiln.cell<lstm>, go_backwards, return_sequences}
  %y, %hs, %cs = kiln.rnn %x, %k, %rk, %b mask(%m) initial(%h, %c) {cell = #kiln.cell<lstm>,
      activation = #kiln.activation<tanh>, go_backwards, return_sequences}
      : (tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>, tensor<24xf32>, tensor<2x5xf32>,
         tensor<2x6xf32>, tensor<2x6xf32>) -> (tensor<2x5x6xf32>, tensor<2x6xf32>, tensor<2x6xf32>)
  return %y, %hs, %cs : tensor<2x5x6xf32>, tensor<2x6xf32>, tensor<2x6xf32>
}

// CHECK-LABEL: func.func @gru
func.func @gru(%x: tensor<1x3x4xf32>, %k: tensor<4x15xf32>, %rk: tensor<5x15xf32>,
               %b: tensor<30xf32>) -> tensor<1x5xf32> {
  // CHECK: kiln.rnn {{.*}} {activation = #kiln.activation<tanh>, cell = #kiln.cell<gru>, reset_after}
  %y = kiln.rnn %x, %k, %rk, %b {cell = #kiln.cell<gru>, activation = #kiln.activation<tanh>,
      reset_after} : (tensor<1x3x4xf32>, tensor<4x15xf32>, tensor<5x15xf32>, tensor<30xf32>)
      -> tensor<1x5xf32>
  return %y : tensor<1x5xf32>
}
