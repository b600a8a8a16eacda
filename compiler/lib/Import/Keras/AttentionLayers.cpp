// Attention (Luong dot / Bahdanau-style concat scores) and
// MultiHeadAttention, built from dense, matmul, softmax and elementwise ops.
#include "LayerRegistry.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"

#include <cfloat>
#include <cmath>

using namespace mlir;

namespace kiln::keras {
namespace {

Value binary(LayerContext &ctx, Value a, Value b, BinaryKind kind) {
  return BinaryOp::create(ctx.b, ctx.loc, a, b, BinaryKindAttr::get(ctx.b.getContext(), kind));
}

Value scalar(LayerContext &ctx, float value, int64_t rank) {
  return ctx.constant(value, SmallVector<int64_t>(rank, 1));
}

/// `x` where `mask` is 1, `fill` where it is 0: x·mask + (mask − 1)·|fill|
/// is exact for 0/1 masks.
Value maskLogits(LayerContext &ctx, Value x, Value mask, float fill) {
  int64_t rank = typeOf(x).getRank();
  Value kept = binary(ctx, x, mask, BinaryKind::mul);
  Value masked = binary(ctx, binary(ctx, mask, scalar(ctx, 1.0f, rank), BinaryKind::sub),
                        scalar(ctx, std::fabs(fill), rank), BinaryKind::mul);
  return binary(ctx, kept, masked, BinaryKind::add);
}

/// A boolean keyword literal of the call (use_causal_mask=True).
bool callFlag(const LayerContext &ctx, StringRef name) {
  if (!ctx.call.kwargs)
    return false;
  return ctx.call.kwargs->getBoolean(name).value_or(false);
}

/// (1, T, S) lower-triangular 0/1: query step i sees key steps j <= i.
Value causalMask(LayerContext &ctx, int64_t t, int64_t s) {
  std::vector<float> values(t * s);
  for (int64_t i = 0; i < t; ++i)
    for (int64_t j = 0; j < s; ++j)
      values[i * s + j] = j <= i ? 1.0f : 0.0f;
  return ctx.constantTensor(values, {1, t, s});
}

/// Attention([query, value(, key)]): softmax(scores) · value, where scores
/// are query·keyᵀ (times `scale` with use_scale) for score_mode "dot", and
/// concat_score_weight · Σ tanh(scale · (q + k)) for "concat".
SmallVector<Value> buildAttention(LayerContext &ctx, ArrayRef<Value> inputs) {
  if (inputs.size() != 2 && inputs.size() != 3)
    ctx.fail("expected [query, value] or [query, value, key], found " +
             std::to_string(inputs.size()) + " tensors");
  Value q = inputs[0], v = inputs[1], k = inputs.size() > 2 ? inputs[2] : inputs[1];
  auto qt = typeOf(q), vt = typeOf(v), kt = typeOf(k);
  if (qt.getRank() != 3 || vt.getRank() != 3 || kt.getRank() != 3 ||
      qt.getDimSize(2) != kt.getDimSize(2) || vt.getDimSize(1) != kt.getDimSize(1))
    ctx.fail("expected query (N, Tq, d), value (N, Tv, dv) and key (N, Tv, d), found " +
             LayerContext::shapeString(q) + ", " + LayerContext::shapeString(v) + ", " +
             LayerContext::shapeString(k));
  if (ctx.getFloat("dropout", 0.0) < 0.0)
    ctx.fail("dropout must not be negative");
  int64_t n = qt.getDimSize(0), tq = qt.getDimSize(1), tv = vt.getDimSize(1),
          d = qt.getDimSize(2);
  std::string mode = ctx.getString("score_mode", "dot");
  bool useScale = ctx.getBool("use_scale", false);
  int index = 0;
  Value scale = useScale ? ctx.weightAs(index++, "scale", {}, {1, 1, 1}) : Value();

  Value scores;
  if (mode == "dot") {
    scores = MatmulOp::create(ctx.b, ctx.loc, q, permuteAxes(ctx, k, {0, 2, 1}));
    if (scale)
      scores = binary(ctx, scores, scale, BinaryKind::mul);
  } else if (mode == "concat") {
    Value weight = ctx.weightAs(index++, "concat_score_weight", {}, {1, 1, 1});
    Value sum = binary(ctx, reshapeTo(ctx, q, {n, tq, 1, d}), reshapeTo(ctx, k, {n, 1, tv, d}),
                       BinaryKind::add);
    if (scale)
      sum = binary(ctx, sum, reshapeTo(ctx, scale, {1, 1, 1, 1}), BinaryKind::mul);
    Value act = ActivationOp::create(ctx.b, ctx.loc, sum,
                                     ActivationKindAttr::get(ctx.b.getContext(),
                                                             ActivationKind::tanh));
    scores = ReduceOp::create(ctx.b, ctx.loc, act,
                              ReduceKindAttr::get(ctx.b.getContext(), ReduceKind::sum),
                              ctx.b.getI64IntegerAttr(3), UnitAttr());
    scores = binary(ctx, scores, weight, BinaryKind::mul);
  } else {
    ctx.fail("score_mode '" + mode + "' is not dot or concat");
  }

  // mask=[query_mask, value_mask], either of them None: as recorded, else
  // the masks riding on query and value.
  Value queryMask = ctx.inputMasks.size() > 0 ? ctx.inputMasks[0] : Value();
  Value valueMask = ctx.inputMasks.size() > 1 ? ctx.inputMasks[1] : Value();
  if (const llvm::json::Value *m = ctx.call.kwargs ? ctx.call.kwargs->get("mask") : nullptr) {
    queryMask = valueMask = Value();
    ArrayRef<Value> given = ctx.keyword("mask");
    size_t next = 0;
    if (const llvm::json::Array *list = m->getAsArray())
      for (size_t i = 0; i < list->size() && i < 2; ++i)
        if ((*list)[i].kind() != llvm::json::Value::Null && next < given.size())
          (i == 0 ? queryMask : valueMask) = given[next++];
  }
  Value scoreMask = valueMask ? reshapeTo(ctx, valueMask, {n, 1, tv}) : Value();
  if (callFlag(ctx, "use_causal_mask")) {
    Value causal = causalMask(ctx, tq, tv);
    scoreMask = scoreMask ? binary(ctx, scoreMask, causal, BinaryKind::min) : causal;
  }
  if (scoreMask)
    scores = maskLogits(ctx, scores, scoreMask, 1.0e9f); // Keras subtracts 1e9
  Value weights = SoftmaxOp::create(ctx.b, ctx.loc, scores, -1);
  Value out = MatmulOp::create(ctx.b, ctx.loc, weights, v);
  if (queryMask)
    out = binary(ctx, out, reshapeTo(ctx, queryMask, {n, tq, 1}), BinaryKind::mul);
  ctx.outputMask = queryMask;
  if (callFlag(ctx, "return_attention_scores"))
    return {out, weights};
  return {out};
}

/// One EinsumDense projection of MultiHeadAttention as a Dense over the
/// last axis: kernel (in, heads, dim) is used as (in, heads·dim).
Value project(LayerContext &ctx, Value x, const char *part, const char *legacy,
              int64_t heads, int64_t dim, bool useBias) {
  int64_t in = typeOf(x).getShape().back();
  std::unique_ptr<WeightStore> store = ctx.partStore(part, {legacy});
  Value kernel = ctx.partWeight(*store, part, 0, "kernel", {in, heads, dim}, {in, heads * dim});
  Value bias = useBias ? ctx.partWeight(*store, part, 1, "bias", {heads, dim}, {heads * dim})
                       : Value();
  return DenseOp::create(ctx.b, ctx.loc, x, kernel, bias);
}

/// (N, T, H·D) → (N, H, T, D).
Value splitHeads(LayerContext &ctx, Value x, int64_t heads) {
  auto type = typeOf(x);
  int64_t n = type.getDimSize(0), t = type.getDimSize(1), hd = type.getDimSize(2);
  return permuteAxes(ctx, reshapeTo(ctx, x, {n, t, heads, hd / heads}), {0, 2, 1, 3});
}

SmallVector<Value> buildMultiHeadAttention(LayerContext &ctx, ArrayRef<Value> inputs) {
  // query and value positionally or by keyword; key optional. Their masks
  // ride on them (Keras reads query's, and value's and key's unless given).
  SmallVector<Value> args(inputs), argMasks(ctx.inputMasks);
  for (const char *name : {"query", "value", "key"})
    if (!ctx.keyword(name).empty()) {
      args.push_back(ctx.keyword(name).front());
      argMasks.push_back(ctx.keywordMasks.lookup(ctx.keyword(name).front()));
    }
  if (args.size() < 2 || args.size() > 3)
    ctx.fail("expected query, value and optionally key, found " + std::to_string(args.size()) +
             " tensors");
  Value q = args[0], v = args[1], k = args.size() > 2 ? args[2] : args[1];
  for (Value t : {q, v, k})
    if (typeOf(t).getRank() != 3)
      ctx.fail("kiln compiles MultiHeadAttention on (batch, steps, features) tensors, found " +
               LayerContext::shapeString(t));
  if (const llvm::json::Value *axes = ctx.get("attention_axes"))
    if (axes->kind() != llvm::json::Value::Null) {
      const llvm::json::Array *list = axes->getAsArray();
      bool stepsAxis = list && list->size() == 1 &&
                       ((*list)[0].getAsInteger() == 1 || (*list)[0].getAsInteger() == -2);
      if (!stepsAxis && axes->getAsInteger() != 1 && axes->getAsInteger() != -2)
        ctx.fail("attention_axes other than the steps axis are not supported");
    }
  if (ctx.getBool("use_gate", false))
    ctx.fail("gated MultiHeadAttention (use_gate) is not supported");
  if (const llvm::json::Value *w = ctx.get("sliding_window"))
    if (w->kind() != llvm::json::Value::Null)
      ctx.fail("sliding_window attention is not supported");
  int64_t heads = ctx.getInt("num_heads"), keyDim = ctx.getInt("key_dim");
  int64_t valueDim = keyDim;
  if (const llvm::json::Value *vd = ctx.get("value_dim"))
    if (auto i = vd->getAsInteger())
      valueDim = *i;
  if (heads <= 0 || keyDim <= 0 || valueDim <= 0)
    ctx.fail("num_heads, key_dim and value_dim must be positive");
  bool useBias = ctx.getBool("use_bias", true);
  auto qt = typeOf(q);
  int64_t n = qt.getDimSize(0), t = qt.getDimSize(1), s = typeOf(v).getDimSize(1);
  int64_t outDim = qt.getDimSize(2);
  if (const llvm::json::Value *o = ctx.get("output_shape"); o && o->kind() != llvm::json::Value::Null) {
    if (auto i = o->getAsInteger())
      outDim = *i;
    else if (const llvm::json::Array *list = o->getAsArray(); list && list->size() == 1)
      outDim = (*list)[0].getAsInteger().value_or(0);
    else
      ctx.fail("output_shape must be one size");
  }

  Value query = splitHeads(ctx, project(ctx, q, "query_dense", "query", heads, keyDim, useBias),
                           heads);
  Value key = splitHeads(ctx, project(ctx, k, "key_dense", "key", heads, keyDim, useBias), heads);
  Value value = splitHeads(ctx, project(ctx, v, "value_dense", "value", heads, valueDim, useBias),
                           heads);

  // Masks: query's (N, T, 1), value's and key's (N, 1, S), attention_mask
  // (N, T, S), the causal mask (1, T, S), combined by AND.
  Value mask;
  auto combine = [&](Value m) { mask = mask ? binary(ctx, mask, m, BinaryKind::min) : m; };
  Value queryMask = argMasks.size() > 0 ? argMasks[0] : Value();
  if (queryMask)
    combine(reshapeTo(ctx, queryMask, {n, t, 1}));
  for (auto [name, index] : {std::pair{"value_mask", 1}, {"key_mask", 2}}) {
    Value m = !ctx.keyword(name).empty()           ? ctx.keyword(name).front()
              : int64_t(argMasks.size()) > index ? argMasks[index]
                                                 : Value();
    if (m)
      combine(reshapeTo(ctx, m, {n, 1, s}));
  }
  if (callFlag(ctx, "use_causal_mask"))
    combine(causalMask(ctx, t, s));
  if (!ctx.keyword("attention_mask").empty()) {
    Value m = ctx.keyword("attention_mask").front();
    if (typeOf(m).getRank() != 3)
      ctx.fail("attention_mask must be (batch, T, S), found " + LayerContext::shapeString(m));
    combine(m);
  }

  // scores (N, H, T, S) = q·kᵀ / sqrt(key_dim)
  Value scores = MatmulOp::create(ctx.b, ctx.loc, query, permuteAxes(ctx, key, {0, 1, 3, 2}));
  scores = binary(ctx, scores, scalar(ctx, float(1.0 / std::sqrt(double(keyDim))), 4),
                  BinaryKind::mul);
  bool returnScores = callFlag(ctx, "return_attention_scores");
  // Keras takes its fused dot-product-attention path unless dropout or the
  // scores are asked for; the paths differ on rows masked entirely (uniform
  // weights there, zeros on the explicit path).
  bool explicitPath = returnScores || ctx.getFloat("dropout", 0.0) > 0.0;
  Value probs;
  if (mask) {
    auto mt = typeOf(mask);
    Value m4 = reshapeTo(ctx, mask, {mt.getDimSize(0), 1, mt.getDimSize(1), mt.getDimSize(2)});
    probs = explicitPath ? maskedSoftmax(ctx, scores, m4, -1)
                         : SoftmaxOp::create(ctx.b, ctx.loc,
                                             maskLogits(ctx, scores, m4, 0.7f * FLT_MAX), -1)
                               .getResult();
  } else {
    probs = SoftmaxOp::create(ctx.b, ctx.loc, scores, -1);
  }
  // (N, H, T, Dv) → (N, T, H·Dv) → output projection (H, Dv, out).
  Value context = MatmulOp::create(ctx.b, ctx.loc, probs, value);
  context = reshapeTo(ctx, permuteAxes(ctx, context, {0, 2, 1, 3}), {n, t, heads * valueDim});
  std::unique_ptr<WeightStore> store = ctx.partStore("output_dense", {"attention_output"});
  Value kernel = ctx.partWeight(*store, "output_dense", 0, "kernel", {heads, valueDim, outDim},
                                {heads * valueDim, outDim});
  Value bias = useBias ? ctx.partWeight(*store, "output_dense", 1, "bias", {outDim}) : Value();
  Value out = DenseOp::create(ctx.b, ctx.loc, context, kernel, bias);
  ctx.outputMask = queryMask;
  if (returnScores)
    return {out, probs};
  return {out};
}

} // namespace

Value maskedSoftmax(LayerContext &ctx, Value x, Value mask, int64_t axis) {
  Value probs = SoftmaxOp::create(ctx.b, ctx.loc, maskLogits(ctx, x, mask, 1.0e9f), axis);
  return binary(ctx, probs, mask, BinaryKind::mul);
}

void registerAttentionLayers(LayerRegistry &registry) {
  registry.add("Attention", buildAttention);
  registry.add("MultiHeadAttention", buildMultiHeadAttention);
}

} // namespace kiln::keras
