// RUN: kiln-opt %s -split-input-file -kiln-instrument-profile | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-instrument-profile -kiln-plan-weights -kiln-plan-memory -convert-kiln-to-emitc | FileCheck %s --check-prefix=EMITC

// Every kiln op gets its own slot, in program order; the slot names the
// Keras layers from the op's location (a fused op names all of them) and
// carries its FLOPs. Other dialects' ops are not timed.
// CHECK-LABEL: func.func @two_layers
// CHECK-SAME: kiln.profile = [{flops = 64 : i64, layers = "fc (Dense) + relu (ReLU)"}, {flops = 8 : i64, layers = "out (Softmax)"}]
// CHECK-NEXT: kiln.profile_begin 0
// CHECK-NEXT: kiln.dense
// CHECK-NEXT: kiln.profile_end 0
// CHECK-NEXT: kiln.profile_begin 1
// CHECK-NEXT: kiln.softmax
// CHECK-NEXT: kiln.profile_end 1
// CHECK-NEXT: return
// EMITC-LABEL: emitc.func @two_layers
// EMITC: call_opaque "kiln::rt::profile_begin"() {args = [#emitc.opaque<"kiln_profile_slots">, 0]}
// EMITC-NEXT: call_opaque "kiln::rt::at"
// EMITC-NEXT: call_opaque "kiln::rt::dense_f32"
// EMITC-NEXT: call_opaque "kiln::rt::profile_end"() {args = [#emitc.opaque<"kiln_profile_slots">, 0]}
// EMITC-NEXT: call_opaque "kiln::rt::profile_begin"() {args = [#emitc.opaque<"kiln_profile_slots">, 1]}
// EMITC-NEXT: call_opaque "kiln::rt::softmax_f32"
// EMITC-NEXT: call_opaque "kiln::rt::profile_end"() {args = [#emitc.opaque<"kiln_profile_slots">, 1]}
func.func @two_layers(%x: tensor<1x4xf32>, %k: tensor<4x8xf32>) -> tensor<1x8xf32> {
  %0 = kiln.dense %x, %k {activation = #kiln.activation<relu>} : (tensor<1x4xf32>, tensor<4x8xf32>) -> tensor<1x8xf32> loc(fused["fc (Dense)", "relu (ReLU)"])
  %1 = kiln.softmax %0 {axis = -1 : i64} : tensor<1x8xf32> loc("out (Softmax)")
  return %1 : tensor<1x8xf32>
}

// -----

// An op without a layer name is labelled by its op name; a function with
// no kiln op gets an empty table.
// CHECK-LABEL: func.func @unnamed
// CHECK-SAME: kiln.profile = [{flops = 8 : i64, layers = "kiln.softmax"}]
func.func @unnamed(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %1 = kiln.softmax %x {axis = -1 : i64} : tensor<1x8xf32>
  return %1 : tensor<1x8xf32>
}
// CHECK-LABEL: func.func @nothing
// CHECK-SAME: kiln.profile = []
// CHECK-NOT: kiln.profile_begin
func.func @nothing(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  return %x : tensor<1x8xf32>
}
