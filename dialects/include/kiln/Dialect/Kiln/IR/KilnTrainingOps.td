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

def Kiln_MetricOp : Kiln_Op<"metric", [Pure]> {
  let summary = "a Keras metric's value on one batch";
  let description = [{
    The mean over every position but the last axis of the metric's
    per-position value, which is what Keras's MeanMetricWrapper reports for
    one batch. Accuracies compare the argmax (categorical), the class id
    (sparse: the target has the prediction's shape without its last axis)
    or `prediction > threshold` (binary, averaged over the last axis); the
    errors average over the last axis.

    ```mlir
    %a = kiln.metric %p, %t {kind = #kiln.metric<sparse_categorical_accuracy>}
        : (tensor<32x10xf32>, tensor<32xf32>) -> tensor<1xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$prediction, Kiln_F32Tensor:$target,
                   Kiln_MetricAttr:$kind, DefaultValuedAttr<F32Attr, "0.5f">:$threshold);
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

def Kiln_RegularizationOp : Kiln_Op<"regularization", [Pure,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>]> {
  let summary = "a Keras L1L2 penalty: scale · (l1 · Σ|x| + l2 · Σx²)";
  let description = [{
    The penalty a weight regularizer (`kernel_regularizer`, ...) adds to the
    loss, or with `scale` = 1 / batch an activity regularizer (Keras divides
    those by the batch size). Summed in double precision.

    ```mlir
    %p = kiln.regularization %w {l1 = 0.0 : f32, l2 = 0.01 : f32}
        : (tensor<64x32xf32>) -> tensor<1xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, F32Attr:$l1, F32Attr:$l2,
                   DefaultValuedAttr<F32Attr, "1.0f">:$scale);
  let results = (outs RankedTensorOf<[F32], [HasStaticShapePred]>:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_RegularizationGradOp : Kiln_Op<"regularization_grad", [Pure,
    SameOperandsAndResultType, Kiln_FlopCountOpInterface]> {
  let summary = "gradient of kiln.regularization: scale · (l1 · sign(x) + 2 · l2 · x)";
  let description = [{
    sign(x) is +1 at x = 0, as JAX differentiates |x| (select(x >= 0, 1, -1)).

    ```mlir
    %g = kiln.regularization_grad %w {l1 = 0.0 : f32, l2 = 0.01 : f32} : tensor<64x32xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, F32Attr:$l1, F32Attr:$l2,
                   DefaultValuedAttr<F32Attr, "1.0f">:$scale);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Kiln_DenseGradInputOp : Kiln_Op<"dense_grad_input", [Pure,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>,
    DeclareOpInterfaceMethods<Kiln_ScratchOpInterface>]> {
  let summary = "dx = dy · kernelᵀ, the input gradient of kiln.dense";
  let description = [{
    The transposed kernel is packed into panels in scratch memory on every
    call, so dx runs on the packed GEMM microkernel.

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

def Kiln_Conv2DGradInputOp : Kiln_Op<"conv2d_grad_input", [Pure,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>,
    DeclareOpInterfaceMethods<Kiln_ScratchOpInterface>]> {
  let summary = "input gradient of kiln.conv2d (a transposed convolution)";
  let description = [{
    Same `strides`, `dilations`, `padding` and `groups` as the convolution;
    the result type is the convolution's input type. With one group and
    stride 1 it is a convolution of the result gradient by the flipped
    kernel, whose packed panels take scratch memory.

    ```mlir
    %dx = kiln.conv2d_grad_input %dy, %k {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>,
                                          padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64}
        : (tensor<2x8x8x16xf32>, tensor<3x3x4x16xf32>) -> tensor<2x8x8x4xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$result_grad, Kiln_F32Tensor:$kernel,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                   DenseI64ArrayAttr:$padding, DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$result_grad `,` $kernel attr-dict `:` functional-type(operands, results)";
}

def Kiln_Conv2DGradKernelOp : Kiln_Op<"conv2d_grad_kernel", [Pure,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>]> {
  let summary = "kernel gradient of kiln.conv2d, summed over the batch";
  let description = [{
    ```mlir
    %dk = kiln.conv2d_grad_kernel %x, %dy {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>,
                                           padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64}
        : (tensor<2x8x8x4xf32>, tensor<2x8x8x16xf32>) -> tensor<3x3x4x16xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, Kiln_F32Tensor:$result_grad,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                   DenseI64ArrayAttr:$padding, DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input `,` $result_grad attr-dict `:` functional-type(operands, results)";
}

def Kiln_Pool2DGradOp : Kiln_Op<"pool2d_grad", [Pure, Kiln_FlopCountOpInterface]> {
  let summary = "input gradient of kiln.pool2d";
  let description = [{
    Max pooling sends each window's gradient to its first largest input;
    average pooling spreads it over the window's real (unpadded) inputs.

    ```mlir
    %dx = kiln.pool2d_grad %dy, %x {kind = #kiln.pool<max>, window = array<i64: 2, 2>,
                                    strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
        : (tensor<1x4x4x8xf32>, tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$result_grad, Kiln_F32Tensor:$input, Kiln_PoolAttr:$kind,
                   DenseI64ArrayAttr:$window, DenseI64ArrayAttr:$strides,
                   DenseI64ArrayAttr:$padding);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$result_grad `,` $input attr-dict `:` functional-type(operands, results)";
}

def Kiln_BatchNormTrainOp : Kiln_Op<"batch_norm_train", [Pure, Kiln_FlopCountOpInterface,
    AttrSizedOperandSegments, DeclareOpInterfaceMethods<Kiln_GradientOpInterface>]> {
  let summary = "batch normalization with the batch's statistics (training)";
  let description = [{
    Normalizes the last axis with the mean and (biased) variance over all
    other positions, which it also returns, as a trainable Keras
    BatchNormalization does in `fit`.

    ```mlir
    %y, %mean, %var = kiln.batch_norm_train %x gamma %g beta %b {epsilon = 1.0e-3 : f32}
        : (tensor<8x4x4x16xf32>, tensor<16xf32>, tensor<16xf32>)
        -> (tensor<8x4x4x16xf32>, tensor<16xf32>, tensor<16xf32>)
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, Optional<Kiln_F32Tensor>:$gamma,
                   Optional<Kiln_F32Tensor>:$beta, F32Attr:$epsilon);
  let results = (outs Kiln_F32Tensor:$result, Kiln_F32Tensor:$mean, Kiln_F32Tensor:$variance);
  let assemblyFormat = [{
    $input (`gamma` $gamma^)? (`beta` $beta^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_BatchNormGradOp : Kiln_Op<"batch_norm_grad", [Pure, Kiln_FlopCountOpInterface]> {
  let summary = "gradients of batch normalization over the last axis";
  let description = [{
    From the result's gradient, the input and the statistics used: the
    input's gradient and those of gamma and beta. With
    `batch_statistics` (kiln.batch_norm_train), mean and variance were
    computed from the input, and their dependence on it is part of the input
    gradient; without, they are the moving statistics (a frozen layer).
    `gamma` is absent when the layer does not scale.

    ```mlir
    %dx, %dg, %db = kiln.batch_norm_grad %dy, %x, %mean, %var gamma %g
        {epsilon = 1.0e-3 : f32, batch_statistics}
        : (tensor<8x16xf32>, tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>)
        -> (tensor<8x16xf32>, tensor<16xf32>, tensor<16xf32>)
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$result_grad, Kiln_F32Tensor:$input,
                   Kiln_F32Tensor:$mean, Kiln_F32Tensor:$variance,
                   Optional<Kiln_F32Tensor>:$gamma, F32Attr:$epsilon, UnitAttr:$batch_statistics);
  let results = (outs Kiln_F32Tensor:$input_grad, Kiln_F32Tensor:$gamma_grad,
                      Kiln_F32Tensor:$beta_grad);
  let assemblyFormat = [{
    $result_grad `,` $input `,` $mean `,` $variance (`gamma` $gamma^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def Kiln_MovingAverageUpdateOp : Kiln_Op<"moving_average_update", [MemoryEffects<[MemWrite]>]> {
  let summary = "moves a mutable global towards a value: w = w·momentum + v·(1 - momentum)";
  let description = [{
    Keras BatchNormalization's update of its moving mean and variance.

    ```mlir
    kiln.moving_average_update %mean {weight = @bn.moving_mean, momentum = 0.99 : f32}
        : tensor<16xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$value, FlatSymbolRefAttr:$weight, F32Attr:$momentum);
  let assemblyFormat = "$value attr-dict `:` type($value)";
  let hasVerifier = 1;
}

def Kiln_BroadcastToOp : Kiln_Op<"broadcast_to", [Pure, Kiln_FlopCountOpInterface]> {
  let summary = "scale · x repeated along size-1 and missing leading axes";
  let description = [{
    The adjoint of `kiln.sum_to` (times `scale`): the gradient of a sum or a
    mean reduction.

    ```mlir
    %g = kiln.broadcast_to %dy {scale = 0.25 : f32} : (tensor<2x1x3xf32>) -> tensor<2x4x3xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, DefaultValuedAttr<F32Attr, "1.0f">:$scale);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_ExtremumGradOp : Kiln_Op<"extremum_grad", [Pure, Kiln_FlopCountOpInterface,
    AllTypesMatch<["result_grad", "result"]>]> {
  let summary = "gradient of a kiln.binary max or min with respect to one operand";
  let description = [{
    `result_grad` times the share of operand `operand` (0: lhs, 1: rhs) in
    the extremum: 1 where it alone is the extremum, 0 where the other is,
    and 0.5 where they tie, as JAX differentiates maximum and minimum. The
    result has the broadcast result's shape; `kiln.sum_to` then reduces it
    to the operand's.

    ```mlir
    %g = kiln.extremum_grad %dy, %a, %b {kind = #kiln.binary<max>, operand = 1 : i64}
        : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$result_grad, Kiln_F32Tensor:$lhs, Kiln_F32Tensor:$rhs,
                   Kiln_BinaryAttr:$kind, I64Attr:$operand);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = [{
    $result_grad `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_ResizeGradOp : Kiln_Op<"resize_grad", [Pure, Kiln_FlopCountOpInterface]> {
  let summary = "gradient of kiln.resize";
  let description = [{
    Each output pixel's gradient added back to the input pixels it was read
    from, with the weights it was read with (one pixel for nearest, four
    for bilinear). The result has the resize's input type.

    ```mlir
    %dx = kiln.resize_grad %dy {kind = #kiln.resize<bilinear>} : (tensor<1x8x12x3xf32>) -> tensor<1x4x4x3xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$result_grad, Kiln_ResizeAttr:$kind);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$result_grad attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_StridedViewGradOp : Kiln_Op<"strided_view_grad", [Pure]> {
  let summary = "gradient of kiln.strided_view: adds each element back where it was read";
  let description = [{
    The result has the viewed tensor's type: zero, plus `result_grad`'s
    element `i` at `offset + sum_d idx_d(i) * strides[d]` (elements read
    twice get both).

    ```mlir
    %dx = kiln.strided_view_grad %dy {offset = 6 : i64, strides = array<i64: 24, 6, 2>}
        : (tensor<2x2x3xf32>) -> tensor<2x4x6xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$result_grad, I64Attr:$offset, DenseI64ArrayAttr:$strides);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$result_grad attr-dict `:` functional-type(operands, results)";
}

def Kiln_EmbeddingGradOp : Kiln_Op<"embedding_grad", [Pure, Kiln_FlopCountOpInterface]> {
  let summary = "gradient of an embedding table: each looked-up row's gradient added back";
  let description = [{
    ```mlir
    %dt = kiln.embedding_grad %ids, %dy : (tensor<2x5xi32>, tensor<2x5x8xf32>) -> tensor<100x8xf32>
    ```
  }];
  let arguments = (ins Kiln_IdTensor:$ids, Kiln_F32Tensor:$result_grad);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$ids `,` $result_grad attr-dict `:` functional-type(operands, results)";
}

def Kiln_LayerNormGradOp : Kiln_Op<"layer_norm_grad", [Pure, Kiln_FlopCountOpInterface]> {
  let summary = "gradients of kiln.layer_norm: input, gamma and beta";
  let description = [{
    Same `axis`, `epsilon` and `rms` as the layer normalization; the
    statistics are recomputed from the input. gamma and beta's gradients
    have the normalized axes' shape (zero when the layer has none).

    ```mlir
    %dx, %dg, %db = kiln.layer_norm_grad %dy, %x gamma %g {axis = 2 : i64, epsilon = 1.0e-3 : f32}
        : (tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<8xf32>)
        -> (tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>)
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$result_grad, Kiln_F32Tensor:$input,
                   Optional<Kiln_F32Tensor>:$gamma, I64Attr:$axis, F32Attr:$epsilon,
                   UnitAttr:$rms);
  let results = (outs Kiln_F32Tensor:$input_grad, Kiln_F32Tensor:$gamma_grad,
                      Kiln_F32Tensor:$beta_grad);
  let assemblyFormat = [{
    $result_grad `,` $input (`gamma` $gamma^)? attr-dict `:` functional-type(operands, results)
  }];
}

def Kiln_DropoutTrainOp : Kiln_Op<"dropout_train", [Pure, Kiln_FlopCountOpInterface,
    AllTypesMatch<["input", "result"]>, DeclareOpInterfaceMethods<Kiln_GradientOpInterface>]> {
  let summary = "a noise layer in training, with counter-based random draws";
  let description = [{
    What Keras's layer does in `fit`, by `noise`: `dropout` keeps each
    element with probability 1 − `rate`, scaled by 1 / (1 − rate);
    `gaussian_dropout` multiplies by 1 + σ·n, σ = √(rate / (1 − rate));
    `gaussian_noise` adds `rate`·n; `alpha_dropout` sets dropped elements to
    SELU's negative saturation and rescales to keep mean and variance (n a
    standard normal draw). Draw i is a hash of (`seed`, the optimizer step,
    i), with i counted in `noise_shape` (the input's shape when absent): the
    same on every run and thread count, different at every step, and
    recomputed by `kiln.dropout_grad` instead of stored. (Keras's own
    random stream is not reproduced.)

    ```mlir
    %y = kiln.dropout_train %x {rate = 0.5 : f32, seed = 7 : i64} : tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, F32Attr:$rate, I64Attr:$seed,
                   DefaultValuedAttr<Kiln_NoiseAttr, "::kiln::NoiseKind::dropout">:$noise,
                   OptionalAttr<DenseI64ArrayAttr>:$noise_shape);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Kiln_DropoutGradOp : Kiln_Op<"dropout_grad", [Pure, Kiln_FlopCountOpInterface,
    AllTypesMatch<["result_grad", "result"]>]> {
  let summary = "gradient of kiln.dropout_train: the same draws";
  let description = [{
    ```mlir
    %dx = kiln.dropout_grad %dy {rate = 0.5 : f32, seed = 7 : i64} : tensor<32x64xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$result_grad, F32Attr:$rate, I64Attr:$seed,
                   DefaultValuedAttr<Kiln_NoiseAttr, "::kiln::NoiseKind::dropout">:$noise,
                   OptionalAttr<DenseI64ArrayAttr>:$noise_shape);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$result_grad attr-dict `:` type($result)";
}

def Kiln_RnnGradOp : Kiln_Op<"rnn_grad", [Pure, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>,
    DeclareOpInterfaceMethods<Kiln_ScratchOpInterface>]> {
  let summary = "backpropagation through time of a kiln.rnn (SimpleRNN, LSTM or GRU)";
  let description = [{
    From the gradients of the layer's output (the sequence with
    `return_sequences`, else the last step) and of its returned states
    (`final_h_grad`, and `final_c_grad` for an LSTM; each optional), the
    gradients of its input, kernel, recurrent kernel, bias and initial
    states (one per initial state). `mask` and `initial_states` are the
    layer's. The forward recurrence is run again in the op's scratch memory
    rather than kept from the forward pass.

    ```mlir
    %dx, %dk, %drk, %db = kiln.rnn_grad output_grad(%dy) %x, %k, %rk, %b {cell = #kiln.cell<lstm>,
        activation = #kiln.activation<tanh>, recurrent_activation = #kiln.activation<sigmoid>}
        : (tensor<2x6xf32>, tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>, tensor<24xf32>)
        -> (tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>, tensor<24xf32>)
    ```
  }];
  let arguments = (ins Optional<Kiln_F32Tensor>:$output_grad, Kiln_F32Tensor:$input,
                   Kiln_F32Tensor:$kernel, Kiln_F32Tensor:$recurrent_kernel,
                   Optional<Kiln_F32Tensor>:$bias, Optional<Kiln_F32Tensor>:$mask,
                   Variadic<Kiln_F32Tensor>:$initial_states,
                   Optional<Kiln_F32Tensor>:$final_h_grad,
                   Optional<Kiln_F32Tensor>:$final_c_grad,
                   Optional<Kiln_F32Tensor>:$saved,
                   Kiln_RnnCellAttr:$cell, Kiln_ActivationAttr:$activation,
                   Kiln_ActivationAttr:$recurrent_activation,
                   UnitAttr:$go_backwards, UnitAttr:$return_sequences,
                   UnitAttr:$reset_after, UnitAttr:$zero_output_for_mask);
  let results = (outs Kiln_F32Tensor:$input_grad, Kiln_F32Tensor:$kernel_grad,
                      Kiln_F32Tensor:$recurrent_kernel_grad, Kiln_F32Tensor:$bias_grad,
                      Variadic<Kiln_F32Tensor>:$initial_state_grads);
  let assemblyFormat = [{
    (`output_grad` `(` $output_grad^ `)`)? $input `,` $kernel `,` $recurrent_kernel
    (`,` $bias^)? (`mask` `(` $mask^ `)`)? (`initial` `(` $initial_states^ `)`)?
    (`final_h_grad` `(` $final_h_grad^ `)`)? (`final_c_grad` `(` $final_c_grad^ `)`)?
    (`saved` `(` $saved^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_RnnTrainOp : Kiln_Op<"rnn_train", [Pure, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>,
    DeclareOpInterfaceMethods<Kiln_ScratchOpInterface>]> {
  let summary = "a training step's kiln.rnn (SimpleRNN or LSTM) that saves what backpropagation reads";
  let description = [{
    Operands, attributes, `output` and `final_states` as `kiln.rnn`. `saved`
    (N·T·(G·U + 2·U) floats) holds every step's pre-activations, (N·T, G·U)
    in the input's row order, then h and c after each step, (T, N, U) each
    in processing order: a `kiln.rnn_grad` given them (its `saved`
    operand) does not run the recurrence again. Made by
    `-kiln-save-rnn-states`.

    ```mlir
    %saved, %y = kiln.rnn_train %x, %k, %rk, %b {cell = #kiln.cell<lstm>,
        activation = #kiln.activation<tanh>}
        : (tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>, tensor<24xf32>)
        -> (tensor<300xf32>, tensor<2x6xf32>)
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, Kiln_F32Tensor:$kernel,
                   Kiln_F32Tensor:$recurrent_kernel, Optional<Kiln_F32Tensor>:$bias,
                   Optional<Kiln_F32Tensor>:$mask,
                   Variadic<Kiln_F32Tensor>:$initial_states,
                   Kiln_RnnCellAttr:$cell, Kiln_ActivationAttr:$activation,
                   DefaultValuedAttr<Kiln_ActivationAttr,
                       "::kiln::ActivationKind::sigmoid">:$recurrent_activation,
                   UnitAttr:$go_backwards, UnitAttr:$return_sequences,
                   UnitAttr:$reset_after, UnitAttr:$zero_output_for_mask);
  let results = (outs Kiln_F32Tensor:$saved, Kiln_F32Tensor:$output,
                      Variadic<Kiln_F32Tensor>:$final_states);
  let assemblyFormat = [{
    $input `,` $kernel `,` $recurrent_kernel (`,` $bias^)?
    (`mask` `(` $mask^ `)`)? (`initial` `(` $initial_states^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getUnits() { return getRecurrentKernel().getType().getDimSize(0); }
  }];
}

#endif // KILN_TRAINING_OPS_TD
