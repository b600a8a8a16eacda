#ifndef KILN_OPS_TD
#define KILN_OPS_TD

include "kiln/Dialect/Kiln/IR/KilnDialect.td"
include "kiln/Dialect/Kiln/IR/KilnAttrs.td"
include "kiln/Dialect/Kiln/IR/KilnInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Kiln_F32Tensor : RankedTensorOf<[F32]>;
// Token ids: int32/int64 model inputs, or float32 holding whole numbers.
def Kiln_IdTensor : RankedTensorOf<[I32, I64, F32]>;

//===----------------------------------------------------------------------===//
// Dense
//===----------------------------------------------------------------------===//

def Kiln_DenseOp : Kiln_Op<"dense", [Pure,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>,
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    DeclareOpInterfaceMethods<Kiln_ResidualFusionOpInterface>,
    DeclareOpInterfaceMethods<Kiln_ActivationFusionOpInterface>,
    DeclareOpInterfaceMethods<Kiln_ChannelLinearOpInterface, ["setKernelAndBias",
        "getKernelInputChannel", "readsZeroPadding"]>,
    DeclareOpInterfaceMethods<Kiln_PanelKernelOpInterface, ["canPackAtRunTime"]>,
    DeclareOpInterfaceMethods<Kiln_ScratchOpInterface>]> {
  let summary = "Keras Dense: act(x · kernel + bias + residual) over the last axis";
  let description = [{
    Multiplies the last axis of `input` by `kernel` (shape `in × units`, as
    Keras stores it), adds `bias` and `residual` (the result's type) when
    present and applies the elementwise `activation` as an epilogue. Leading
    axes are batch axes.

    ```mlir
    %y = kiln.dense %x, %k, %b {activation = #kiln.activation<relu>}
        : (tensor<1x784xf32>, tensor<784x64xf32>, tensor<64xf32>) -> tensor<1x64xf32>
    %z = kiln.dense %x, %k : (tensor<1x784xf32>, tensor<784x64xf32>) -> tensor<1x64xf32>
    %r = kiln.dense %x, %k residual %z
        : (tensor<1x784xf32>, tensor<784x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, Kiln_F32Tensor:$kernel,
                   Optional<Kiln_F32Tensor>:$bias, Optional<Kiln_F32Tensor>:$residual,
                   DefaultValuedAttr<Kiln_ActivationAttr,
                       "::kiln::ActivationKind::linear">:$activation);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $kernel (`,` $bias^)? (`residual` $residual^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$kernel,
                                 "::mlir::Value":$bias), [{
    build($_builder, $_state, input, kernel, bias, /*residual=*/nullptr,
          ::kiln::ActivationKind::linear);
  }]>];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Convolution and pooling (NHWC activations, HWIO kernels as Keras stores them)
//===----------------------------------------------------------------------===//

def Kiln_Conv2DOp : Kiln_Op<"conv2d", [Pure,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<Kiln_RowStrideOpInterface>,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>,
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<InferTypeOpInterface>,
    DeclareOpInterfaceMethods<Kiln_ResidualFusionOpInterface>,
    DeclareOpInterfaceMethods<Kiln_ActivationFusionOpInterface>,
    DeclareOpInterfaceMethods<Kiln_ChannelLinearOpInterface, ["setKernelAndBias",
        "getKernelInputChannel", "readsZeroPadding"]>,
    DeclareOpInterfaceMethods<Kiln_PanelKernelOpInterface, ["canPackAtRunTime"]>,
    DeclareOpInterfaceMethods<Kiln_ScratchOpInterface>]> {
  let summary = "2-D convolution, grouped and dilated, with bias, residual and activation";
  let description = [{
    `input` is NHWC, `kernel` is (KH, KW, C / groups, F). `padding` is
    [top, bottom, left, right] zeros added before the convolution (the
    importer resolves Keras's "same" and "causal"). Output channel `f`
    belongs to group `f / (F / groups)`. `residual`, when present, has the
    result's type and is added before the `activation` epilogue. Conv1D,
    DepthwiseConv2D and the parts of SeparableConv2D lower to this op.

    ```mlir
    %y = kiln.conv2d %x, %k, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>,
                                 padding = array<i64: 0, 1, 0, 1>, groups = 1 : i64,
                                 activation = #kiln.activation<relu>}
        : (tensor<1x8x8x3xf32>, tensor<3x3x3x16xf32>, tensor<16xf32>) -> tensor<1x4x4x16xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, Kiln_F32Tensor:$kernel,
                   Optional<Kiln_F32Tensor>:$bias, Optional<Kiln_F32Tensor>:$residual,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                   DenseI64ArrayAttr:$padding, DefaultValuedAttr<I64Attr, "1">:$groups,
                   DefaultValuedAttr<Kiln_ActivationAttr,
                       "::kiln::ActivationKind::linear">:$activation);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $kernel (`,` $bias^)? (`residual` $residual^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_Conv2DTransposeOp : Kiln_Op<"conv2d_transpose", [Pure,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>,
    DeclareOpInterfaceMethods<Kiln_ActivationFusionOpInterface>]> {
  let summary = "2-D transposed convolution (Keras Conv2DTranspose)";
  let description = [{
    `kernel` is (KH, KW, F, C) as Keras stores it (output and input
    channels swapped). Input pixel (h, w) adds `x[h, w] . kernel[i, j]` to
    output pixel (h*sh + i*dh - crop[0], w*sw + j*dw - crop[1]); the result
    type fixes the output size (the importer applies Keras's formulas).

    ```mlir
    %y = kiln.conv2d_transpose %x, %k, %b {strides = array<i64: 2, 2>,
            dilations = array<i64: 1, 1>, crop = array<i64: 0, 0>}
        : (tensor<1x4x4x8xf32>, tensor<3x3x4x8xf32>, tensor<4xf32>) -> tensor<1x9x9x4xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, Kiln_F32Tensor:$kernel,
                   Optional<Kiln_F32Tensor>:$bias,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                   DenseI64ArrayAttr:$crop,
                   DefaultValuedAttr<Kiln_ActivationAttr,
                       "::kiln::ActivationKind::linear">:$activation);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $kernel (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_Pool2DOp : Kiln_Op<"pool2d", [Pure,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "2-D max or average pooling over NHWC";
  let description = [{
    `padding` is [top, bottom, left, right]; padded positions never count:
    max ignores them and average divides by the number of real elements in
    the window, as Keras does for "same".

    ```mlir
    %y = kiln.pool2d %x {kind = #kiln.pool<avg>, window = array<i64: 3, 3>,
                         strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
        : (tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, Kiln_PoolAttr:$kind,
                   DenseI64ArrayAttr:$window, DenseI64ArrayAttr:$strides,
                   DenseI64ArrayAttr:$padding);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Kiln_PadOp : Kiln_Op<"pad", [Pure,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "zero padding (Keras ZeroPadding1D/2D)";
  let description = [{
    `low` and `high` give the zeros added before and after each axis.

    ```mlir
    %y = kiln.pad %x {low = array<i64: 0, 1, 2, 0>, high = array<i64: 0, 1, 2, 0>}
        : (tensor<1x4x4x3xf32>) -> tensor<1x6x8x3xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, DenseI64ArrayAttr:$low, DenseI64ArrayAttr:$high);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Kiln_ResizeOp : Kiln_Op<"resize", [Pure, Kiln_FlopCountOpInterface,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>]> {
  let summary = "spatial resize of NHWC (Keras UpSampling2D)";
  let description = [{
    Nearest repeats pixels; bilinear samples at half-pixel centers, clamped
    at the edges, as `jax.image.resize` does when upsampling.

    ```mlir
    %y = kiln.resize %x {kind = #kiln.resize<bilinear>} : (tensor<1x4x4x3xf32>) -> tensor<1x8x12x3xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, Kiln_ResizeAttr:$kind);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def Kiln_BatchNormOp : Kiln_Op<"batch_norm", [Pure,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<Kiln_TrainingFormOpInterface>,
    DeclareOpInterfaceMethods<Kiln_InPlaceOpInterface>,
    Kiln_FlopCountOpInterface,
    AttrSizedOperandSegments,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "batch normalization with moving statistics (inference)";
  let description = [{
    `(x - mean) / sqrt(variance + epsilon) * gamma + beta` along `axis`
    (non-negative); gamma and beta are optional (Keras scale/center).
    Training (-kiln-build-train-step) uses batch statistics instead and
    moves mean and variance towards them by `momentum`, unless the layer is
    `frozen` (trainable: false), which Keras runs in inference mode.

    ```mlir
    %y = kiln.batch_norm %x, %mean, %var gamma %g beta %b {axis = 3 : i64, epsilon = 1.0e-3 : f32}
        : (tensor<1x4x4x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
        -> tensor<1x4x4x8xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, Kiln_F32Tensor:$mean, Kiln_F32Tensor:$variance,
                   Optional<Kiln_F32Tensor>:$gamma, Optional<Kiln_F32Tensor>:$beta,
                   I64Attr:$axis, F32Attr:$epsilon,
                   DefaultValuedAttr<F32Attr, "0.99f">:$momentum, UnitAttr:$frozen);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $mean `,` $variance (`gamma` $gamma^)? (`beta` $beta^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Kiln_LayerNormOp : Kiln_Op<"layer_norm", [Pure,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<Kiln_InPlaceOpInterface>,
    Kiln_FlopCountOpInterface,
    AttrSizedOperandSegments,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "layer normalization over the trailing axes from `axis` on";
  let description = [{
    Normalizes each sample over axes `axis..rank-1` with their mean and
    variance, then applies the optional gamma and beta, which have the shape
    of the normalized axes. With `rms` (Keras's rms_scaling) the input is
    only divided by sqrt(variance + epsilon) and scaled by gamma.

    ```mlir
    %y = kiln.layer_norm %x gamma %g beta %b {axis = 2 : i64, epsilon = 1.0e-3 : f32}
        : (tensor<1x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x5x8xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, Optional<Kiln_F32Tensor>:$gamma,
                   Optional<Kiln_F32Tensor>:$beta, I64Attr:$axis, F32Attr:$epsilon,
                   UnitAttr:$rms);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = [{
    $input (`gamma` $gamma^)? (`beta` $beta^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

def Kiln_ActivationOp : Kiln_Op<"activation", [Pure,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<Kiln_InPlaceOpInterface>,
    Kiln_FlopCountOpInterface,
    SameOperandsAndResultType]> {
  let summary = "elementwise activation (Keras Activation layer)";
  let description = [{
    Applies one of the elementwise Keras activations. The Keras ReLU,
    LeakyReLU and ELU layers set parameters: `alpha` is the negative slope
    (relu, leaky_relu) or the ELU alpha; `max_value` and `threshold` shape
    relu as `x > threshold ? min(x, max_value) : alpha * (x - threshold)`.

    ```mlir
    %y = kiln.activation %x {kind = #kiln.activation<gelu>} : tensor<1x64xf32>
    %z = kiln.activation %x {kind = #kiln.activation<relu>, max_value = 6.0 : f32,
                             alpha = 0.1 : f32} : tensor<1x64xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, Kiln_ActivationAttr:$kind,
                   OptionalAttr<F32Attr>:$alpha, OptionalAttr<F32Attr>:$max_value,
                   OptionalAttr<F32Attr>:$threshold);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let extraClassDeclaration = [{
    /// Whether the op applies its kind with Keras's default parameters.
    bool hasDefaultParameters() { return !getAlpha() && !getMaxValue() && !getThreshold(); }
  }];
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::kiln::ActivationKindAttr":$kind), [{
    build($_builder, $_state, input.getType(), input, kind, nullptr, nullptr, nullptr);
  }]>];
}

def Kiln_SoftmaxOp : Kiln_Op<"softmax", [Pure,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<Kiln_InPlaceOpInterface>,
    Kiln_FlopCountOpInterface,
    SameOperandsAndResultType]> {
  let summary = "softmax or log-softmax along one axis";
  let description = [{
    `exp(x - max) / sum(exp(x - max))` along `axis` (negative counts from the
    end); with `log`, the log-softmax `x - max - log(sum(exp(x - max)))`.

    ```mlir
    %y = kiln.softmax %x {axis = -1 : i64} : tensor<1x10xf32>
    %z = kiln.softmax %x {axis = 1 : i64, log} : tensor<1x10xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input,
                   DefaultValuedAttr<I64Attr, "-1">:$axis, UnitAttr:$log);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Kiln_SparsemaxOp : Kiln_Op<"sparsemax", [Pure,
    Kiln_FlopCountOpInterface,
    SameOperandsAndResultType,
    DeclareOpInterfaceMethods<Kiln_ScratchOpInterface>]> {
  let summary = "sparsemax along one axis (Euclidean projection onto the simplex)";
  let description = [{
    ```mlir
    %y = kiln.sparsemax %x {axis = -1 : i64} : tensor<2x10xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Kiln_GluOp : Kiln_Op<"glu", [Pure,
    Kiln_FlopCountOpInterface,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "gated linear unit: a · sigmoid(b) for the two halves of an axis";
  let description = [{
    Splits `axis` into halves `a` and `b` and returns `a * sigmoid(b)`; the
    axis must have even length and the result has half of it.

    ```mlir
    %y = kiln.glu %x {axis = -1 : i64} : (tensor<1x8xf32>) -> tensor<1x4xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Merging and reshaping
//===----------------------------------------------------------------------===//

def Kiln_BinaryOp : Kiln_Op<"binary", [Pure,
    DeclareOpInterfaceMethods<Kiln_ConstantFoldOpInterface>,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<Kiln_InPlaceOpInterface>,
    Kiln_FlopCountOpInterface,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "elementwise binary operation with size-1 broadcasting";
  let description = [{
    Applies `kind` elementwise. Both operands have the same rank; along each
    axis their sizes are equal or one of them is 1 (broadcast). Keras merge
    layers (Add, Subtract, Multiply, Average, Maximum, Minimum) and the raw
    arithmetic ops lower to chains of this op.

    ```mlir
    %y = kiln.binary %a, %b {kind = #kiln.binary<add>}
        : (tensor<2x5x3xf32>, tensor<2x1x3xf32>) -> tensor<2x5x3xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$lhs, Kiln_F32Tensor:$rhs, Kiln_BinaryAttr:$kind);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Kiln_ConcatOp : Kiln_Op<"concat", [Pure,
    DeclareOpInterfaceMethods<Kiln_ConstantFoldOpInterface>,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "concatenation along one axis (Keras Concatenate)";
  let description = [{
    All inputs have the same rank and agree on every axis but `axis`
    (negative counts from the end).

    ```mlir
    %y = kiln.concat %a, %b {axis = -1 : i64}
        : (tensor<1x8xf32>, tensor<1x4xf32>) -> tensor<1x12xf32>
    ```
  }];
  let arguments = (ins Variadic<Kiln_F32Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_ReduceOp : Kiln_Op<"reduce", [Pure,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "sum, mean, max or min over one non-batch axis";
  let description = [{
    Reduces `axis` (non-negative, not the batch axis). With `keepdims` the
    axis stays with size 1, otherwise it is removed. Reductions over several
    axes are chains of this op.

    ```mlir
    %y = kiln.reduce %x {kind = #kiln.reduce<mean>, axis = 1 : i64}
        : (tensor<2x4x6xf32>) -> tensor<2x6xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, Kiln_ReduceAttr:$kind, I64Attr:$axis,
                   UnitAttr:$keepdims);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Kiln_StridedViewOp : Kiln_Op<"strided_view", [Pure,
    DeclareOpInterfaceMethods<Kiln_ConstantFoldOpInterface>,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>]> {
  let summary = "copies a strided, possibly permuted view of the input";
  let description = [{
    Element `i` of the result (row-major) is input element
    `offset + sum_d idx_d(i) * strides[d]`, strides in elements of the
    input. Transposes, slices with steps and integer indexing lower to it.

    ```mlir
    // x[:, 1:3, ::2] of a 2x4x6 tensor
    %y = kiln.strided_view %x {offset = 6 : i64, strides = array<i64: 24, 6, 2>}
        : (tensor<2x4x6xf32>) -> tensor<2x2x3xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, I64Attr:$offset, DenseI64ArrayAttr:$strides);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  // The identity view folds away; a view of a view becomes one view where
  // the outer view stays inside the inner one's axes (two transposes).
  let hasFolder = 1;
}

def Kiln_MatmulOp : Kiln_Op<"matmul", [Pure,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "batched matrix product over the last two axes";
  let description = [{
    `(..., M, K) x (..., K, N) -> (..., M, N)`. Both operands have the same
    rank >= 2 and the same leading axes, or the right operand's leading axes
    are all 1 (one matrix shared by the whole batch).

    ```mlir
    %y = kiln.matmul %a, %b : (tensor<2x4x6xf32>, tensor<2x6x4xf32>) -> tensor<2x4x4xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$lhs, Kiln_F32Tensor:$rhs);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Kiln_ReshapeOp : Kiln_Op<"reshape", [Pure,
    DeclareOpInterfaceMethods<Kiln_ConstantFoldOpInterface>,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<Kiln_InPlaceOpInterface>]> {
  let summary = "same elements, new shape (row-major order kept)";
  let description = [{
    ```mlir
    %y = kiln.reshape %x : (tensor<2x3xf32>) -> tensor<2x1x3xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  // A reshape to the same type folds away; a reshape of a reshape reads the first input.
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Sequences: token ids, masks, recurrent layers
//===----------------------------------------------------------------------===//

def Kiln_CastOp : Kiln_Op<"cast", [Pure]> {
  let summary = "integer ids to float32, elementwise";
  let description = [{
    Integer model inputs that feed a layer other than Embedding are used as
    floats, as Keras promotes them.

    ```mlir
    %y = kiln.cast %ids : (tensor<2x5xi32>) -> tensor<2x5xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I32, I64]>:$input);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_EmbeddingOp : Kiln_Op<"embedding", [Pure,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "row lookup in an embedding table (Keras Embedding)";
  let description = [{
    Result `[..., :]` is row `ids[...]` of `table` (vocabulary × dim). Float
    ids are truncated to integers as Keras casts them. A negative id counts
    from the end once; an id still outside the table gives a row of NaN, as
    Keras's JAX backend does.

    ```mlir
    %y = kiln.embedding %ids, %table
        : (tensor<2x5xi32>, tensor<100x8xf32>) -> tensor<2x5x8xf32>
    ```
  }];
  let arguments = (ins Kiln_IdTensor:$ids, Kiln_F32Tensor:$table);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$ids `,` $table attr-dict `:` functional-type(operands, results)";
}

def Kiln_CompareOp : Kiln_Op<"compare", [Pure]> {
  let summary = "elementwise comparison with a constant, as a 0/1 mask";
  let description = [{
    1.0 where `input kind value` holds, else 0.0. Keras masks (booleans)
    are float32 0/1 tensors in kiln; Embedding(mask_zero=True) records its
    mask as `ids != 0`.

    ```mlir
    %m = kiln.compare %ids {kind = #kiln.compare<ne>, value = 0.0 : f64}
        : (tensor<2x5xi32>) -> tensor<2x5xf32>
    ```
  }];
  let arguments = (ins Kiln_IdTensor:$input, Kiln_CompareAttr:$kind, F64Attr:$value);
  let results = (outs Kiln_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Kiln_RnnOp : Kiln_Op<"rnn", [Pure,
    DeclareOpInterfaceMethods<Kiln_GradientOpInterface>,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>,
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<Kiln_PanelKernelOpInterface>,
    DeclareOpInterfaceMethods<Kiln_ScratchOpInterface>]> {
  let summary = "a SimpleRNN, LSTM or GRU layer over a whole sequence";
  let description = [{
    `input` is (N, T, F). `kernel` is (F, G·U) and `recurrent_kernel`
    (U, G·U) as Keras stores them, with G = 1, 4 (gates i, f, c, o) or 3
    (gates z, r, h) for `cell` simple, lstm and gru. `bias` is (G·U), or
    (2·G·U) for a GRU with `reset_after` (input bias, then recurrent bias).
    `mask` (N, T), 1 to keep a step, makes masked steps carry the state and
    repeat the previous output (output zeros with `zero_output_for_mask`). `initial_states` are (N, U) each: h, and c
    for an LSTM; zeros when absent. With `go_backwards` the steps run from
    the last to the first and the output sequence is in that order.

    Results: the output, (N, T, U) with `return_sequences` else (N, U), and
    the final states (h, then c for an LSTM) when `return_state`.

    ```mlir
    %y, %h, %c = kiln.rnn %x, %k, %rk, %b {cell = #kiln.cell<lstm>,
        activation = #kiln.activation<tanh>,
        recurrent_activation = #kiln.activation<sigmoid>, return_sequences}
        : (tensor<2x5x8xf32>, tensor<8x24xf32>, tensor<6x24xf32>, tensor<24xf32>)
        -> (tensor<2x5x6xf32>, tensor<2x6xf32>, tensor<2x6xf32>)
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
  let results = (outs Kiln_F32Tensor:$output, Variadic<Kiln_F32Tensor>:$final_states);
  let assemblyFormat = [{
    $input `,` $kernel `,` $recurrent_kernel (`,` $bias^)?
    (`mask` `(` $mask^ `)`)? (`initial` `(` $initial_states^ `)`)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Gates per unit: 1, 4 or 3.
    int64_t getNumGates();
    int64_t getUnits() { return getRecurrentKernel().getType().getDimSize(0); }
    /// States the cell carries: 2 for an LSTM (h, c), else 1.
    int64_t getNumStates();
  }];
}

//===----------------------------------------------------------------------===//
// Fused elementwise chains
//===----------------------------------------------------------------------===//

def Kiln_ElementwiseOp : Kiln_Op<"elementwise", [Pure, IsolatedFromAbove,
    DeclareOpInterfaceMethods<Kiln_FlopCountOpInterface, ["getFlops"]>,
    DeclareOpInterfaceMethods<Kiln_InPlaceOpInterface>]> {
  let summary = "a chain of elementwise ops computed in one pass over the data";
  let description = [{
    Computes every element of the result from the elements of `inputs` at
    the same position (an input of size 1 along an axis is broadcast) with
    the scalar ops of `body`, whose block arguments are the inputs' elements
    and whose `kiln.yield` gives the result's element. Built by
    `-kiln-fuse-elementwise` from chains of `kiln.binary` and
    `kiln.activation`: no intermediate tensor is written to memory.

    ```mlir
    %y = kiln.elementwise %x, %three : (tensor<1x8xf32>, tensor<1x1xf32>) -> tensor<1x8xf32> {
    ^bb0(%a: f32, %b: f32):
      %0 = kiln.scalar_binary %a, %b {kind = #kiln.binary<add>} : f32
      %1 = kiln.scalar_activation %0 {kind = #kiln.activation<relu6>} : f32
      %2 = kiln.scalar_binary %a, %1 {kind = #kiln.binary<mul>} : f32
      kiln.yield %2 : f32
    }
    ```
  }];
  let arguments = (ins Variadic<Kiln_F32Tensor>:$inputs);
  let results = (outs Kiln_F32Tensor:$result);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results) $body";
  let hasRegionVerifier = 1;
}

def Kiln_ScalarBinaryOp : Kiln_Op<"scalar_binary", [Pure, HasParent<"ElementwiseOp">]> {
  let summary = "one element of kiln.binary, inside kiln.elementwise";
  let arguments = (ins F32:$lhs, F32:$rhs, Kiln_BinaryAttr:$kind);
  let results = (outs F32:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Kiln_ScalarActivationOp : Kiln_Op<"scalar_activation", [Pure, HasParent<"ElementwiseOp">]> {
  let summary = "one element of kiln.activation, inside kiln.elementwise";
  let arguments = (ins F32:$input, Kiln_ActivationAttr:$kind,
                   OptionalAttr<F32Attr>:$alpha, OptionalAttr<F32Attr>:$max_value,
                   OptionalAttr<F32Attr>:$threshold);
  let results = (outs F32:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Kiln_YieldOp : Kiln_Op<"yield", [Pure, Terminator,
    HasParent<"ElementwiseOp">]> {
  let summary = "the element a kiln.elementwise body computes";
  let arguments = (ins F32:$value);
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

//===----------------------------------------------------------------------===//
// Layers that are the identity at inference
//===----------------------------------------------------------------------===//

class Kiln_InferenceNoOp<string mnemonic, list<Trait> traits = []> : Kiln_Op<mnemonic,
    !listconcat([Pure, SameOperandsAndResultType,
                 DeclareOpInterfaceMethods<Kiln_InferenceNoOpInterface>], traits)> {
  let results = (outs Kiln_F32Tensor:$result);
  let extraClassDefinition = [{
    ::mlir::Value $cppClass::getForwardedValue() { return getInput(); }
  }];
}

def Kiln_DropoutOp : Kiln_InferenceNoOp<"dropout",
    [DeclareOpInterfaceMethods<Kiln_TrainingFormOpInterface>]> {
  let summary = "a noise layer (Dropout and its kin): the identity at inference";
  let description = [{
    Kept in the imported IR so training can use it; inference drops it.
    `noise` says what training does: `dropout` (Dropout, SpatialDropout),
    `gaussian_dropout`, `gaussian_noise` (`rate` is then the standard
    deviation) or `alpha_dropout`. `noise_shape`, when present, is the shape
    of the random draw, 1 along the axes where one draw is shared (Keras's
    `noise_shape`; SpatialDropout shares it across the spatial axes).
    `seed` is the layer's (Keras's `seed`).

    ```mlir
    %y = kiln.dropout %x {rate = 5.000000e-01 : f32, noise_shape = array<i64: 1, 1, 64>}
        : tensor<1x8x64xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, F32Attr:$rate, OptionalAttr<I64Attr>:$seed,
                   DefaultValuedAttr<Kiln_NoiseAttr, "::kiln::NoiseKind::dropout">:$noise,
                   OptionalAttr<DenseI64ArrayAttr>:$noise_shape);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Kiln_ActivityRegularizationOp : Kiln_InferenceNoOp<"activity_regularization"> {
  let summary = "a layer output that carries an activity regularizer";
  let description = [{
    Keras's `activity_regularizer` (and the ActivityRegularization layer):
    the identity, but training adds l1 · Σ|x| + l2 · Σx² over the batch,
    divided by the batch size, to the total loss. Inference drops it.
    `unsupported` names a regularizer class kiln cannot train with (training
    refuses it).

    ```mlir
    %y = kiln.activity_regularization %x {l1 = 0.0 : f32, l2 = 1.000000e-03 : f32}
        : tensor<8x16xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input, F32Attr:$l1, F32Attr:$l2,
                   OptionalAttr<StrAttr>:$unsupported);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Kiln_IdentityOp : Kiln_InferenceNoOp<"identity"> {
  let summary = "identity (Keras Identity layer, linear Activation)";
  let description = [{
    ```mlir
    %y = kiln.identity %x : tensor<1x64xf32>
    ```
  }];
  let arguments = (ins Kiln_F32Tensor:$input);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Profiling (kiln compile --profile, kiln bench --profile)
//===----------------------------------------------------------------------===//

class Kiln_ProfileMarkOp<string mnemonic> : Kiln_Op<mnemonic, [
    MemoryEffects<[MemWrite]>]> {
  let arguments = (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$slot);
  let assemblyFormat = "$slot attr-dict";
}

def Kiln_ProfileBeginOp : Kiln_ProfileMarkOp<"profile_begin"> {
  let summary = "start timing profile slot `slot`";
  let description = [{
    Inserted by `-kiln-instrument-profile` before the op that slot times;
    reads the clock. It writes memory as far as MLIR knows, so nothing moves
    across it.

    ```mlir
    kiln.profile_begin 3
    ```
  }];
}

def Kiln_ProfileEndOp : Kiln_ProfileMarkOp<"profile_end"> {
  let summary = "stop timing profile slot `slot` and add the time to it";
  let description = [{
    ```mlir
    kiln.profile_end 3
    ```
  }];
}

include "kiln/Dialect/Kiln/IR/KilnTrainingOps.td"

#endif // KILN_OPS_TD
