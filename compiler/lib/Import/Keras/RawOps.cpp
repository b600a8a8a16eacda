// The raw operations Keras 3 records in functional configs: `x + y`,
// keras.ops.add/subtract/multiply/divide/matmul/reshape/transpose/
// concatenate/sum/mean/max/min/abs/sqrt/square/exp/log/negative, x[...].
// Shapes follow NumPy, batch axis included.
#include "LayerRegistry.h"

#include "kiln/Dialect/Kiln/IR/KilnOps.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using llvm::json::Array;
using llvm::json::Object;

namespace kiln::keras {
namespace {

std::string jsonText(const llvm::json::Value &v) {
  std::string s;
  llvm::raw_string_ostream(s) << v;
  return s;
}

bool isKerasTensor(const llvm::json::Value &v) {
  const Object *o = v.getAsObject();
  return o && o->getString("class_name") == llvm::StringRef("__keras_tensor__");
}

/// One positional argument: a tensor, or a number.
struct Operand {
  Value tensor;
  double literal = 0;
};

/// The call's positional arguments, tensors taken from `inputs` in order.
SmallVector<Operand> positional(LayerContext &ctx, ArrayRef<Value> inputs) {
  SmallVector<Operand> out;
  size_t next = 0;
  if (!ctx.call.args) { // Keras 2 style call: tensors only
    for (Value v : inputs)
      out.push_back({v});
    return out;
  }
  for (const llvm::json::Value &arg : *ctx.call.args) {
    if (isKerasTensor(arg)) {
      out.push_back({inputs[next++]});
    } else if (auto number = arg.getAsNumber()) {
      out.push_back({Value(), *number});
    } else {
      ctx.fail("unsupported argument " + jsonText(arg));
    }
  }
  return out;
}

/// Brings `v` to `rank` by prepending size-1 axes (NumPy broadcasting).
Value prependAxes(LayerContext &ctx, Value v, int64_t rank) {
  auto type = typeOf(v);
  if (type.getRank() == rank)
    return v;
  SmallVector<int64_t> shape(rank - type.getRank(), 1);
  shape.append(type.getShape().begin(), type.getShape().end());
  return ReshapeOp::create(ctx.b, ctx.loc, RankedTensorType::get(shape, type.getElementType()), v);
}

Value binary(LayerContext &ctx, ArrayRef<Value> inputs, BinaryKind kind) {
  SmallVector<Operand> args = positional(ctx, inputs);
  if (args.size() != 2)
    ctx.fail("expected 2 arguments, found " + std::to_string(args.size()));
  if (!args[0].tensor && !args[1].tensor)
    ctx.fail("both arguments are constants");
  int64_t rank = std::max(args[0].tensor ? typeOf(args[0].tensor).getRank() : 0,
                          args[1].tensor ? typeOf(args[1].tensor).getRank() : 0);
  SmallVector<Value> values;
  for (const Operand &a : args)
    values.push_back(a.tensor ? prependAxes(ctx, a.tensor, rank)
                              : ctx.constant(float(a.literal), SmallVector<int64_t>(rank, 1)));
  auto lhs = typeOf(values[0]), rhs = typeOf(values[1]);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t x = lhs.getDimSize(d), y = rhs.getDimSize(d);
    if (x != y && x != 1 && y != 1)
      ctx.fail("operands of shapes " + LayerContext::shapeString(values[0], false) + " and " +
               LayerContext::shapeString(values[1], false) +
               " do not broadcast at the compiled batch size");
  }
  return BinaryOp::create(ctx.b, ctx.loc, values[0], values[1],
                          BinaryKindAttr::get(ctx.b.getContext(), kind));
}

Value unary(LayerContext &ctx, ArrayRef<Value> inputs, ActivationKind kind) {
  if (inputs.size() != 1)
    ctx.fail("expected 1 tensor argument, found " + std::to_string(inputs.size()));
  return ActivationOp::create(ctx.b, ctx.loc, inputs[0],
                              ActivationKindAttr::get(ctx.b.getContext(), kind));
}

/// Axis `a` of a rank-`rank` tensor as a non-negative, non-batch axis.
int64_t featureAxis(LayerContext &ctx, int64_t a, int64_t rank) {
  int64_t axis = a < 0 ? a + rank : a;
  if (axis < 0 || axis >= rank)
    ctx.fail("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank));
  if (axis == 0)
    ctx.fail("the operation works across the batch axis; kiln compiles models whose "
             "samples are independent");
  return axis;
}

Value reduce(LayerContext &ctx, ArrayRef<Value> inputs, ReduceKind kind) {
  if (inputs.size() != 1)
    ctx.fail("expected 1 tensor argument");
  if (ctx.get("initial"))
    ctx.fail("'initial' is not supported");
  Value x = inputs[0];
  int64_t rank = typeOf(x).getRank();
  SmallVector<int64_t> axes;
  const llvm::json::Value *axis = ctx.get("axis");
  if (!axis)
    ctx.fail("reduces every axis, the batch axis included; kiln compiles models whose "
             "samples are independent");
  if (const Array *list = axis->getAsArray()) {
    for (const llvm::json::Value &a : *list)
      axes.push_back(featureAxis(ctx, a.getAsInteger().value_or(0), rank));
  } else {
    axes.push_back(featureAxis(ctx, ctx.getInt("axis"), rank));
  }
  bool keepdims = ctx.getBool("keepdims", false);
  // Reduce the highest axis first so the others keep their positions.
  llvm::sort(axes, std::greater<int64_t>());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  for (int64_t a : axes) {
    x = ReduceOp::create(ctx.b, ctx.loc, x, ReduceKindAttr::get(ctx.b.getContext(), kind),
                         ctx.b.getI64IntegerAttr(a),
                         keepdims ? ctx.b.getUnitAttr() : UnitAttr());
  }
  return x;
}

Value reshape(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = inputs.front();
  auto type = typeOf(x);
  const llvm::json::Value *spec = ctx.get("newshape");
  const Array *dims = spec ? spec->getAsArray() : nullptr;
  if (!dims)
    ctx.fail("expected 'newshape' as a list");
  SmallVector<int64_t> shape;
  int64_t known = 1, unknown = -1;
  for (const llvm::json::Value &d : *dims) {
    int64_t n = d.getAsInteger().value_or(-2);
    if (n == -1 && unknown < 0) {
      unknown = shape.size();
      shape.push_back(1);
      continue;
    }
    if (n <= 0)
      ctx.fail("invalid new shape " + jsonText(*spec));
    known *= n;
    shape.push_back(n);
  }
  if (unknown >= 0) {
    if (type.getNumElements() % known != 0)
      ctx.fail("cannot reshape " + LayerContext::shapeString(x) + " to " + jsonText(*spec));
    shape[unknown] = type.getNumElements() / known;
  }
  if (shape.empty() || shape[0] != type.getDimSize(0) ||
      RankedTensorType::get(shape, type.getElementType()).getNumElements() !=
          type.getNumElements())
    ctx.fail("cannot reshape " + LayerContext::shapeString(x) + " to " + jsonText(*spec) +
             " keeping the batch axis");
  return ReshapeOp::create(ctx.b, ctx.loc, RankedTensorType::get(shape, type.getElementType()), x);
}

Value transpose(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = inputs.front();
  auto type = typeOf(x);
  const llvm::json::Value *axes = ctx.get("axes");
  if (!axes || !axes->getAsArray())
    ctx.fail("transposing every axis moves the batch axis; give 'axes' with 0 first");
  SmallVector<int64_t> perm;
  for (const llvm::json::Value &a : *axes->getAsArray()) {
    int64_t d = a.getAsInteger().value_or(-99);
    perm.push_back(d < 0 ? d + type.getRank() : d);
  }
  SmallVector<int64_t> sorted(perm);
  llvm::sort(sorted);
  bool valid = int64_t(perm.size()) == type.getRank();
  for (int64_t i = 0; valid && i < type.getRank(); ++i)
    valid = sorted[i] == i;
  if (!valid)
    ctx.fail("axes " + jsonText(*axes) + " are not a permutation of the input's axes");
  if (perm[0] != 0)
    ctx.fail("the permutation moves the batch axis");
  return permuteAxes(ctx, x, perm);
}

/// x[key]: slices with positive steps, integers, Ellipsis and None.
Value getItem(LayerContext &ctx, ArrayRef<Value> inputs) {
  Value x = inputs.front();
  auto type = typeOf(x);
  if (!ctx.call.args || ctx.call.args->size() != 2)
    ctx.fail("expected x[key]");
  const llvm::json::Value &keyValue = (*ctx.call.args)[1];
  SmallVector<const llvm::json::Value *> key;
  if (const Array *list = keyValue.getAsArray())
    for (const llvm::json::Value &k : *list)
      key.push_back(&k);
  else
    key.push_back(&keyValue);
  auto className = [](const llvm::json::Value *k) -> llvm::StringRef {
    const Object *o = k->getAsObject();
    return o && o->getString("class_name") ? *o->getString("class_name") : "";
  };
  // Expand an Ellipsis into full slices.
  int64_t consuming = 0;
  for (const llvm::json::Value *k : key)
    consuming += k->kind() != llvm::json::Value::Null && className(k) != "__ellipsis__";
  llvm::json::Value fullSlice = Object{{"class_name", "__slice__"}, {"config", Object{}}};
  SmallVector<const llvm::json::Value *> expanded;
  bool sawEllipsis = false;
  for (const llvm::json::Value *k : key) {
    if (className(k) == "__ellipsis__" && !sawEllipsis) {
      sawEllipsis = true;
      for (int64_t i = consuming; i < type.getRank(); ++i)
        expanded.push_back(&fullSlice);
    } else {
      expanded.push_back(k);
    }
  }
  SmallVector<int64_t> inStrides = rowMajorStrides(type.getShape()), shape, strides;
  int64_t offset = 0, axis = 0;
  for (const llvm::json::Value *k : expanded) {
    if (k->kind() == llvm::json::Value::Null) { // None: a new size-1 axis
      shape.push_back(1);
      strides.push_back(0);
      continue;
    }
    if (axis >= type.getRank())
      ctx.fail("too many indices for a tensor of rank " + std::to_string(type.getRank()));
    int64_t size = type.getDimSize(axis);
    if (auto index = k->getAsInteger()) {
      if (axis == 0)
        ctx.fail("indexes the batch axis; kiln compiles models whose samples are independent");
      int64_t i = *index < 0 ? *index + size : *index;
      if (i < 0 || i >= size)
        ctx.fail("index " + std::to_string(*index) + " is out of range for axis " +
                 std::to_string(axis) + " of size " + std::to_string(size));
      offset += i * inStrides[axis++];
      continue;
    }
    if (className(k) != "__slice__")
      ctx.fail("unsupported index " + jsonText(*k));
    const Object *config = k->getAsObject()->getObject("config");
    auto field = [&](llvm::StringRef name) -> std::optional<int64_t> {
      return config ? config->getInteger(name) : std::nullopt;
    };
    int64_t step = field("step").value_or(1);
    if (step <= 0)
      ctx.fail("slices with step " + std::to_string(step) + " are not supported");
    // Python's slice.indices for a positive step.
    auto clampIndex = [&](std::optional<int64_t> v, int64_t fallback) {
      if (!v)
        return fallback;
      int64_t i = *v < 0 ? *v + size : *v;
      return std::min(std::max<int64_t>(i, 0), size);
    };
    int64_t start = clampIndex(field("start"), 0), stop = clampIndex(field("stop"), size);
    int64_t count = stop > start ? (stop - start + step - 1) / step : 0;
    if (axis == 0 && (start != 0 || count != size || step != 1))
      ctx.fail("slices the batch axis; kiln compiles models whose samples are independent");
    if (count == 0)
      ctx.fail("the slice of axis " + std::to_string(axis) + " is empty");
    offset += start * inStrides[axis];
    shape.push_back(count);
    strides.push_back(step * inStrides[axis]);
    ++axis;
  }
  for (; axis < type.getRank(); ++axis) {
    shape.push_back(type.getDimSize(axis));
    strides.push_back(inStrides[axis]);
  }
  return StridedViewOp::create(ctx.b, ctx.loc, RankedTensorType::get(shape, type.getElementType()),
                               x, offset, strides);
}

Value concatenate(LayerContext &ctx, ArrayRef<Value> inputs) {
  if (inputs.empty())
    ctx.fail("nothing to concatenate");
  int64_t rank = typeOf(inputs.front()).getRank();
  int64_t axis = featureAxis(ctx, ctx.getInt("axis", 0), rank);
  for (Value v : inputs) {
    bool ok = typeOf(v).getRank() == rank;
    for (int64_t d = 0; ok && d < rank; ++d)
      ok = d == axis || typeOf(v).getDimSize(d) == typeOf(inputs.front()).getDimSize(d);
    if (!ok)
      ctx.fail("inputs must match except along axis " + std::to_string(axis) + "; got " +
               LayerContext::shapeString(inputs.front()) + " and " +
               LayerContext::shapeString(v));
  }
  return ConcatOp::create(ctx.b, ctx.loc, inputs, axis);
}

Value matmul(LayerContext &ctx, ArrayRef<Value> inputs) {
  if (inputs.size() != 2)
    ctx.fail("expected 2 tensor arguments");
  Value a = inputs[0], b = inputs[1];
  if (typeOf(a).getRank() < 2 || typeOf(b).getRank() < 2)
    ctx.fail("matrix-vector products (rank-1 operands) are not supported");
  int64_t rank = std::max(typeOf(a).getRank(), typeOf(b).getRank());
  a = prependAxes(ctx, a, rank);
  b = prependAxes(ctx, b, rank);
  auto ta = typeOf(a), tb = typeOf(b);
  bool sharedRhs = llvm::all_of(tb.getShape().drop_back(2), [](int64_t d) { return d == 1; });
  if (ta.getDimSize(rank - 1) != tb.getDimSize(rank - 2) ||
      (!sharedRhs && ta.getShape().drop_back(2) != tb.getShape().drop_back(2)))
    ctx.fail("cannot multiply shapes " + LayerContext::shapeString(inputs[0]) + " and " +
             LayerContext::shapeString(inputs[1]));
  return MatmulOp::create(ctx.b, ctx.loc, a, b);
}

/// NotEqual/Equal of a tensor and a number (how Keras records masks such as
/// Embedding's `ids != 0`), as a float 0/1 tensor.
Value compare(LayerContext &ctx, ArrayRef<Value> inputs, CompareKind kind) {
  SmallVector<Operand> args = positional(ctx, inputs);
  if (args.size() != 2 || bool(args[0].tensor) == bool(args[1].tensor))
    ctx.fail("kiln compares a tensor with a number; comparing two tensors is not supported");
  const Operand &t = args[0].tensor ? args[0] : args[1];
  const Operand &n = args[0].tensor ? args[1] : args[0];
  auto type = RankedTensorType::get(typeOf(t.tensor).getShape(), ctx.b.getF32Type());
  return CompareOp::create(ctx.b, ctx.loc, type, t.tensor,
                           CompareKindAttr::get(ctx.b.getContext(), kind),
                           ctx.b.getF64FloatAttr(n.literal));
}

/// Logical ops on 0/1 masks: and is min, or is max, not is 1 - x.
Value logicalNot(LayerContext &ctx, ArrayRef<Value> inputs) {
  if (inputs.size() != 1)
    ctx.fail("expected 1 tensor argument");
  Value one = ctx.constant(1.0f, SmallVector<int64_t>(typeOf(inputs[0]).getRank(), 1));
  return BinaryOp::create(ctx.b, ctx.loc, one, inputs[0],
                          BinaryKindAttr::get(ctx.b.getContext(), BinaryKind::sub));
}

/// ExpandDims: a size-1 axis inserted at `axis`.
Value expandDims(LayerContext &ctx, ArrayRef<Value> inputs) {
  if (inputs.size() != 1)
    ctx.fail("expected 1 tensor argument");
  auto type = typeOf(inputs[0]);
  int64_t rank = type.getRank() + 1;
  const llvm::json::Value *a = ctx.get("axis");
  std::optional<int64_t> axis = a ? a->getAsInteger() : std::nullopt;
  if (!axis)
    ctx.fail("expected one integer axis");
  int64_t at = featureAxis(ctx, *axis, rank);
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.begin() + at, 1);
  return ReshapeOp::create(ctx.b, ctx.loc, RankedTensorType::get(shape, type.getElementType()),
                           inputs[0]);
}

/// Cast to a float or boolean dtype (booleans are 0/1 floats in kiln).
Value castOp(LayerContext &ctx, ArrayRef<Value> inputs) {
  if (inputs.size() != 1)
    ctx.fail("expected 1 tensor argument");
  std::string dtype = ctx.getString("dtype", "float32");
  if (dtype == "float32")
    return inputs[0];
  if (dtype == "bool") {
    auto type = typeOf(inputs[0]);
    return CompareOp::create(ctx.b, ctx.loc, type, inputs[0],
                             CompareKindAttr::get(ctx.b.getContext(), CompareKind::ne),
                             ctx.b.getF64FloatAttr(0.0));
  }
  ctx.fail("cast to '" + dtype + "' is not supported; kiln computes in float32");
}

} // namespace

void registerRawOps(LayerRegistry &registry) {
  auto add = [&](const char *name, std::function<Value(LayerContext &, ArrayRef<Value>)> fn) {
    registry.addOp(name, [fn](LayerContext &ctx, ArrayRef<Value> in) -> SmallVector<Value> {
      return {fn(ctx, in)};
    });
  };
  for (auto [name, kind] : {std::pair{"Add", BinaryKind::add}, {"Subtract", BinaryKind::sub},
                            {"Multiply", BinaryKind::mul}, {"Divide", BinaryKind::div},
                            {"TrueDivide", BinaryKind::div}, {"Maximum", BinaryKind::max},
                            {"Minimum", BinaryKind::min}})
    add(name, [kind = kind](LayerContext &c, ArrayRef<Value> in) { return binary(c, in, kind); });
  for (auto [name, kind] : {std::pair{"Absolute", ActivationKind::abs},
                            {"Abs", ActivationKind::abs}, {"Negative", ActivationKind::negative},
                            {"Square", ActivationKind::square}, {"Sqrt", ActivationKind::sqrt},
                            {"Exp", ActivationKind::exponential}, {"Log", ActivationKind::log}})
    add(name, [kind = kind](LayerContext &c, ArrayRef<Value> in) { return unary(c, in, kind); });
  for (auto [name, kind] : {std::pair{"Sum", ReduceKind::sum}, {"Mean", ReduceKind::mean},
                            {"Max", ReduceKind::max}, {"Min", ReduceKind::min}})
    add(name, [kind = kind](LayerContext &c, ArrayRef<Value> in) { return reduce(c, in, kind); });
  add("Reshape", reshape);
  add("Transpose", transpose);
  add("GetItem", getItem);
  add("Concatenate", concatenate);
  add("Matmul", matmul);
  add("NotEqual", [](LayerContext &c, ArrayRef<Value> in) {
    return compare(c, in, CompareKind::ne);
  });
  add("Equal", [](LayerContext &c, ArrayRef<Value> in) { return compare(c, in, CompareKind::eq); });
  for (const char *name : {"NotEqual", "Equal"})
    registry.addIdConsumer(name, /*rawOp=*/true);
  add("LogicalAnd", [](LayerContext &c, ArrayRef<Value> in) {
    return binary(c, in, BinaryKind::min);
  });
  add("LogicalOr", [](LayerContext &c, ArrayRef<Value> in) {
    return binary(c, in, BinaryKind::max);
  });
  add("LogicalNot", logicalNot);
  add("Any", [](LayerContext &c, ArrayRef<Value> in) { return reduce(c, in, ReduceKind::max); });
  add("All", [](LayerContext &c, ArrayRef<Value> in) { return reduce(c, in, ReduceKind::min); });
  add("ExpandDims", expandDims);
  add("Cast", castOp);
}

} // namespace kiln::keras
