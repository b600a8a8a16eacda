#ifndef KILN_INTERFACES_TD
#define KILN_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Kiln_InferenceNoOpInterface : OpInterface<"InferenceNoOpInterface"> {
  let description = [{
    Implemented by layers that are the identity at inference (Dropout,
    GaussianNoise, ...): `-kiln-drop-inference-noops` replaces the op's
    result by the value it forwards.
  }];
  let cppNamespace = "::kiln";
  let methods = [
    InterfaceMethod<"The value that the op's single result equals at inference.",
      "::mlir::Value", "getForwardedValue">
  ];
}

def Kiln_ActivationFusionOpInterface : OpInterface<"ActivationFusionOpInterface"> {
  let description = [{
    Implemented by ops that can apply an elementwise activation to their
    result as an epilogue, while the result is still in registers.
    `-kiln-fuse-activation` folds a following `kiln.activation` into them.
  }];
  let cppNamespace = "::kiln";
  let methods = [
    InterfaceMethod<"The activation currently applied as an epilogue.",
      "::kiln::ActivationKind", "getFusedActivation">,
    InterfaceMethod<"Replaces the epilogue activation.",
      "void", "setFusedActivation", (ins "::kiln::ActivationKind":$kind)>
  ];
}

def Kiln_ScratchOpInterface : OpInterface<"ScratchOpInterface"> {
  let description = [{
    Implemented by ops whose kernel needs temporary memory while it runs.
    `-kiln-plan-memory` gives that memory a place in the arena, live only
    during the op, and records it as `kiln.scratch_offset`.
  }];
  let cppNamespace = "::kiln";
  let methods = [
    InterfaceMethod<"Bytes of scratch memory the kernel needs.",
      "int64_t", "getScratchBytes">
  ];
}

def Kiln_PanelKernelOpInterface : OpInterface<"PanelKernelOpInterface"> {
  let description = [{
    Implemented by ops whose kernel has a variant reading a weight operand
    as panels: the operand reshaped to (K x N), N its last axis, in panels
    of 16 columns (kiln::rt::pack_panels). `-kiln-prepack-weights` stores
    a constant weight that way when every reader can take it and lists the
    operand in the reader's `kiln.panel_operands`; `-kiln-pack-at-run-time`
    has trained kernels packed into scratch on every call instead.
  }];
  let cppNamespace = "::kiln";
  let methods = [
    InterfaceMethod<"Whether the kernel can read operand `index` stored as panels.",
      "bool", "canReadPanels", (ins "unsigned":$index)>,
    InterfaceMethod<[{
      Whether the op packs its kernel into scratch panels on every call
      when marked `kiln.pack_at_run_time`.
    }], "bool", "canPackAtRunTime", (ins), "", "return false;">
  ];
}

def Kiln_ChannelLinearOpInterface : OpInterface<"ChannelLinearOpInterface"> {
  let description = [{
    Implemented by ops computing `x * kernel + bias` whose result channel `f`
    (the result's last axis) comes from the kernel's last axis alone (Dense,
    Conv2D, grouped and depthwise included). A per-channel affine map after
    such an op (an inference BatchNormalization) folds into its kernel and
    bias: `-kiln-fold-batch-norm`. So does a per-channel affine map before
    it (Rescaling, Normalization), where exact: `-kiln-fold-input-affine`.
  }];
  let cppNamespace = "::kiln";
  let methods = [
    InterfaceMethod<"The input, channels on its last axis.", "::mlir::Value", "getInput">,
    InterfaceMethod<"The kernel, output channels on its last axis.",
      "::mlir::Value", "getKernel">,
    InterfaceMethod<"The bias, or null.", "::mlir::Value", "getBias">,
    InterfaceMethod<"Replaces the kernel and the bias (which may be new).",
      "void", "setKernelAndBias", (ins "::mlir::Value":$kernel, "::mlir::Value":$bias)>,
    InterfaceMethod<[{
      The input channel (index on the input's last axis) that kernel element
      `index` (row-major) multiplies.
    }], "int64_t", "getKernelInputChannel", (ins "int64_t":$index)>,
    InterfaceMethod<"Whether some results read zeros from padding around the input.",
      "bool", "readsZeroPadding">
  ];
}

def Kiln_ConstantFoldOpInterface : OpInterface<"ConstantFoldOpInterface"> {
  let description = [{
    Implemented by ops the compiler can evaluate when every operand is a
    constant weight: `-kiln-fold-constants` replaces them by a new constant.
    Values are the operands' elements in row-major order, as floats; the
    result has the op's result type. The arithmetic is the runtime kernel's
    (float), so folding does not change the result.
  }];
  let cppNamespace = "::kiln";
  let methods = [
    InterfaceMethod<"Computes the result's elements; false if the op cannot.",
      "bool", "evaluate", (ins "::llvm::ArrayRef<::std::vector<float>>":$operands,
                               "::std::vector<float> &":$result)>
  ];
}

def Kiln_ResidualFusionOpInterface : OpInterface<"ResidualFusionOpInterface"> {
  let description = [{
    Implemented by ops that can add a tensor of their result's type to the
    result before the epilogue activation: `act(f(x) + bias + residual)`.
    `-kiln-fuse-residual-add` folds a following `kiln.binary add` (a
    ResNet-style skip connection) into them.
  }];
  let cppNamespace = "::kiln";
  let methods = [
    InterfaceMethod<"The residual added before the activation, or null.",
      "::mlir::Value", "getResidual">,
    InterfaceMethod<"Sets the residual operand.",
      "void", "setResidual", (ins "::mlir::Value":$residual)>
  ];
}

def Kiln_FlopCountOpInterface : OpInterface<"FlopCountOpInterface"> {
  let description = [{
    Floating-point operations one execution of the op performs, counting a
    multiply-add as two, for `kiln compile --stats`. Ops that only move data
    (reshape, concat, pad, ...) do not implement it and count zero. The
    default is one operation per result element (elementwise ops).
  }];
  let cppNamespace = "::kiln";
  let methods = [
    InterfaceMethod<"Floating-point operations of one execution.",
      "int64_t", "getFlops", (ins), [{}], [{
        int64_t total = 0;
        for (::mlir::Type type : $_op->getResultTypes())
          if (auto tensor = ::llvm::dyn_cast<::mlir::RankedTensorType>(type))
            total += tensor.getNumElements();
        return total;
      }]>
  ];
}

def Kiln_InPlaceOpInterface : OpInterface<"InPlaceOpInterface"> {
  let description = [{
    Implemented by ops whose kernel may write its result over one of its
    operands: element `i` of the result is computed from element `i` of
    that operand before anything else writes there. `-kiln-plan-memory`
    then gives the result the operand's buffer when the operand dies at the
    op and has the result's size.
  }];
  let cppNamespace = "::kiln";
  let methods = [
    InterfaceMethod<"Whether the result may overwrite operand `index`.",
      "bool", "canOverwriteOperand", (ins "unsigned":$index)>
  ];
}

def Kiln_RowStrideOpInterface : OpInterface<"RowStrideOpInterface"> {
  let description = [{
    Implemented by ops whose kernel can write each row of the result's last
    axis (a pixel's channels) at a larger stride. `-kiln-plan-memory` then
    lets such a result land in its channel slice of a concatenation
    (`kiln.row_stride` gives the stride in elements), and the concatenation
    copies nothing for it.
  }];
  let cppNamespace = "::kiln";
  let methods = [
    InterfaceMethod<"Whether the kernel can write the result at a row stride.",
      "bool", "canWriteRowStride">
  ];
}

def Kiln_GradientOpInterface : OpInterface<"GradientOpInterface"> {
  let description = [{
    Implemented by every op training can differentiate. Given the gradients
    of the loss with respect to the op's results (null where no gradient
    reaches a result), the op builds, at the builder's insertion point, the
    ops computing the gradients with respect to the operands that `needed`
    marks; `-kiln-build-train-step` chains these in reverse program order.
    An op that uses one of its own values for this (an activation reads its
    result, a dense layer its input) keeps that value alive until then.
  }];
  let cppNamespace = "::kiln";
  let methods = [
    InterfaceMethod<[{
        Sets `operandGrads[i]` (sized like the operands, null on entry) for
        each operand `i` with `needed[i]`. Fails, with a diagnostic on the
        op, when a case has no gradient.
      }],
      "::mlir::LogicalResult", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ArrayRef<::mlir::Value>":$resultGrads,
           "::llvm::ArrayRef<bool>":$needed,
           "::llvm::MutableArrayRef<::mlir::Value>":$operandGrads)>
  ];
}

def Kiln_TrainingFormOpInterface : OpInterface<"TrainingFormOpInterface"> {
  let description = [{
    Implemented by layers that compute differently in training (Keras's
    `training=True`): BatchNormalization uses the batch's statistics and
    updates its moving ones. `-kiln-build-train-step` asks each such op in
    @train_step to replace itself by its training form before
    differentiating. Globals the training form writes are made mutable.
  }];
  let cppNamespace = "::kiln";
  let methods = [
    InterfaceMethod<[{
        Replaces the op (through `rewriter`) by its training form, or leaves
        it when it computes the same in training (a frozen layer).
      }],
      "::mlir::LogicalResult", "replaceWithTrainingForm",
      (ins "::mlir::RewriterBase &":$rewriter)>
  ];
}

#endif // KILN_INTERFACES_TD
