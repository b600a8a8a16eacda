// Convolutions (1-D and 2-D, depthwise, separable, transposed), pooling,
// global pooling, zero padding, cropping and upsampling. Activations are
// channels-last; channels_first configs are refused.
#include "LayerRegistry.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace kiln::keras {
namespace {

std::string jsonText(const llvm::json::Value *v) {
  std::string s;
  if (v)
    llvm::raw_string_ostream(s) << *v;
  return s;
}

/// An int, or a list of `n` ints, as a list of `n` ints.
SmallVector<int64_t> intTuple(const LayerContext &ctx, StringRef key, size_t n,
                              std::optional<int64_t> fallback = std::nullopt) {
  const llvm::json::Value *v = ctx.get(key);
  if (!v) {
    if (!fallback)
      ctx.fail("config field '" + key.str() + "' is missing");
    return SmallVector<int64_t>(n, *fallback);
  }
  if (auto i = v->getAsInteger())
    return SmallVector<int64_t>(n, *i);
  SmallVector<int64_t> out;
  if (const llvm::json::Array *list = v->getAsArray())
    for (const llvm::json::Value &e : *list)
      if (auto i = e.getAsInteger())
        out.push_back(*i);
  if (out.size() != n)
    ctx.fail("config field '" + key.str() + "' must be an int or " + std::to_string(n) +
             " ints, found " + jsonText(v));
  return out;
}

void requireChannelsLast(const LayerContext &ctx) {
  std::string format = ctx.getString("data_format", "channels_last");
  if (format != "channels_last")
    ctx.fail("data_format '" + format + "' is not supported; kiln compiles channels_last "
             "models (the Keras default)");
}

void requireRank(const LayerContext &ctx, Value x, int64_t rank) {
  if (typeOf(x).getRank() != rank)
    ctx.fail("expected an input of rank " + std::to_string(rank) + ", found shape " +
             LayerContext::shapeString(x));
}

/// TensorFlow's "same": the output has ceil(in / stride) positions and the
/// odd padding element goes after.
std::pair<int64_t, int64_t> samePadding(int64_t in, int64_t window, int64_t stride,
                                        int64_t dilation) {
  int64_t out = (in + stride - 1) / stride;
  int64_t span = (window - 1) * dilation + 1;
  int64_t total = std::max<int64_t>((out - 1) * stride + span - in, 0);
  return {total / 2, total - total / 2};
}

/// Padding [before, after] per spatial axis for Keras's padding name.
SmallVector<int64_t> convPadding(const LayerContext &ctx, ArrayRef<int64_t> in,
                                 ArrayRef<int64_t> window, ArrayRef<int64_t> strides,
                                 ArrayRef<int64_t> dilations, bool allowCausal) {
  std::string padding = ctx.getString("padding", "valid");
  SmallVector<int64_t> out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (padding == "valid") {
      out.append({0, 0});
    } else if (padding == "same") {
      auto [before, after] = samePadding(in[i], window[i], strides[i], dilations[i]);
      out.append({before, after});
    } else if (padding == "causal" && allowCausal) {
      out.append({(window[i] - 1) * dilations[i], 0});
    } else {
      ctx.fail("padding '" + padding + "' is not supported here");
    }
  }
  return out;
}

/// (N, W, C) as (N, 1, W, C), so 1-D layers reuse the 2-D ops.
Value as2D(LayerContext &ctx, Value x) {
  auto t = typeOf(x);
  return ReshapeOp::create(
      ctx.b, ctx.loc,
      RankedTensorType::get({t.getDimSize(0), 1, t.getDimSize(1), t.getDimSize(2)},
                            t.getElementType()),
      x);
}

Value as1D(LayerContext &ctx, Value y) {
  auto t = typeOf(y);
  return ReshapeOp::create(
      ctx.b, ctx.loc,
      RankedTensorType::get({t.getDimSize(0), t.getDimSize(2), t.getDimSize(3)},
                            t.getElementType()),
      y);
}

/// The spatial settings of a convolution layer of `dims` spatial axes.
struct ConvGeometry {
  SmallVector<int64_t> kernel, strides, dilations, padding; // padding: 4 values, 2-D
};

ConvGeometry convGeometry(const LayerContext &ctx, Value x4, size_t dims) {
  requireChannelsLast(ctx);
  ConvGeometry g;
  g.kernel = intTuple(ctx, "kernel_size", dims);
  g.strides = intTuple(ctx, "strides", dims, 1);
  g.dilations = intTuple(ctx, "dilation_rate", dims, 1);
  for (size_t i = 0; i < dims; ++i) {
    if (g.kernel[i] <= 0 || g.strides[i] <= 0 || g.dilations[i] <= 0)
      ctx.fail("kernel_size, strides and dilation_rate must be positive");
    if (g.strides[i] > 1 && g.dilations[i] > 1)
      ctx.fail("strides > 1 together with dilation_rate > 1 is not supported (Keras "
               "refuses it too)");
  }
  auto shape = typeOf(x4).getShape();
  SmallVector<int64_t> in = dims == 1 ? SmallVector<int64_t>{shape[2]}
                                      : SmallVector<int64_t>{shape[1], shape[2]};
  SmallVector<int64_t> pad = convPadding(ctx, in, g.kernel, g.strides, g.dilations, dims == 1);
  if (dims == 1) { // the 2-D op's height axis has size 1
    g.kernel.insert(g.kernel.begin(), 1);
    g.strides.insert(g.strides.begin(), 1);
    g.dilations.insert(g.dilations.begin(), 1);
    pad.insert(pad.begin(), {0, 0});
  }
  g.padding = pad;
  for (int a = 0; a < 2; ++a) {
    int64_t span = (g.kernel[a] - 1) * g.dilations[a] + 1;
    if (shape[1 + a] + g.padding[2 * a] + g.padding[2 * a + 1] < span)
      ctx.fail("the kernel (" + std::to_string(span) + " wide with dilation) does not fit the "
               "input " + LayerContext::shapeString(x4));
  }
  return g;
}

Value conv2d(LayerContext &ctx, Value x4, Value kernel, Value bias, const ConvGeometry &g,
             int64_t groups, const Activation &act) {
  auto op = Conv2DOp::create(ctx.b, ctx.loc, x4, kernel, bias, /*residual=*/Value(),
                             ctx.b.getDenseI64ArrayAttr(g.strides),
                             ctx.b.getDenseI64ArrayAttr(g.dilations),
                             ctx.b.getDenseI64ArrayAttr(g.padding), groups);
  return withActivation(ctx, op, act);
}

/// Conv1D and Conv2D: kernel (k..., C / groups, F).
SmallVector<Value> buildConv(LayerContext &ctx, ArrayRef<Value> inputs, size_t dims) {
  Value x = singleInput(ctx, inputs);
  requireRank(ctx, x, dims + 2);
  Value x4 = dims == 1 ? as2D(ctx, x) : x;
  ConvGeometry g = convGeometry(ctx, x4, dims);
  int64_t filters = ctx.getInt("filters"), groups = ctx.getInt("groups", 1);
  int64_t channels = typeOf(x).getShape().back();
  if (filters <= 0 || groups <= 0 || channels % groups || filters % groups)
    ctx.fail("groups (" + std::to_string(groups) + ") must divide the " +
             std::to_string(channels) + " input channels and the " + std::to_string(filters) +
             " filters");
  SmallVector<int64_t> stored(g.kernel.end() - dims, g.kernel.end());
  stored.append({channels / groups, filters});
  Value kernel = ctx.weightAs(0, "kernel", stored,
                              {g.kernel[0], g.kernel[1], channels / groups, filters});
  Value bias = ctx.getBool("use_bias", true) ? ctx.weight(1, "bias", {filters}) : Value();
  Value y = conv2d(ctx, x4, kernel, bias, g, groups, parseActivation(ctx, ctx.get("activation")));
  return {dims == 1 ? as1D(ctx, y) : y};
}

/// DepthwiseConv1D/2D: kernel (k..., C, depth_multiplier), a grouped conv
/// with one group per input channel (output channel c*dm + m).
SmallVector<Value> buildDepthwise(LayerContext &ctx, ArrayRef<Value> inputs, size_t dims) {
  Value x = singleInput(ctx, inputs);
  requireRank(ctx, x, dims + 2);
  Value x4 = dims == 1 ? as2D(ctx, x) : x;
  ConvGeometry g = convGeometry(ctx, x4, dims);
  int64_t multiplier = ctx.getInt("depth_multiplier", 1);
  int64_t channels = typeOf(x).getShape().back();
  SmallVector<int64_t> stored(g.kernel.end() - dims, g.kernel.end());
  stored.append({channels, multiplier});
  Value kernel = ctx.weightAs(0, "kernel", stored,
                              {g.kernel[0], g.kernel[1], 1, channels * multiplier});
  Value bias = ctx.getBool("use_bias", true) ? ctx.weight(1, "bias", {channels * multiplier})
                                             : Value();
  Value y = conv2d(ctx, x4, kernel, bias, g, channels,
                   parseActivation(ctx, ctx.get("activation")));
  return {dims == 1 ? as1D(ctx, y) : y};
}

/// SeparableConv1D/2D: a depthwise conv (no bias), then a 1x1 conv with
/// the bias and activation.
SmallVector<Value> buildSeparable(LayerContext &ctx, ArrayRef<Value> inputs, size_t dims) {
  Value x = singleInput(ctx, inputs);
  requireRank(ctx, x, dims + 2);
  Value x4 = dims == 1 ? as2D(ctx, x) : x;
  ConvGeometry g = convGeometry(ctx, x4, dims);
  int64_t multiplier = ctx.getInt("depth_multiplier", 1), filters = ctx.getInt("filters");
  int64_t channels = typeOf(x).getShape().back();
  SmallVector<int64_t> depthStored(g.kernel.end() - dims, g.kernel.end());
  depthStored.append({channels, multiplier});
  Value depthKernel = ctx.weightAs(0, "depthwise_kernel", depthStored,
                                   {g.kernel[0], g.kernel[1], 1, channels * multiplier});
  SmallVector<int64_t> pointStored(dims, 1);
  pointStored.append({channels * multiplier, filters});
  Value pointKernel = ctx.weightAs(1, "pointwise_kernel", pointStored,
                                   {1, 1, channels * multiplier, filters});
  Value bias = ctx.getBool("use_bias", true) ? ctx.weight(2, "bias", {filters}) : Value();
  Value depth = conv2d(ctx, x4, depthKernel, Value(), g, channels, Activation{});
  ConvGeometry pointwise{{1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}};
  Value y = conv2d(ctx, depth, pointKernel, bias, pointwise, 1,
                   parseActivation(ctx, ctx.get("activation")));
  return {dims == 1 ? as1D(ctx, y) : y};
}

/// Conv1DTranspose/Conv2DTranspose: kernel (k..., F, C). Output size and
/// cropping follow Keras's JAX backend (compute_conv_transpose_padding_args).
SmallVector<Value> buildConvTranspose(LayerContext &ctx, ArrayRef<Value> inputs, size_t dims) {
  Value x = singleInput(ctx, inputs);
  requireRank(ctx, x, dims + 2);
  requireChannelsLast(ctx);
  Value x4 = dims == 1 ? as2D(ctx, x) : x;
  SmallVector<int64_t> kernel = intTuple(ctx, "kernel_size", dims),
                       strides = intTuple(ctx, "strides", dims, 1),
                       dilations = intTuple(ctx, "dilation_rate", dims, 1);
  std::optional<SmallVector<int64_t>> outputPadding;
  if (ctx.get("output_padding"))
    outputPadding = intTuple(ctx, "output_padding", dims);
  std::string padding = ctx.getString("padding", "valid");
  if (padding != "valid" && padding != "same")
    ctx.fail("padding '" + padding + "' is not supported here");
  if (dims == 1) {
    kernel.insert(kernel.begin(), 1);
    strides.insert(strides.begin(), 1);
    dilations.insert(dilations.begin(), 1);
    if (outputPadding)
      outputPadding->insert(outputPadding->begin(), 0);
  }
  auto in = typeOf(x4).getShape();
  SmallVector<int64_t> outSize, crop;
  for (int a = 0; a < 2; ++a) {
    int64_t span = (kernel[a] - 1) * dilations[a] + 1, s = strides[a];
    int64_t left, right;
    if (dims == 1 && a == 0) { // the added height axis stays 1
      outSize.push_back(1);
      crop.push_back(0);
      continue;
    }
    if (padding == "valid") {
      int64_t op = outputPadding ? (*outputPadding)[a] : std::max(span, s) - span;
      left = span - 1;
      right = span - 1 + op;
    } else {
      int64_t total = outputPadding ? span + span % 2 - 2 + (*outputPadding)[a] : s + span - 2;
      left = std::min(total / 2 + total % 2, span - 1);
      right = total - left;
    }
    int64_t size = (in[1 + a] - 1) * s + 1 + left + right - span + 1;
    if (size <= 0)
      ctx.fail("the transposed convolution has an empty output");
    outSize.push_back(size);
    crop.push_back(span - 1 - left);
  }
  int64_t filters = ctx.getInt("filters"), channels = in[3];
  SmallVector<int64_t> stored(kernel.end() - dims, kernel.end());
  stored.append({filters, channels});
  Value w = ctx.weightAs(0, "kernel", stored, {kernel[0], kernel[1], filters, channels});
  Value bias = ctx.getBool("use_bias", true) ? ctx.weight(1, "bias", {filters}) : Value();
  auto type = RankedTensorType::get({in[0], outSize[0], outSize[1], filters},
                                    ctx.b.getF32Type());
  auto op = Conv2DTransposeOp::create(ctx.b, ctx.loc, type, x4, w, bias,
                                      ctx.b.getDenseI64ArrayAttr(strides),
                                      ctx.b.getDenseI64ArrayAttr(dilations),
                                      ctx.b.getDenseI64ArrayAttr(crop));
  Value y = withActivation(ctx, op, parseActivation(ctx, ctx.get("activation")));
  return {dims == 1 ? as1D(ctx, y) : y};
}

SmallVector<Value> buildPool(LayerContext &ctx, ArrayRef<Value> inputs, size_t dims,
                             PoolKind kind) {
  Value x = singleInput(ctx, inputs);
  requireRank(ctx, x, dims + 2);
  requireChannelsLast(ctx);
  Value x4 = dims == 1 ? as2D(ctx, x) : x;
  SmallVector<int64_t> window = intTuple(ctx, "pool_size", dims);
  SmallVector<int64_t> strides = ctx.get("strides") ? intTuple(ctx, "strides", dims) : window;
  if (llvm::any_of(window, [](int64_t v) { return v <= 0; }) ||
      llvm::any_of(strides, [](int64_t v) { return v <= 0; }))
    ctx.fail("pool_size and strides must be positive");
  auto shape = typeOf(x4).getShape();
  SmallVector<int64_t> in = dims == 1 ? SmallVector<int64_t>{shape[2]}
                                      : SmallVector<int64_t>{shape[1], shape[2]};
  SmallVector<int64_t> ones(dims, 1);
  SmallVector<int64_t> pad = convPadding(ctx, in, window, strides, ones, false);
  if (dims == 1) {
    window.insert(window.begin(), 1);
    strides.insert(strides.begin(), 1);
    pad.insert(pad.begin(), {0, 0});
  }
  for (int a = 0; a < 2; ++a)
    if (shape[1 + a] + pad[2 * a] + pad[2 * a + 1] < window[a])
      ctx.fail("pool_size does not fit the input " + LayerContext::shapeString(x));
  Value y = Pool2DOp::create(ctx.b, ctx.loc, x4, PoolKindAttr::get(ctx.b.getContext(), kind),
                             ctx.b.getDenseI64ArrayAttr(window),
                             ctx.b.getDenseI64ArrayAttr(strides),
                             ctx.b.getDenseI64ArrayAttr(pad));
  return {dims == 1 ? as1D(ctx, y) : y};
}

SmallVector<Value> buildGlobalPool(LayerContext &ctx, ArrayRef<Value> inputs, size_t dims,
                                   ReduceKind kind, bool ignoreMask = false) {
  Value x = singleInput(ctx, inputs);
  requireRank(ctx, x, dims + 2);
  requireChannelsLast(ctx);
  bool keepdims = ctx.getBool("keepdims", false);
  if (Value mask = ignoreMask ? Value() : ctx.mask()) {
    // GlobalAveragePooling1D over the kept steps: Σ x·m / Σ m. Keras's
    // GlobalMaxPooling1D ignores masks.
    if (dims != 1 || kind != ReduceKind::mean)
      return buildGlobalPool(ctx, inputs, dims, kind, /*ignoreMask=*/true);
    auto type = cast<RankedTensorType>(x.getType());
    MLIRContext *c = ctx.b.getContext();
    Value m = ReshapeOp::create(
        ctx.b, ctx.loc, RankedTensorType::get({type.getDimSize(0), type.getDimSize(1), 1},
                                              type.getElementType()),
        mask);
    UnitAttr keep = keepdims ? ctx.b.getUnitAttr() : UnitAttr();
    auto sum = [&](Value v) {
      return ReduceOp::create(ctx.b, ctx.loc, v, ReduceKindAttr::get(c, ReduceKind::sum),
                              ctx.b.getI64IntegerAttr(1), keep);
    };
    Value total = sum(BinaryOp::create(ctx.b, ctx.loc, x, m, BinaryKindAttr::get(c, BinaryKind::mul)));
    return {BinaryOp::create(ctx.b, ctx.loc, total, sum(m), BinaryKindAttr::get(c, BinaryKind::div))};
  }
  for (int64_t axis = dims; axis >= 1; --axis)
    x = ReduceOp::create(ctx.b, ctx.loc, x, ReduceKindAttr::get(ctx.b.getContext(), kind),
                         ctx.b.getI64IntegerAttr(axis),
                         keepdims ? ctx.b.getUnitAttr() : UnitAttr());
  return {x};
}

/// ZeroPadding/Cropping config: an int, a pair per axis, or one pair per axis
/// of ((before, after), ...), as [before, after] per spatial axis.
SmallVector<int64_t> pairsPerAxis(const LayerContext &ctx, StringRef key, size_t dims) {
  const llvm::json::Value *v = ctx.get(key);
  if (!v)
    ctx.fail("config field '" + key.str() + "' is missing");
  SmallVector<int64_t> out;
  if (auto i = v->getAsInteger())
    return SmallVector<int64_t>(2 * dims, *i);
  const llvm::json::Array *list = v->getAsArray();
  if (list && list->size() == dims) {
    for (const llvm::json::Value &e : *list) {
      if (auto i = e.getAsInteger()) {
        out.append({*i, *i});
      } else if (const llvm::json::Array *pair = e.getAsArray();
                 pair && pair->size() == 2 && (*pair)[0].getAsInteger() &&
                 (*pair)[1].getAsInteger()) {
        out.append({*(*pair)[0].getAsInteger(), *(*pair)[1].getAsInteger()});
      }
    }
  } else if (list && dims == 1 && list->size() == 2) {
    for (const llvm::json::Value &e : *list)
      if (auto i = e.getAsInteger())
        out.push_back(*i);
  }
  if (out.size() != 2 * dims || llvm::any_of(out, [](int64_t v) { return v < 0; }))
    ctx.fail("config field '" + key.str() + "' must give non-negative sizes per axis, found " +
             jsonText(v));
  return out;
}

SmallVector<Value> buildZeroPadding(LayerContext &ctx, ArrayRef<Value> inputs, size_t dims) {
  Value x = singleInput(ctx, inputs);
  requireRank(ctx, x, dims + 2);
  requireChannelsLast(ctx);
  SmallVector<int64_t> pairs = pairsPerAxis(ctx, "padding", dims);
  SmallVector<int64_t> low(dims + 2, 0), high(dims + 2, 0);
  for (size_t a = 0; a < dims; ++a) {
    low[1 + a] = pairs[2 * a];
    high[1 + a] = pairs[2 * a + 1];
  }
  return {PadOp::create(ctx.b, ctx.loc, x, ctx.b.getDenseI64ArrayAttr(low),
                        ctx.b.getDenseI64ArrayAttr(high))};
}

SmallVector<Value> buildCropping(LayerContext &ctx, ArrayRef<Value> inputs, size_t dims) {
  Value x = singleInput(ctx, inputs);
  requireRank(ctx, x, dims + 2);
  requireChannelsLast(ctx);
  SmallVector<int64_t> pairs = pairsPerAxis(ctx, "cropping", dims);
  auto type = typeOf(x);
  SmallVector<int64_t> strides = rowMajorStrides(type.getShape()), shape(type.getShape());
  int64_t offset = 0;
  for (size_t a = 0; a < dims; ++a) {
    shape[1 + a] -= pairs[2 * a] + pairs[2 * a + 1];
    if (shape[1 + a] <= 0)
      ctx.fail("cropping removes all of axis " + std::to_string(1 + a) + " of " +
               LayerContext::shapeString(x));
    offset += pairs[2 * a] * strides[1 + a];
  }
  return {StridedViewOp::create(ctx.b, ctx.loc,
                                RankedTensorType::get(shape, type.getElementType()), x, offset,
                                strides)};
}

SmallVector<Value> buildUpSampling(LayerContext &ctx, ArrayRef<Value> inputs, size_t dims) {
  Value x = singleInput(ctx, inputs);
  requireRank(ctx, x, dims + 2);
  requireChannelsLast(ctx);
  Value x4 = dims == 1 ? as2D(ctx, x) : x;
  SmallVector<int64_t> size = intTuple(ctx, "size", dims, 2);
  if (dims == 1)
    size.insert(size.begin(), 1);
  std::string interpolation = ctx.getString("interpolation", "nearest");
  ResizeKind kind;
  if (interpolation == "nearest")
    kind = ResizeKind::nearest;
  else if (interpolation == "bilinear")
    kind = ResizeKind::bilinear;
  else
    ctx.fail("interpolation '" + interpolation + "' is not supported (nearest, bilinear)");
  auto in = typeOf(x4).getShape();
  auto type = RankedTensorType::get({in[0], in[1] * size[0], in[2] * size[1], in[3]},
                                    ctx.b.getF32Type());
  Value y = ResizeOp::create(ctx.b, ctx.loc, type, x4, ResizeKindAttr::get(ctx.b.getContext(), kind));
  return {dims == 1 ? as1D(ctx, y) : y};
}

} // namespace

void registerVisionLayers(LayerRegistry &registry) {
  auto add = [&](const char *name, size_t dims,
                 SmallVector<Value> (*fn)(LayerContext &, ArrayRef<Value>, size_t)) {
    registry.add(name, [=](LayerContext &ctx, ArrayRef<Value> in) { return fn(ctx, in, dims); });
  };
  add("Conv1D", 1, buildConv);
  add("Conv2D", 2, buildConv);
  add("DepthwiseConv1D", 1, buildDepthwise);
  add("DepthwiseConv2D", 2, buildDepthwise);
  add("SeparableConv1D", 1, buildSeparable);
  add("SeparableConv2D", 2, buildSeparable);
  add("Conv1DTranspose", 1, buildConvTranspose);
  add("Conv2DTranspose", 2, buildConvTranspose);
  add("ZeroPadding1D", 1, buildZeroPadding);
  add("ZeroPadding2D", 2, buildZeroPadding);
  add("Cropping1D", 1, buildCropping);
  add("Cropping2D", 2, buildCropping);
  add("UpSampling1D", 1, buildUpSampling);
  add("UpSampling2D", 2, buildUpSampling);
  for (auto [name, dims, kind] : {std::tuple{"MaxPooling1D", 1, PoolKind::max},
                                  {"MaxPooling2D", 2, PoolKind::max},
                                  {"AveragePooling1D", 1, PoolKind::avg},
                                  {"AveragePooling2D", 2, PoolKind::avg}})
    registry.add(name, [dims = dims, kind = kind](LayerContext &ctx, ArrayRef<Value> in) {
      return buildPool(ctx, in, dims, kind);
    });
  for (auto [name, dims, kind] : {std::tuple{"GlobalAveragePooling1D", 1, ReduceKind::mean},
                                  {"GlobalAveragePooling2D", 2, ReduceKind::mean},
                                  {"GlobalMaxPooling1D", 1, ReduceKind::max},
                                  {"GlobalMaxPooling2D", 2, ReduceKind::max}})
    registry.add(name, [dims = dims, kind = kind](LayerContext &ctx, ArrayRef<Value> in) {
      return buildGlobalPool(ctx, in, dims, kind);
    });
}

} // namespace kiln::keras
