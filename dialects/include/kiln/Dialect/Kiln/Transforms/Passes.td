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

def FoldConstants : Pass<"kiln-fold-constants", "::mlir::ModuleOp"> {
  let summary = "Evaluate ops whose operands are all constant weights";
  let description = [{
    An op implementing `ConstantFoldOpInterface` (binary arithmetic,
    reshape, strided views, concatenation) whose operands all load constant
    weights is computed at compile time and replaced by a load of a new
    weight global holding its result. Folds run in program order, so whole
    constant subgraphs fold. Weights that were reshaped or transposed before
    use (a PReLU alpha, an attention scale) thereby become plain constants
    that later passes can fold into kernels. Inference only: in training the
    weights change.

    ```mlir
    %a = ml_program.global_load_const @alpha : tensor<4xf32>
    %r = kiln.reshape %a : (tensor<4xf32>) -> tensor<1x4xf32>
    // becomes
    %r = ml_program.global_load_const @alpha.folded : tensor<1x4xf32>
    ```
  }];
  let dependentDialects = ["::mlir::ml_program::MLProgramDialect"];
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

def BatchNormToAffine : Pass<"kiln-batch-norm-to-affine", "::mlir::ModuleOp"> {
  let summary = "Turn the BatchNormalizations left after folding into x * scale + shift";
  let description = [{
    A `kiln.batch_norm` that `-kiln-fold-batch-norm` could not fold (it
    follows a concatenation, pooling or an activation, as in DenseNet's
    pre-activation blocks) becomes `kiln.binary` mul and add with constant
    per-channel `scale = gamma / sqrt(variance + epsilon)` and
    `shift = beta - mean * scale`, computed as the runtime kernel does. The
    ReLU that usually follows then fuses with it into one
    `kiln.elementwise` (`-kiln-fuse-elementwise`).

    ```mlir
    %y = kiln.batch_norm %x, %mean, %var gamma %g beta %b {axis = 3 : i64, ...}
    // becomes
    %s = ml_program.global_load_const @mean.scale : tensor<1x1x1x16xf32>
    %t = ml_program.global_load_const @mean.shift : tensor<1x1x1x16xf32>
    %0 = kiln.binary %x, %s {kind = #kiln.binary<mul>} : ...
    %y = kiln.binary %0, %t {kind = #kiln.binary<add>} : ...
    ```
  }];
  let dependentDialects = ["::mlir::ml_program::MLProgramDialect", "::kiln::KilnDialect"];
}

def FoldInputAffine : Pass<"kiln-fold-input-affine", "::mlir::ModuleOp"> {
  let summary = "Fold per-channel scaling and shifting (Rescaling, Normalization) into the next Dense or Conv";
  let description = [{
    A chain of `kiln.binary` add, sub, mul or div (by a constant on either
    side, except `c / x`) whose constants broadcast along the last axis only
    is a per-channel affine map `x * s + t`. When it feeds only an op
    implementing `ChannelLinearOpInterface` with constant weights, it
    becomes part of that op: `kernel[.., c, f] * s[c]` and
    `bias[f] + sum over the kernel of kernel * t[c]`, as new weight globals.

    The fold is exact where the op reads no padding. A convolution that
    pads with zeros would pad the normalized input with zeros, so there only
    the maps nearest the op whose composition has no shift (`t = 0`, as a
    Normalization's division or a Rescaling without offset) are folded, and
    the rest of the chain stays.

    ```mlir
    %0 = kiln.binary %x, %mean {kind = #kiln.binary<sub>} : ...
    %1 = kiln.binary %0, %std {kind = #kiln.binary<div>} : ...
    %y = kiln.dense %1, %k, %b : ...
    // becomes
    %y = kiln.dense %x, %k_folded, %b_folded : ...
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

def FuseResidualAdd : Pass<"kiln-fuse-residual-add"> {
  let summary = "Fold a skip-connection add into the Dense or Conv producing one operand";
  let description = [{
    A `kiln.binary add` of two tensors of its result's type, one of which
    comes only from an op implementing `ResidualFusionOpInterface` with no
    activation and no residual yet, becomes that op's residual epilogue:
    the op adds the other operand before its activation. Run before
    `-kiln-fuse-activation`, so the ReLU after a ResNet block's add folds in
    too. The producer moves down to the add when the other operand is
    computed after it.

    ```mlir
    %c = kiln.conv2d %x, %k, %b {...} : (...) -> tensor<1x8x8x16xf32>
    %y = kiln.binary %c, %skip {kind = #kiln.binary<add>} : (...) -> tensor<1x8x8x16xf32>
    // becomes
    %y = kiln.conv2d %x, %k, %b residual %skip {...} : (...) -> tensor<1x8x8x16xf32>
    ```
  }];
  let dependentDialects = ["::kiln::KilnDialect"];
}

def FuseElementwise : Pass<"kiln-fuse-elementwise"> {
  let summary = "Fuse chains of elementwise ops into one kiln.elementwise";
  let description = [{
    Gathers each tree of `kiln.binary` and `kiln.activation` ops whose
    inner results have the root's type and no reader outside the tree
    (hard-swish, masked-softmax scores, gating products) into one
    `kiln.elementwise`, computed in one pass over the data with no
    intermediate tensors. Leaves of the tree become its inputs (broadcast
    ones included). Runs after the epilogue fusions, so it only takes what
    Dense and Conv could not absorb.

    ```mlir
    %0 = kiln.binary %x, %three {kind = #kiln.binary<add>} : ...
    %1 = kiln.activation %0 {kind = #kiln.activation<relu6>} : tensor<1x8xf32>
    %2 = kiln.binary %x, %1 {kind = #kiln.binary<mul>} : ...
    // becomes
    %2 = kiln.elementwise %x, %three : (...) -> tensor<1x8xf32> {
    ^bb0(%a: f32, %b: f32):
      %s = kiln.scalar_binary %a, %b {kind = #kiln.binary<add>} : f32
      %r = kiln.scalar_activation %s {kind = #kiln.activation<relu6>} : f32
      %m = kiln.scalar_binary %a, %r {kind = #kiln.binary<mul>} : f32
      kiln.yield %m : f32
    }
    ```
  }];
  let dependentDialects = ["::kiln::KilnDialect"];
}

def FoldPadIntoConv : Pass<"kiln-fold-pad-into-conv"> {
  let summary = "Fold zero padding of rows and columns into the convolution reading it";
  let description = [{
    A `kiln.conv2d` whose input is a `kiln.pad` of the height and width axes
    reads the unpadded tensor and adds the pad's sizes to its own `padding`:
    the convolution treats out-of-range pixels as zeros already, so the
    padded copy is never made. The pad stays if something else reads it.

    ```mlir
    %p = kiln.pad %x {low = array<i64: 0, 1, 1, 0>, high = array<i64: 0, 1, 1, 0>} : ...
    %y = kiln.conv2d %p, %k {padding = array<i64: 0, 0, 0, 0>, ...} : ...
    // becomes
    %y = kiln.conv2d %x, %k {padding = array<i64: 1, 1, 1, 1>, ...} : ...
    ```
  }];
  let dependentDialects = ["::kiln::KilnDialect"];
}

def DedupWeights : Pass<"kiln-dedup-weights", "::mlir::ModuleOp"> {
  let summary = "Keep one copy of weight tensors with identical type and bytes";
  let description = [{
    Shared layers already load one weight from every call site. This pass
    also merges weights that are equal by content (the same initializer in
    two layers, a nested model saved twice): globals are grouped by type
    and a hash of their bytes, compared byte for byte, and every duplicate's
    loads are redirected to the first copy. CSE afterwards merges identical
    subgraphs that now read the same weights and inputs.
  }];
  let dependentDialects = ["::mlir::ml_program::MLProgramDialect"];
}

def SelectWinograd : Pass<"kiln-select-winograd", "::mlir::ModuleOp"> {
  let summary = "Run 3x3 stride-1 convolutions as Winograd F(4x4, 3x3) where it pays";
  let description = [{
    Marks a constant 3x3 kernel whose every reader is an ungrouped
    `kiln.conv2d` at stride 1 and dilation 1 with `kiln.winograd`: the
    weight blob then stores U = G g Gᵀ, 36 panel-packed (C x F) matrices
    (`kiln::rt::winograd_f43_pack`), and each reader, marked with
    `kiln.winograd` = its tile block, runs `conv2d_winograd_f43_f32` with
    scratch for that many 4x4 output tiles. F(4x4, 3x3) spends 36
    multiplications per tile and channel pair instead of 144; kiln's
    benchmarks measure 1.5x to 2.4x on ResNet's 3x3 layers. It does not
    pay, and is not chosen, where the tiles waste more than 30 % of their
    pixels (a 9x9 image takes 12x12), with fewer than 16 input or output
    channels (the transforms dominate), with fewer than 4 tiles, or where
    a transformed kernel over 4 MiB would be streamed for fewer than 12
    tiles (ResNet50's 7x7x512 layers at batch 1). Runs before
    `-kiln-prepack-weights`, which leaves such kernels alone.

    ```mlir
    ml_program.global private @k(...) : tensor<3x3x16x16xf32> {kiln.winograd}
    %y = kiln.conv2d %x, %k {..., kiln.winograd = 12 : i64} : ...
    ```
  }];
  let dependentDialects = ["::mlir::ml_program::MLProgramDialect"];
}

def PrepackWeights : Pass<"kiln-prepack-weights", "::mlir::ModuleOp"> {
  let summary = "Store weight kernels in the panel layout their kernels read";
  let description = [{
    Marks every constant weight that every reader takes as panels
    (`PanelKernelOpInterface`: the kernel of a `kiln.dense` or an
    ungrouped `kiln.conv2d`, the input and recurrent kernels of a
    `kiln.rnn`) with `kiln.panel_width` (16), and lists the operand in each
    reader's `kiln.panel_operands`, unless the padding would make it more
    than 1.5 times larger (fewer than 11 output columns, or 17 to 21, ...):
    narrow layers keep the plain kernel. The weight's value in IR stays the
    logical (K x N) matrix (a conv kernel is (KH*KW*C) x F); the weight
    blob stores it as ceil(N / 16) panels of K rows of 16 floats, zero
    padded, which the packed kernels (`kiln::rt::dense_packed_f32`,
    `conv2d_packed_f32`, `rnn_f32`) stream through their register-blocked
    microkernels: nothing is packed at run time. Runs after every pass that
    reads weight values (folding, dedup).
  }];
  let dependentDialects = ["::mlir::ml_program::MLProgramDialect"];
}

def PackAtRunTime : Pass<"kiln-pack-at-run-time", "::mlir::ModuleOp"> {
  let summary = "Have trained Dense and Conv kernels read as panels at run time";
  let description = [{
    For training builds, whose weights change and cannot be prepacked.
    Every op that can read its kernel as panels and pack it on every call
    (`PanelKernelOpInterface::canPackAtRunTime`: `kiln.dense`, ungrouped
    `kiln.conv2d`) and reads no operand as stored panels runs the
    register-blocked packed kernel, one of two ways:
    - a kernel whose last axis is a multiple of the panel width (16) is
      read where it lies, its panels' rows that many floats apart:
      `kiln.panels_in_place`, no scratch and no packing pass;
    - any other, narrow ones too, is marked `kiln.pack_at_run_time`: the op
      takes scratch memory for the kernel in zero-padded panels
      (`ScratchOpInterface`) and packs it there on every call (the padding
      costs scratch, not stored bytes).
    (`kiln.rnn` decides for itself from its row counts, `kiln::rt::rnn_f32`.)
  }];
}

def WinogradAtRunTime : Pass<"kiln-winograd-at-run-time", "::mlir::ModuleOp"> {
  let summary = "Run trained 3x3 stride-1 convolutions and their input gradients as Winograd F(4x4, 3x3)";
  let description = [{
    For training builds, whose kernels change every step and cannot be
    stored transformed (`-kiln-select-winograd`). Marks each ungrouped
    `kiln.conv2d`, and each `kiln.conv2d_grad_input` (the convolution of
    dy by the flipped kernel, padded 2 - pad) with top and left padding
    at most 2, where `kiln::winogradTileBlock` finds that Winograd pays,
    with `kiln.winograd_at_run_time` = its tile block. Such an op takes
    scratch for U = G g Gᵀ and its tiles and transforms the HWIO kernel
    on every call (`kiln::rt::conv2d_winograd_f43_hwio_f32`,
    `conv2d_grad_input_winograd_f43_f32`). Runs before
    `-kiln-pack-at-run-time`, which leaves the marked convolutions alone.

    ```mlir
    %y = kiln.conv2d %x, %k {..., kiln.winograd_at_run_time = 12 : i64} : ...
    %dx = kiln.conv2d_grad_input %dy, %k {..., kiln.winograd_at_run_time = 12 : i64} : ...
    ```
  }];
}

def SaveRnnStates : Pass<"kiln-save-rnn-states", "::mlir::func::FuncOp"> {
  let summary = "Have a training step's SimpleRNN and LSTM layers keep their states for backpropagation";
  let description = [{
    Pairs each `kiln.rnn_grad` of a SimpleRNN or LSTM cell with the
    `kiln.rnn` it differentiates (the same operands and attributes) and
    replaces that `kiln.rnn` by a `kiln.rnn_train`, which also returns
    every step's pre-activations and states; the `kiln.rnn_grad` takes
    them as its `saved` operand and no longer runs the recurrence again.
    That costs the memory of the saved tensor, planned with the rest. GRU
    cells are left alone (their gradient recomputes its gates).
  }];
}

def PlanWeights : Pass<"kiln-plan-weights", "::mlir::ModuleOp"> {
  let summary = "Lay out all constant weights in one 64-byte aligned blob";
  let description = [{
    Gives every `ml_program.global` (trained ones start from their value) a
    `kiln.weight_offset` (bytes
    into the weight blob, 64-byte aligned) in symbol order and records the
    blob size as the module attribute `kiln.weight_bytes`; a weight stored
    as panels (`kiln.panel_width`) takes its padded size. Globals that no
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
    (greedy by size; the plan also tries placing by first use and by
    lifetime and keeps the smallest arena). A result that the function
    returns is written straight into that output instead
    (`kiln.output_index`). Scratch memory requested through
    `ScratchOpInterface` lives only during its op. An op implementing
    `InPlaceOpInterface` writes its result over an operand that dies at the
    op and has the result's size (`kiln.in_place` names that operand).
    A concatenation's inputs that it alone reads are written by their
    producers straight into their part of its result: any producer where
    that part is one contiguous run, a `RowStrideOpInterface` producer
    (convolutions) at a row stride for a concatenation over channels
    (`kiln.row_stride`); `kiln.written_inputs` lists them, and the
    concatenation copies only the rest. Because this makes the result live
    from its first input on, the plan is also made without it and the
    smaller arena wins.

    Attributes written: `kiln.arena_offset` or `kiln.output_index` on ops,
    `kiln.scratch_offset` on ops needing scratch, `kiln.in_place`,
    `kiln.row_stride` and `kiln.written_inputs` as above, and on the function
    `kiln.arena_bytes` and `kiln.liveness_lower_bound_bytes` (the largest
    total of bytes live at one time; the arena can be no smaller).
  }];
  let dependentDialects = ["::kiln::KilnDialect"];
}

def InstrumentProfile : Pass<"kiln-instrument-profile", "::mlir::func::FuncOp"> {
  let summary = "Time every kiln op of a planned function (kiln bench --profile)";
  let description = [{
    Wraps each kiln op of the function body in `kiln.profile_begin N` /
    `kiln.profile_end N`, one slot per op in program order, and records on
    the function, as `kiln.profile`, one entry per slot: the Keras layers
    the op computes (its location: several after fusion, "a (Conv2D) +
    b (ReLU)") and its FLOPs per forward pass. Runs last, after memory
    planning, so the timed code is the code users run.

    ```mlir
    %1 = kiln.dense %x, %k, %b : (...) -> tensor<1x8xf32> loc("fc (Dense)")
    // becomes
    kiln.profile_begin 0
    %1 = kiln.dense %x, %k, %b : (...) -> tensor<1x8xf32> loc("fc (Dense)")
    kiln.profile_end 0
    // and the function gets kiln.profile with one dictionary,
    //   {flops = 272 : i64, layers = "fc (Dense)"}
    ```
  }];
  let dependentDialects = ["::kiln::KilnDialect"];
}

def BuildTrainStep : Pass<"kiln-build-train-step", "::mlir::ModuleOp"> {
  let summary = "Derive @train_step (forward, losses, backward, optimizer) from @forward";
  let description = [{
    Reads the module attribute `kiln.training` (the importer writes it from
    the model's compile_config and kiln compile's flags): `losses`, one
    dictionary per model output with the `kiln.loss` attributes and a loss
    `weight`, and `optimizer`, the `kiln.optimizer_update` attributes.

    `metrics` (optional) holds one list per output of `{name, metric,
    threshold}`: Keras's log name, and a Keras metric function name
    (`accuracy` resolves as Keras's get_metric does, from the output's
    last axis and its loss's targets).

    Clones `@forward` into `@evaluate` (inference mode) and `@train_step`.
    Both take the model inputs then one target per output and return each
    output's unweighted loss (`tensor<1xf32>`), then each `kiln.metric`,
    their results named as Keras logs them. Every float weight global not marked `kiln.frozen`
    becomes mutable and is read with `ml_program.global_load` in both
    functions. Gradients start at `kiln.loss_grad` (scaled by the loss
    weight) and flow back through each op's `GradientOpInterface`, in
    reverse program order, only into values that depend on a trainable
    weight: nothing is computed for frozen layers or the input's gradient.
    Gradients reaching a value from several users (a shared layer, a skip
    connection) are added. Each trainable weight then gets one
    `kiln.optimizer_update` with its slot offset in the training state,
    whose size is recorded as `kiln.state_bytes` on the module.

    ```mlir
    module attributes {kiln.training = {
        losses = [{kind = #kiln.loss<mean_squared_error>, weight = 1.0 : f32} ],
        optimizer = {kind = #kiln.optimizer<sgd>, learning_rate = 0.1 : f32}}} {
      func.func @forward(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
        %k = ml_program.global_load_const @d.kernel : tensor<3x2xf32>
        %y = kiln.dense %x, %k : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
        return %y : tensor<4x2xf32>
      }
    }
    // adds
    func.func @train_step(%x: tensor<4x3xf32>, %t: tensor<4x2xf32>) -> tensor<1xf32> {
      %k = ml_program.global_load @d.kernel : tensor<3x2xf32>
      %y = kiln.dense %x, %k : (...) -> tensor<4x2xf32>
      %l = kiln.loss %y, %t {kind = #kiln.loss<mean_squared_error>} : (...) -> tensor<1xf32>
      %g = kiln.loss_grad %y, %t {kind = #kiln.loss<mean_squared_error>} : (...) -> tensor<4x2xf32>
      %dk = kiln.dense_grad_kernel %x, %g : (...) -> tensor<3x2xf32>
      kiln.optimizer_update %dk {weight = @d.kernel, kind = #kiln.optimizer<sgd>, ...}
      return %l : tensor<1xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::ml_program::MLProgramDialect", "::kiln::KilnDialect"];
}

#endif // KILN_TRANSFORMS_PASSES_TD
