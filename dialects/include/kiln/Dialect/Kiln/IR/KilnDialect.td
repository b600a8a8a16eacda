#ifndef KILN_DIALECT_TD
#define KILN_DIALECT_TD

include "mlir/IR/OpBase.td"

def Kiln_Dialect : Dialect {
  let name = "kiln";
  let cppNamespace = "::kiln";
  let summary = "Graph-level dialect for Keras models";
  let description = [{
    The `kiln` dialect holds a Keras Functional model as a graph of
    tensor-level ops with static shapes. Every op corresponds to a Keras layer
    (or to a fused group of layers after optimization); weights are
    `ml_program.global` symbols holding `dense_resource` blobs.

    ```mlir
    %k = ml_program.global_load_const @dense.kernel : tensor<784x64xf32>
    %b = ml_program.global_load_const @dense.bias : tensor<64xf32>
    %y = kiln.dense %x, %k, %b {activation = #kiln.activation<relu>}
        : (tensor<1x784xf32>, tensor<784x64xf32>, tensor<64xf32>) -> tensor<1x64xf32>
    ```
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::ml_program::MLProgramDialect"];
}

class Kiln_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kiln_Dialect, mnemonic, traits>;

#endif // KILN_DIALECT_TD
