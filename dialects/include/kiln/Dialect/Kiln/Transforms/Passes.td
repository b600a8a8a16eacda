#ifndef KILN_TRANSFORMS_PASSES_TD
#define KILN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def DropInferenceNoOps : Pass<"kiln-drop-inference-noops"> {
  let summary = "Remove layers that are the identity at inference";
  let description = [{
    Replaces every op implementing `InferenceNoOpInterface` (Dropout,
    Identity, ...) by the value it forwards.

    ```mlir
    %1 = kiln.dropout %0 {rate = 5.0e-01 : f32} : tensor<1x8xf32>
    return %1 : tensor<1x8xf32>
    // becomes
    return %0 : tensor<1x8xf32>
    ```
  }];
  let dependentDialects = ["::kiln::KilnDialect"];
}

def FoldBatchNorm : Pass<"kiln-fold-batch-norm", "::mlir::ModuleOp"> {
  let summary = "Fold inference BatchNormalization into the Dense or Conv before it";
  let description = [{
    A `kiln.batch_norm` over the channel (last) axis whose input comes only
    from an op implementing `ChannelLinearOpInterface` with a linear
    epilogue and constant weights becomes part of that op:
    `kernel[..., f] * s[f]` and `(bias[f] - mean[f]) * s[f] + beta[f]` with
    `s = gamma / sqrt(variance + epsilon)`, as new weight globals. The
    producer's old weights stay for other users; unused ones are dropped by
    `-kiln-plan-weights`.

    ```mlir
    %c = kiln.conv2d %x, %k, %b {...} : (...) -> tensor<1x8x8x16xf32>
    %y = kiln.batch_norm %c, %mean, %var gamma %g beta %be {axis = 3 : i64, ...}
    // becomes
    %y = kiln.conv2d %x, %k_folded, %b_folded {...} : (...) -> tensor<1x8x8x16xf32>
    ```
  }];
  let dependentDialects = ["::mlir::ml_program::MLProgramDialect"];
}

def FuseActivation : Pass<"kiln-fuse-activation"> {
  let summary = "Fold elementwise activations into the op that produces their input";
  let description = [{
    A `kiln.activation` whose input comes from an op implementing
    `ActivationFusionOpInterface` with a linear epilogue, and is used by
    nothing else, becomes that op's epilogue.

    ```mlir
    %1 = kiln.dense %x, %k, %b : (...) -> tensor<1x8xf32>
    %2 = kiln.activation %1 {kind = #kiln.activation<relu>} : tensor<1x8xf32>
    // becomes
    %2 = kiln.dense %x, %k, %b {activation = #kiln.activation<relu>} : (...) -> tensor<1x8xf32>
    ```
  }];
  let dependentDialects = ["::kiln::KilnDialect"];
}

def PlanWeights : Pass<"kiln-plan-weights", "::mlir::ModuleOp"> {
  let summary = "Lay out all constant weights in one 64-byte aligned blob";
  let description = [{
    Gives every immutable `ml_program.global` a `kiln.weight_offset` (bytes
    into the weight blob, 64-byte aligned) in symbol order and records the
    blob size as the module attribute `kiln.weight_bytes`. Globals that no
    longer have users are erased first.
  }];
  let dependentDialects = ["::mlir::ml_program::MLProgramDialect"];
}

def PlanMemory : Pass<"kiln-plan-memory", "::mlir::func::FuncOp"> {
  let summary = "Assign every intermediate tensor an offset in one static arena";
  let description = [{
    Computes each op result's live range over the function body and places
    the results in one arena, largest first, each at the lowest 64-byte
    aligned offset that does not overlap a buffer live at the same time
    (greedy by size). A result that the function returns is written straight
    into that output instead (`kiln.output_index`). Scratch memory requested
    through `ScratchOpInterface` lives only during its op.

    Attributes written: `kiln.arena_offset` or `kiln.output_index` on ops,
    `kiln.scratch_offset` on ops needing scratch, and on the function
    `kiln.arena_bytes` and `kiln.liveness_lower_bound_bytes` (the largest
    total of bytes live at one time; the arena can be no smaller).
  }];
  let dependentDialects = ["::kiln::KilnDialect"];
}

#endif // KILN_TRANSFORMS_PASSES_TD
