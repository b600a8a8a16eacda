// RUN: kiln-opt %s -split-input-file -kiln-drop-inference-noops | FileCheck %s

// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[X:.*]]: tensor<1x8xf32>)
func.func @chain(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  // CHECK-NOT: kiln.dropout
  // CHECK-NOT: kiln.identity
  // CHECK: %[[A:.*]] = kiln.activation %[[X]]
  // CHECK: return %[[A]]
  %0 = kiln.dropout %x {rate = 0.5 : f32} : tensor<1x8xf32>
  %1 = kiln.identity %0 : tensor<1x8xf32>
  %2 = kiln.activation %1 {kind = #kiln.activation<tanh>} : tensor<1x8xf32>
  %3 = kiln.dropout %2 {rate = 0.1 : f32} : tensor<1x8xf32>
  return %3 : tensor<1x8xf32>
}

// -----

// An input returned through a no-op stays an output.
// CHECK-LABEL: func.func @passthrough
// CHECK-SAME: (%[[X:.*]]: tensor<1x8xf32>)
// CHECK-NEXT: return %[[X]], %[[X]]
func.func @passthrough(%x: tensor<1x8xf32>) -> (tensor<1x8xf32>, tensor<1x8xf32>) {
  %0 = kiln.dropout %x {rate = 0.5 : f32} : tensor<1x8xf32>
  return %0, %x : tensor<1x8xf32>, tensor<1x8xf32>
}
