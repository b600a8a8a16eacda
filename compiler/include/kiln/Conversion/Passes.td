#ifndef KILN_CONVERSION_PASSES_TD
#define KILN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertKilnToEmitC : Pass<"convert-kiln-to-emitc", "::mlir::ModuleOp"> {
  let summary = "Lower planned kiln functions to EmitC calls into the runtime";
  let description = [{
    Needs `-kiln-plan-weights` and `-kiln-plan-memory` to have run. Each
    `func.func` becomes a `static` `emitc.func` taking
    `(float* inputs..., float* outputs..., unsigned char* arena)`; each kiln
    op becomes a call to its `kiln::rt` kernel on pointers into the arena,
    the caller's outputs, or the weight blob (`weights-symbol`).

    ```mlir
    %y = kiln.dense %x, %k {activation = #kiln.activation<relu>, ...}
    // becomes
    emitc.call_opaque "kiln::rt::dense_f32"(%x, %kp, %yp)
        {args = [0 : index, 1 : index, #emitc.opaque<"nullptr">, 2 : index, 1, 784, 64],
         template_args = [#emitc.opaque<"kiln::rt::Act::relu">]} : (...) -> ()
    ```
  }];
  let options = [
    Option<"weightsSymbol", "weights-symbol", "std::string", "\"kiln_weights\"",
           "C symbol of the weight blob (64-byte aligned bytes)">
  ];
  let dependentDialects = ["::mlir::emitc::EmitCDialect"];
}

#endif // KILN_CONVERSION_PASSES_TD
