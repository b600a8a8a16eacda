// RUN: kiln-opt %s -convert-kiln-to-emitc -verify-diagnostics

func.func @forward(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{result buffer not planned; run -kiln-plan-memory first}}
  // expected-error @+1 {{failed to legalize operation 'kiln.activation'}}
  %0 = kiln.activation %x {kind = #kiln.activation<relu>} : tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}
