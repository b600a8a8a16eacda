// RUN: kiln-opt %s -split-input-file -kiln-dedup-weights | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-dedup-weights -cse | FileCheck %s --check-prefix=CSE

// Two layers initialized alike store one kernel; a weight with other bytes,
// or the same bytes under another type, stays separate.
// CHECK-LABEL: module
// CHECK: ml_program.global private @k1(dense<{{.*}}> : tensor<2x2xf32>)
// CHECK-NOT: @k2(
// CHECK: ml_program.global private @k3(
// CHECK: ml_program.global private @k4(
// CHECK: %[[A:.*]] = ml_program.global_load_const @k1
// CHECK: %[[B:.*]] = ml_program.global_load_const @k1
// CHECK: ml_program.global_load_const @k3
// CHECK: ml_program.global_load_const @k4
module {
  ml_program.global private @k1(dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
  ml_program.global private @k2(dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
  ml_program.global private @k3(dense<[[1.0, 2.0], [3.0, 5.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
  ml_program.global private @k4(dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>) : tensor<4xf32>
  func.func @f(%x: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>, tensor<2x2xf32>, tensor<4xf32>) {
    %a = ml_program.global_load_const @k1 : tensor<2x2xf32>
    %b = ml_program.global_load_const @k2 : tensor<2x2xf32>
    %c = ml_program.global_load_const @k3 : tensor<2x2xf32>
    %d = ml_program.global_load_const @k4 : tensor<4xf32>
    %0 = kiln.dense %x, %a : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
    %1 = kiln.dense %x, %b : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
    return %0, %1, %c, %d : tensor<1x2xf32>, tensor<1x2xf32>, tensor<2x2xf32>, tensor<4xf32>
  }
}

// After dedup the two dense layers read the same weight and input: CSE
// computes them once.
// CSE-LABEL: func.func @f
// CSE: %[[D:.*]] = kiln.dense
// CSE-NOT: kiln.dense
// CSE: return %[[D]], %[[D]]

// -----

// Weights in dense_resource blobs (as the importer writes them) are
// compared by their bytes too.
// CHECK-LABEL: module
// CHECK: ml_program.global private @r1
// CHECK-NOT: ml_program.global private @r2
// CHECK: ml_program.global_load_const @r1
// CHECK: ml_program.global_load_const @r1
module {
  ml_program.global private @r1(dense_resource<blob1> : tensor<2xf32>) : tensor<2xf32>
  ml_program.global private @r2(dense_resource<blob2> : tensor<2xf32>) : tensor<2xf32>
  func.func @g() -> (tensor<2xf32>, tensor<2xf32>) {
    %a = ml_program.global_load_const @r1 : tensor<2xf32>
    %b = ml_program.global_load_const @r2 : tensor<2xf32>
    return %a, %b : tensor<2xf32>, tensor<2xf32>
  }
}
{-#
  dialect_resources: {
    builtin: {
      blob1: "0x040000000000803F00000040",
      blob2: "0x040000000000803F00000040"
    }
  }
#-}
