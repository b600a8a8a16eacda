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

def Kiln_ChannelLinearOpInterface : OpInterface<"ChannelLinearOpInterface"> {
  let description = [{
    Implemented by ops computing `x * kernel + bias` whose result channel `f`
    (the result's last axis) comes from the kernel's last axis alone (Dense,
    Conv2D, grouped and depthwise included). A per-channel affine map after
    such an op (an inference BatchNormalization) folds into its kernel and
    bias: `-kiln-fold-batch-norm`.
  }];
  let cppNamespace = "::kiln";
  let methods = [
    InterfaceMethod<"The kernel, output channels on its last axis.",
      "::mlir::Value", "getKernel">,
    InterfaceMethod<"The bias, or null.", "::mlir::Value", "getBias">,
    InterfaceMethod<"Replaces the kernel and the bias (which may be new).",
      "void", "setKernelAndBias", (ins "::mlir::Value":$kernel, "::mlir::Value":$bias)>
  ];
}

#endif // KILN_INTERFACES_TD
