// RUN: kiln-opt %s -split-input-file -verify-diagnostics -kiln-plan-weights | FileCheck %s

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

// -----

// Panels take their padded size: 5 x 20 floats stored as 5 x 32 (640 B);
// the next weight starts on the 64-byte boundary after it.
// CHECK: module attributes {kiln.weight_bytes = 704 : i64}
// CHECK: ml_program.global private @k({{.*}}) : tensor<5x20xf32> {kiln.panel_width = 16 : i64, kiln.weight_offset = 0 : i64}
// CHECK: ml_program.global private @c({{.*}}) : tensor<1xf32> {kiln.weight_offset = 640 : i64}
module {
  ml_program.global private @k(dense<1.0> : tensor<5x20xf32>) : tensor<5x20xf32> {kiln.panel_width = 16 : i64}
  ml_program.global private @c(dense<2.0> : tensor<1xf32>) : tensor<1xf32>
  func.func @f() -> (tensor<5x20xf32>, tensor<1xf32>) {
    %k = ml_program.global_load_const @k : tensor<5x20xf32>
    %c = ml_program.global_load_const @c : tensor<1xf32>
    return %k, %c : tensor<5x20xf32>, tensor<1xf32>
  }
}

// -----

// A weight of a type with no fixed byte size is an error.
// CHECK-NOT: kiln.weight_offset
module {
  // expected-error @+1 {{weight must be a statically shaped tensor of whole bytes}}
  ml_program.global private @bad(dense<true> : tensor<3xi1>) : tensor<3xi1>
  func.func @f() -> tensor<3xi1> {
    %b = ml_program.global_load_const @bad : tensor<3xi1>
    return %b : tensor<3xi1>
  }
}
