// RUN: kiln-opt %s -kiln-plan-weights -kiln-plan-memory -convert-kiln-to-emitc | FileCheck %s
// RUN: kiln-opt %s -kiln-plan-weights -kiln-plan-memory -convert-kiln-to-emitc | mlir-translate-22 -mlir-to-cpp | FileCheck %s --check-prefix=CPP

// CHECK: emitc.include "kiln/rt/kiln_rt.h"
// CHECK: emitc.verbatim "extern \22C\22 const unsigned char kiln_weights[];"
// CHECK-NOT: ml_program.global
// CHECK-LABEL: emitc.func @forward
// CHECK-SAME: (%[[X:.*]]: !emitc.ptr<f32>, %[[OUT0:.*]]: !emitc.ptr<f32>, %[[OUT1:.*]]: !emitc.ptr<f32>, %[[ARENA:.*]]: !emitc.ptr<!emitc.opaque<"unsigned char">>)
// CHECK-SAME: specifiers = ["static"]
// CHECK: %[[KB:.*]] = literal "kiln_weights"
// CHECK: %[[K:.*]] = call_opaque "kiln::rt::at"(%[[KB]]) {args = [0 : index, 0], template_args = [#emitc.opaque<"float">]}
// CHECK: %[[BB:.*]] = literal "kiln_weights"
// CHECK: %[[B:.*]] = call_opaque "kiln::rt::at"(%[[BB]]) {args = [0 : index, 64], template_args = [#emitc.opaque<"float">]}
// CHECK: %[[T:.*]] = call_opaque "kiln::rt::at"(%[[ARENA]]) {args = [0 : index, 0], template_args = [#emitc.opaque<"float">]}
// CHECK: call_opaque "kiln::rt::dense_f32"(%[[X]], %[[K]], %[[B]], %[[T]]) {args = [0 : index, 1 : index, 2 : index, 3 : index, 2, 4, 3], template_args = [#emitc.opaque<"kiln::rt::Act::relu">]}
// CHECK: call_opaque "kiln::rt::softmax_f32"(%[[T]], %[[OUT0]]) {args = [0 : index, 1 : index, 2, 3, 1, #emitc.opaque<"false">]}
// CHECK: call_opaque "kiln::rt::copy_f32"(%[[OUT0]], %[[OUT1]]) {args = [0 : index, 1 : index, 6]}
// CHECK: return

// CPP: static void forward(float* [[X:v[0-9]+]], float* [[OUT0:v[0-9]+]], float* [[OUT1:v[0-9]+]], unsigned char* [[ARENA:v[0-9]+]])
// CPP: kiln::rt::dense_f32<kiln::rt::Act::relu>([[X]], {{v[0-9]+}}, {{v[0-9]+}}, [[T:v[0-9]+]], 2, 4, 3);
// CPP: kiln::rt::softmax_f32([[T]], [[OUT0]], 2, 3, 1, false);
// CPP: kiln::rt::copy_f32([[OUT0]], [[OUT1]], 6);
module {
  ml_program.global private @k(dense<1.0> : tensor<4x3xf32>) : tensor<4x3xf32>
  ml_program.global private @b(dense<[1.0, 2.0, 3.0]> : tensor<3xf32>) : tensor<3xf32>
  func.func @forward(%x: tensor<2x4xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
    %k = ml_program.global_load_const @k : tensor<4x3xf32>
    %b = ml_program.global_load_const @b : tensor<3xf32>
    %y = kiln.dense %x, %k, %b {activation = #kiln.activation<relu>} : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    %s = kiln.softmax %y : tensor<2x3xf32>
    return %s, %s : tensor<2x3xf32>, tensor<2x3xf32>
  }
}
