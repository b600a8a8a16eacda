// Embedding, Masking, the recurrent layers (SimpleRNN, LSTM, GRU) and the
// wrappers around them (Bidirectional, TimeDistributed).
//
// Keras 3 records every mask a layer receives as the call's `mask` keyword
// tensor (Embedding's mask_zero as `ids != 0`, Masking's as an `any` op), so
// masks arrive here as ordinary tensors: float 0/1 in kiln.
#include "LayerRegistry.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"

using namespace mlir;

namespace kiln::keras {
namespace {

SmallVector<Value> buildEmbedding(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value ids = singleInput(ctx, inputs);
  if (ctx.getInt("lora_rank", 0) > 0)
    ctx.fail("LoRA-enabled Embedding layers are not supported");
  if (ctx.get("quantization_config"))
    ctx.fail("quantized Embedding layers are not supported");
  int64_t vocab = ctx.getInt("input_dim"), dim = ctx.getInt("output_dim");
  if (vocab <= 0 || dim <= 0)
    ctx.fail("input_dim and output_dim must be positive, found " + std::to_string(vocab) +
             " and " + std::to_string(dim));
  Value table = ctx.weight(0, "embeddings", {vocab, dim});
  ctx.outputMask = Value();
  if (ctx.getBool("mask_zero", false))
    ctx.outputMask = CompareOp::create(
                         ctx.b, ctx.loc,
                         RankedTensorType::get(typeOf(ids).getShape(), ctx.b.getF32Type()), ids,
                         CompareKindAttr::get(ctx.b.getContext(), CompareKind::ne),
                         ctx.b.getF64FloatAttr(0.0))
                         .getResult();
  return {EmbeddingOp::create(ctx.b, ctx.loc, ids, table)};
}

/// Masking: the steps whose features all equal mask_value become zeros
/// (the mask itself is recorded as separate ops).
SmallVector<Value> buildMasking(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  auto type = typeOf(x);
  if (type.getRank() < 2)
    ctx.fail("expected an input of rank >= 2, found " + LayerContext::shapeString(x));
  double value = ctx.getFloat("mask_value", 0.0);
  MLIRContext *c = ctx.b.getContext();
  Value differs = CompareOp::create(ctx.b, ctx.loc, type, x,
                                    CompareKindAttr::get(c, CompareKind::ne),
                                    ctx.b.getF64FloatAttr(value));
  Value keep = ReduceOp::create(ctx.b, ctx.loc, differs, ReduceKindAttr::get(c, ReduceKind::max),
                                ctx.b.getI64IntegerAttr(type.getRank() - 1), ctx.b.getUnitAttr());
  SmallVector<int64_t> maskShape(type.getShape().drop_back());
  ctx.outputMask = reshapeTo(ctx, keep, maskShape);
  return {BinaryOp::create(ctx.b, ctx.loc, x, keep, BinaryKindAttr::get(c, BinaryKind::mul))};
}

/// An elementwise activation named in a recurrent layer's config.
ActivationKind cellActivation(const LayerContext &ctx, StringRef key, const char *fallback) {
  const llvm::json::Value *v = ctx.get(key);
  llvm::json::Value name(fallback);
  Activation act = parseActivation(ctx, v ? v : &name);
  if (act.form != Activation::Elementwise)
    ctx.fail(key.str() + " must be an elementwise activation");
  return act.kind;
}

struct RnnKind {
  RnnCellKind cell;
  const char *legacyCell; // the cell's name in legacy weight paths
};

/// SimpleRNN, LSTM, GRU: outputs the sequence or last output, then the
/// final states when return_state.
SmallVector<Value> buildRecurrent(LayerContext &ctx, ArrayRef<Value> inputs, RnnKind kind) {
  if (inputs.empty())
    ctx.fail("expected an input sequence");
  Value x = inputs.front();
  // Initial states come by keyword, or positionally after the sequence.
  SmallVector<Value> initial(ctx.keyword("initial_state"));
  initial.append(inputs.begin() + 1, inputs.end());
  auto type = typeOf(x);
  if (type.getRank() != 3)
    ctx.fail("expected a (batch, steps, features) input, found " + LayerContext::shapeString(x));
  if (ctx.getBool("stateful", false))
    ctx.fail("stateful recurrent layers are not supported: kiln compiles stateless inference");
  if (ctx.getBool("time_major", false))
    ctx.fail("time_major inputs are not supported");
  int64_t units = ctx.getInt("units");
  if (units <= 0)
    ctx.fail("units must be positive, found " + std::to_string(units));
  int64_t features = type.getDimSize(2);
  int64_t gates = kind.cell == RnnCellKind::simple ? 1 : kind.cell == RnnCellKind::lstm ? 4 : 3;
  // Keras 3 GRUs default to reset_after; Keras 2 configs always say.
  bool resetAfter = kind.cell == RnnCellKind::gru && ctx.getBool("reset_after", true);

  std::unique_ptr<WeightStore> cell = ctx.partStore("cell", {kind.legacyCell});
  Value kernel = ctx.partWeight(*cell, "cell", 0, "kernel", {features, gates * units});
  Value recurrent =
      ctx.partWeight(*cell, "cell", 1, "recurrent_kernel", {units, gates * units});
  Value bias;
  if (ctx.getBool("use_bias", true)) {
    if (resetAfter)
      bias = ctx.partWeight(*cell, "cell", 2, "bias", {2, gates * units}, {2 * gates * units});
    else
      bias = ctx.partWeight(*cell, "cell", 2, "bias", {gates * units});
  }

  int64_t numStates = kind.cell == RnnCellKind::lstm ? 2 : 1;
  if (!initial.empty() && int64_t(initial.size()) != numStates)
    ctx.fail("initial_state must hold " + std::to_string(numStates) + " tensor(s), found " +
             std::to_string(initial.size()));
  for (Value s : initial)
    if (typeOf(s).getShape() != ArrayRef<int64_t>{type.getDimSize(0), units})
      ctx.fail("initial state " + LayerContext::shapeString(s) + " must be (None, " +
               std::to_string(units) + ")");

  bool sequences = ctx.getBool("return_sequences", false);
  bool returnState = ctx.getBool("return_state", false);
  Type f32 = ctx.b.getF32Type();
  SmallVector<Type> resultTypes;
  resultTypes.push_back(sequences ? RankedTensorType::get({type.getDimSize(0),
                                                           type.getDimSize(1), units}, f32)
                                  : RankedTensorType::get({type.getDimSize(0), units}, f32));
  if (returnState)
    for (int64_t i = 0; i < numStates; ++i)
      resultTypes.push_back(RankedTensorType::get({type.getDimSize(0), units}, f32));

  MLIRContext *c = ctx.b.getContext();
  auto flag = [&](bool on) { return on ? ctx.b.getUnitAttr() : UnitAttr(); };
  auto op = RnnOp::create(
      ctx.b, ctx.loc, resultTypes.front(), ArrayRef<Type>(resultTypes).drop_front(), x, kernel,
      recurrent, bias, ctx.mask(), initial, RnnCellKindAttr::get(c, kind.cell),
      ActivationKindAttr::get(c, cellActivation(ctx, "activation", "tanh")),
      ActivationKindAttr::get(c, kind.cell == RnnCellKind::simple
                                     ? ActivationKind::sigmoid
                                     : cellActivation(ctx, "recurrent_activation", "sigmoid")),
      flag(ctx.getBool("go_backwards", false)), flag(sequences), flag(resetAfter),
      flag(ctx.getBool("zero_output_for_mask", false)));
  ctx.outputMask = sequences ? ctx.previousMask() : Value();
  return SmallVector<Value>(op->getResults());
}

/// A layer held in a wrapper's config ({"class_name": ..., "config": ...}).
LayerSpec innerSpec(const LayerContext &ctx, StringRef key) {
  const llvm::json::Value *v = ctx.get(key);
  const llvm::json::Object *o = v ? v->getAsObject() : nullptr;
  const llvm::json::Object *config = o ? o->getObject("config") : nullptr;
  if (!config || !o->getString("class_name"))
    ctx.fail("config field '" + key.str() + "' must describe a layer");
  LayerSpec spec;
  spec.className = o->getString("class_name")->str();
  spec.name = config->getString("name").value_or(spec.className).str();
  if (auto module = o->getString("module"))
    spec.module = module->str();
  spec.config = config;
  spec.entry = o;
  return spec;
}

/// Builds a wrapped layer through the registry.
SmallVector<Value> buildInner(LayerContext &ctx, const LayerSpec &spec, const WeightStore &store,
                              ArrayRef<Value> inputs, Value mask) {
  const LayerBuildFn *fn = LayerRegistry::get().lookup(spec.className);
  if (!fn)
    ctx.fail("wraps unsupported layer class '" + spec.className + "'");
  LayerContext inner = ctx.wrapped(spec, store);
  inner.keywordInputs.clear();
  if (mask)
    inner.keywordInputs.push_back({"mask", {mask}});
  try {
    return (*fn)(inner, inputs);
  } catch (const ImportError &e) {
    ctx.fail(spec.label() + ": " + e.what());
  }
}

/// (N, T, ...) reversed along T.
Value flipSteps(LayerContext &ctx, Value x) {
  auto type = typeOf(x);
  SmallVector<int64_t> strides = rowMajorStrides(type.getShape());
  int64_t offset = (type.getDimSize(1) - 1) * strides[1];
  strides[1] = -strides[1];
  return StridedViewOp::create(ctx.b, ctx.loc, type, x, offset, strides);
}

SmallVector<Value> buildBidirectional(LayerContext &ctx, ArrayRef<Value> inputs) {
  if (inputs.empty())
    ctx.fail("expected an input sequence");
  Value x = inputs.front();
  SmallVector<Value> initial(ctx.keyword("initial_state"));
  initial.append(inputs.begin() + 1, inputs.end());
  if (initial.size() % 2)
    ctx.fail("initial_state must split evenly between the two directions, found " +
             std::to_string(initial.size()) + " tensors");

  LayerSpec forward = innerSpec(ctx, "layer");
  // Without a backward_layer entry, the backward layer is the forward
  // config running the other way.
  LayerSpec backward;
  llvm::json::Object fwdConfig = *forward.config, bwdConfig;
  bool givenBackward = ctx.get("backward_layer") && ctx.get("backward_layer")->getAsObject();
  if (givenBackward) {
    backward = innerSpec(ctx, "backward_layer");
    bwdConfig = *backward.config;
  } else {
    backward = forward;
    bwdConfig = *forward.config;
    bwdConfig["go_backwards"] = !forward.config->getBoolean("go_backwards").value_or(false);
  }
  // Keras makes both directions output zeros at masked steps when they
  // return sequences.
  for (llvm::json::Object *config : {&fwdConfig, &bwdConfig})
    (*config)["zero_output_for_mask"] = config->getBoolean("return_sequences").value_or(false);
  forward.config = &fwdConfig;
  backward.config = &bwdConfig;
  // Keras names the two layers forward_<name> and backward_<name>; a
  // backward layer given by the user keeps its name.
  auto legacyName = [&](const LayerSpec &spec, const char *prefix) {
    if (givenBackward && std::string(prefix) == "backward_")
      return spec.name;
    return spec.name.rfind(prefix, 0) == 0 ? spec.name : prefix + spec.name;
  };
  std::unique_ptr<WeightStore> fwdStore =
      ctx.partStore("forward_layer", {legacyName(forward, "forward_")});
  std::unique_ptr<WeightStore> bwdStore =
      ctx.partStore("backward_layer", {legacyName(backward, "backward_")});
  forward.name = legacyName(forward, "forward_");
  backward.name = legacyName(backward, "backward_");

  SmallVector<Value> fwdIn{x}, bwdIn{x};
  fwdIn.append(initial.begin(), initial.begin() + initial.size() / 2);
  bwdIn.append(initial.begin() + initial.size() / 2, initial.end());
  SmallVector<Value> fwd = buildInner(ctx, forward, *fwdStore, fwdIn, ctx.mask());
  SmallVector<Value> bwd = buildInner(ctx, backward, *bwdStore, bwdIn, ctx.mask());
  Value y = fwd.front(), yRev = bwd.front();
  if (typeOf(yRev).getRank() == 3)
    yRev = flipSteps(ctx, yRev);

  SmallVector<Value> out;
  const llvm::json::Value *mode = ctx.layer.config->get("merge_mode");
  std::string merge = mode && mode->getAsString() ? mode->getAsString()->str()
                      : mode && mode->kind() == llvm::json::Value::Null ? "none"
                                                                        : "concat";
  MLIRContext *c = ctx.b.getContext();
  auto binary = [&](Value a, Value b, BinaryKind k) -> Value {
    return BinaryOp::create(ctx.b, ctx.loc, a, b, BinaryKindAttr::get(c, k));
  };
  bool sameShape = typeOf(y) == typeOf(yRev);
  if (!sameShape && merge != "concat" && merge != "none")
    ctx.fail("merge_mode '" + merge + "' needs both directions to have the same shape, found " +
             LayerContext::shapeString(y) + " and " + LayerContext::shapeString(yRev));
  if (merge == "concat") {
    out.push_back(ConcatOp::create(ctx.b, ctx.loc, ValueRange{y, yRev}, -1));
  } else if (merge == "sum") {
    out.push_back(binary(y, yRev, BinaryKind::add));
  } else if (merge == "mul") {
    out.push_back(binary(y, yRev, BinaryKind::mul));
  } else if (merge == "ave") {
    Value half = ctx.constant(0.5f, SmallVector<int64_t>(typeOf(y).getRank(), 1));
    out.push_back(binary(binary(y, yRev, BinaryKind::add), half, BinaryKind::mul));
  } else if (merge == "none") {
    out.append({y, yRev});
  } else {
    ctx.fail("merge_mode '" + merge + "' is not one of concat, sum, mul, ave or None");
  }
  out.append(fwd.begin() + 1, fwd.end());
  out.append(bwd.begin() + 1, bwd.end());
  ctx.outputMask = typeOf(y).getRank() == 3 ? ctx.previousMask() : Value();
  return out;
}

/// TimeDistributed: the wrapped layer on (N·T, ...) samples.
SmallVector<Value> buildTimeDistributed(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = singleInput(ctx, inputs);
  auto type = typeOf(x);
  if (type.getRank() < 3)
    ctx.fail("expected an input of rank >= 3 (batch, steps, ...), found " +
             LayerContext::shapeString(x));
  LayerSpec inner = innerSpec(ctx, "layer");
  std::unique_ptr<WeightStore> store = ctx.partStore("layer", {inner.name});
  int64_t n = type.getDimSize(0), t = type.getDimSize(1);
  SmallVector<int64_t> folded{n * t};
  folded.append(type.getShape().begin() + 2, type.getShape().end());
  Value flat = reshapeTo(ctx, x, folded);
  SmallVector<Value> ys = buildInner(ctx, inner, *store, {flat}, Value());
  SmallVector<Value> out;
  for (Value y : ys) {
    auto yt = typeOf(y);
    if (yt.getRank() < 1 || yt.getDimSize(0) != n * t)
      ctx.fail("the wrapped layer changed the sample count");
    SmallVector<int64_t> shape{n, t};
    shape.append(yt.getShape().begin() + 1, yt.getShape().end());
    out.push_back(reshapeTo(ctx, y, shape));
  }
  return out;
}

} // namespace

void registerSequenceLayers(LayerRegistry &registry) {
  registry.add("Embedding", buildEmbedding);
  registry.addIdConsumer("Embedding", /*rawOp=*/false);
  registry.add("Masking", buildMasking);
  registry.add("SimpleRNN", [](LayerContext &ctx, ArrayRef<Value> in) {
    return buildRecurrent(ctx, in, {RnnCellKind::simple, "simple_rnn_cell"});
  });
  registry.add("LSTM", [](LayerContext &ctx, ArrayRef<Value> in) {
    return buildRecurrent(ctx, in, {RnnCellKind::lstm, "lstm_cell"});
  });
  registry.add("GRU", [](LayerContext &ctx, ArrayRef<Value> in) {
    return buildRecurrent(ctx, in, {RnnCellKind::gru, "gru_cell"});
  });
  registry.add("Bidirectional", buildBidirectional);
  registry.add("TimeDistributed", buildTimeDistributed);
}

} // namespace kiln::keras
