// RUN: kiln-opt %s -kiln-plan-weights | FileCheck %s

// Offsets are 64-byte aligned, in symbol order; unused weights are dropped.
// CHECK: module attributes {kiln.weight_bytes = 192 : i64}
// CHECK: ml_program.global private @a({{.*}}) : tensor<3xf32> {kiln.weight_offset = 0 : i64}
// CHECK-NOT: @unused
// CHECK: ml_program.global private @b({{.*}}) : tensor<20xf32> {kiln.weight_offset = 64 : i64}
module {
  ml_program.global private @a(dense<1.0> : tensor<3xf32>) : tensor<3xf32>
  ml_program.global private @unused(dense<2.0> : tensor<5xf32>) : tensor<5xf32>
  ml_program.global private @b(dense<3.0> : tensor<20xf32>) : tensor<20xf32>
  func.func @f() -> (tensor<3xf32>, tensor<20xf32>) {
    %a = ml_program.global_load_const @a : tensor<3xf32>
    %b = ml_program.global_load_const @b : tensor<20xf32>
    return %a, %b : tensor<3xf32>, tensor<20xf32>
  }
}
