#ifndef KILN_TRAINING_OPS_TD
#define KILN_TRAINING_OPS_TD

// Ops that only training creates (-kiln-build-train-step): losses, the
// backward ops that the forward ops' GradientOpInterface builds, and the
// optimizer step. Included by KilnOps.td.

def Kiln_LossOp : Kiln_Op<"loss", [Pure, Kiln_FlopCountOpInterface]> {
  let summary = "a Keras loss, reduced as Keras's sum_over_batch_size";
  let description = [{
    The per-sample loss of `prediction` against `target`, averaged over
    every position but the last axis, as Keras's default reduction does.
    The target has the prediction's type, or for
    sparse_categorical_crossentropy the prediction's shape without its last
    axis (class ids as float32). `label_smoothing` applies to the
    crossentropies, `delta` to huber; probabilities are clipped to
    [1e-7, 1 - 1e-7] as Keras does unless `from_logits`.

    ```mlir
    %l = kiln.loss %p, %t {kind = #kiln.loss<categorical_crossentropy>}
        : (tensor<32x10xf32>, tensor<32x10xf32>) -> tensor<1xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$prediction, Kiln_F32Tensor:$target, Kiln_LossAttr:$kind,
                   UnitAttr:$from_logits,
                   DefaultValuedAttr<F32Attr, "0.0f">:$label_smoothing,
                   DefaultValuedAttr<F32Attr, "1.0f">:$delta);
  let results = (outs RankedTensorOf<[F32], [HasStaticShapePred]>:$result);
  let assemblyFormat = "$prediction `,` $target attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_LossGradOp : Kiln_Op<"loss_grad", [Pure, Kiln_FlopCountOpInterface]> {
  let summary = "gradient of `scale` × kiln.loss with respect to the prediction";
  let description = [{
    Same attributes as `kiln.loss`; `scale` is the output's loss weight.
    Where the loss clips a probability, the gradient is zero, as in JAX.

    ```mlir
    %g = kiln.loss_grad %p, %t {kind = #kiln.loss<mean_squared_error>, scale = 0.4 : f32}
        : (tensor<32x1xf32>, tensor<32x1xf32>) -> tensor<32x1xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$prediction, Kiln_F32Tensor:$target, Kiln_LossAttr:$kind,
                   UnitAttr:$from_logits,
                   DefaultValuedAttr<F32Attr, "0.0f">:$label_smoothing,
                   DefaultValuedAttr<F32Attr, "1.0f">:$delta,
                   DefaultValuedAttr<F32Attr, "1.0f">:$scale);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$prediction `,` $target attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_DenseGradInputOp : Kiln_Op<"dense_grad_input", [Pure,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>]> {
  let summary = "dx = dy · kernelᵀ, the input gradient of kiln.dense";
  let description = [{
    ```mlir
    %dx = kiln.dense_grad_input %dy, %k
        : (tensor<32x64xf32>, tensor<784x64xf32>) -> tensor<32x784xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$result_grad, Kiln_F32Tensor:$kernel);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$result_grad `,` $kernel attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_DenseGradKernelOp : Kiln_Op<"dense_grad_kernel", [Pure,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>]> {
  let summary = "dk = xᵀ · dy over all leading axes, the kernel gradient of kiln.dense";
  let description = [{
    ```mlir
    %dk = kiln.dense_grad_kernel %x, %dy
        : (tensor<32x784xf32>, tensor<32x64xf32>) -> tensor<784x64xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, Kiln_F32Tensor:$result_grad);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input `,` $result_grad attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_SumToOp : Kiln_Op<"sum_to", [Pure, Kiln_FlopCountOpInterface]> {
  let summary = "sums a gradient down to the shape of a broadcast operand";
  let description = [{
    The reverse of size-1 broadcasting: the result's shape is the input's
    with leading axes dropped and some axes reduced to 1; each result
    element is the sum of the input elements that broadcast from it. A bias
    gradient is the sum over all rows.

    ```mlir
    %db = kiln.sum_to %dy : (tensor<32x64xf32>) -> tensor<64xf32>
    %dr = kiln.sum_to %dy : (tensor<2x5x3xf32>) -> tensor<2x1x3xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_ActivationGradOp : Kiln_Op<"activation_grad", [Pure, Kiln_FlopCountOpInterface,
    AllTypesMatch<["result_grad", "value", "result"]>]> {
  let summary = "dx = dy · act'(x), the gradient of kiln.activation";
  let description = [{
    Same `kind` and parameters as the `kiln.activation` it differentiates.
    `value` is that op's input x, or with `from_result` its result y for
    the kinds whose derivative y determines (relu with default parameters,
    sigmoid, tanh, exponential, linear): then x need not be kept, and the
    activation can still fuse into its producer.

    ```mlir
    %dx = kiln.activation_grad %dy, %y {kind = #kiln.activation<tanh>, from_result}
        : tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$result_grad, Kiln_F32Tensor:$value,
                   Kiln_ActivationAttr:$kind, UnitAttr:$from_result,
                   OptionalAttr<F32Attr>:$alpha, OptionalAttr<F32Attr>:$max_value,
                   OptionalAttr<F32Attr>:$threshold);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$result_grad `,` $value attr-dict `:` type($result)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Whether the derivative of `kind` (default parameters) follows from
    /// the activation's result alone.
    static bool derivableFromResult(::kiln::ActivationKind kind);
    /// Whether the runtime has the derivative of `kind`.
    static bool isDifferentiable(::kiln::ActivationKind kind);
  }];
}

def Kiln_SoftmaxGradOp : Kiln_Op<"softmax_grad", [Pure, Kiln_FlopCountOpInterface,
    AllTypesMatch<["result_grad", "softmax", "result"]>]> {
  let summary = "gradient of kiln.softmax (or log-softmax) from its result";
  let description = [{
    `dx = y · (dy - Σ dy·y)` along `axis`; with `log`, `dx = dy - exp(y) Σ dy`.

    ```mlir
    %dx = kiln.softmax_grad %dy, %y {axis = -1 : i64} : tensor<32x10xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$result_grad, Kiln_F32Tensor:$softmax,
                   DefaultValuedAttr<I64Attr, "-1">:$axis, UnitAttr:$log);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$result_grad `,` $softmax attr-dict `:` type($result)";
}

def Kiln_OptimizerUpdateOp : Kiln_Op<"optimizer_update", [MemoryEffects<[MemWrite]>]> {
  let summary = "one Keras optimizer step on a trainable weight";
  let description = [{
    Updates the mutable global `weight` from its gradient with Keras's
    formulas for `kind`. Gradient clipping (`clipnorm`, then `clipvalue`)
    and decoupled `weight_decay` come first, as in Keras's base optimizer.
    The optimizer's slots (momentum, velocity, ...) live in the model's
    persistent training state at byte `state_offset`, one weight-sized slot
    after another. Adam's bias correction reads the step counter the
    generated train_step keeps.

    ```mlir
    kiln.optimizer_update %dk {weight = @dense.kernel, kind = #kiln.optimizer<adam>,
        learning_rate = 1.0e-3 : f32, state_offset = 0 : i64} : tensor<784x64xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$gradient, FlatSymbolRefAttr:$weight,
                   Kiln_OptimizerAttr:$kind, F32Attr:$learning_rate,
                   DefaultValuedAttr<F32Attr, "0.0f">:$momentum,
                   UnitAttr:$nesterov,
                   DefaultValuedAttr<F32Attr, "0.9f">:$beta_1,
                   DefaultValuedAttr<F32Attr, "0.999f">:$beta_2,
                   DefaultValuedAttr<F32Attr, "1.0e-7f">:$epsilon,
                   DefaultValuedAttr<F32Attr, "0.9f">:$rho,
                   UnitAttr:$amsgrad, UnitAttr:$centered,
                   OptionalAttr<F32Attr>:$clipnorm, OptionalAttr<F32Attr>:$clipvalue,
                   OptionalAttr<F32Attr>:$weight_decay,
                   DefaultValuedAttr<I64Attr, "0">:$state_offset);
  let assemblyFormat = "$gradient attr-dict `:` type($gradient)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Weight-sized float slots this optimizer keeps per weight.
    int64_t getNumSlots();
  }];
}

#endif // KILN_TRAINING_OPS_TD
