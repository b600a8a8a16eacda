// kiln → EmitC: the function, its return and weight accesses. Kernel calls
// for the kiln ops themselves are in KernelCallPatterns.cpp.
#include "PopulatePatterns.h"

#include "kiln/Conversion/Passes.h"
#include "kiln/Dialect/Kiln/IR/KilnOps.h"
#include "kiln/Dialect/Kiln/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/SymbolTable.h"

#include <type_traits>

namespace kiln {
#define GEN_PASS_DEF_CONVERTKILNTOEMITC
#include "kiln/Conversion/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
constexpr const char kNumInputsAttr[] = "kiln.num_inputs";

Type floatPtr(MLIRContext *ctx) {
  return emitc::PointerType::get(Float32Type::get(ctx));
}
Type opaquePtr(MLIRContext *ctx, StringRef pointee) {
  return emitc::PointerType::get(emitc::OpaqueType::get(ctx, pointee));
}

int64_t numElements(Value v) {
  return cast<RankedTensorType>(v.getType()).getNumElements();
}

/// func.func(tensors) -> tensors  ==>  static void f(float* in..., float* out..., unsigned char* arena)
struct FuncLowering : OpConversionPattern<func::FuncOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(func::FuncOp func, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = func.getContext();
    FunctionType type = func.getFunctionType();
    TypeConverter::SignatureConversion signature(type.getNumInputs());
    SmallVector<Type> argTypes;
    for (unsigned i = 0; i < type.getNumInputs(); ++i) {
      auto tensor = dyn_cast<RankedTensorType>(type.getInput(i));
      if (!tensor)
        return rewriter.notifyMatchFailure(func, "non-tensor argument");
      // float32 activations, or integer ids (int32_t*, int64_t*).
      Type pointer = emitc::PointerType::get(tensor.getElementType());
      signature.addInputs(i, pointer);
      argTypes.push_back(pointer);
    }
    for (unsigned k = 0; k < type.getNumResults(); ++k)
      argTypes.push_back(floatPtr(ctx));
    argTypes.push_back(opaquePtr(ctx, "unsigned char"));
    signature.addInputs(ArrayRef(argTypes).drop_front(type.getNumInputs()));

    auto newFunc = emitc::FuncOp::create(rewriter, func.getLoc(), func.getName(),
                                         rewriter.getFunctionType(argTypes, {}));
    newFunc.setSpecifiersAttr(rewriter.getStrArrayAttr({"static"}));
    newFunc->setAttr(kNumInputsAttr, rewriter.getI64IntegerAttr(type.getNumInputs()));
    rewriter.inlineRegionBefore(func.getBody(), newFunc.getBody(), newFunc.end());
    rewriter.applySignatureConversion(&newFunc.getBody().front(), signature);
    rewriter.eraseOp(func);
    return success();
  }
};

/// kiln.profile_begin/end N  ==>  kiln::rt::profile_begin/end(kiln_profile_slots, N);
/// the generated source defines the slots (kiln/rt/profile.h).
template <typename MarkOp>
struct ProfileMarkLowering : OpConversionPattern<MarkOp> {
  ProfileMarkLowering(MLIRContext *ctx, StringRef callee)
      : OpConversionPattern<MarkOp>(ctx), callee(callee.str()) {}

  LogicalResult matchAndRewrite(MarkOp op, typename MarkOp::Adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    kiln::emitKernelCall(rewriter, op.getLoc(), callee, {},
                         {emitc::OpaqueAttr::get(op.getContext(), "kiln_profile_slots"),
                          rewriter.getI64IntegerAttr(op.getSlot())});
    rewriter.eraseOp(op);
    return success();
  }
  std::string callee;
};

emitc::FuncOp enclosingFunc(Operation *op) {
  return op->getParentOfType<emitc::FuncOp>();
}

/// Returned values were computed in place in their output buffer, except
/// function inputs and values returned more than once, which are copied.
struct ReturnLowering : OpConversionPattern<func::ReturnOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(func::ReturnOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    emitc::FuncOp func = enclosingFunc(op);
    int64_t numInputs = cast<IntegerAttr>(func->getAttr(kNumInputsAttr)).getInt();
    for (auto [k, value] : llvm::enumerate(op.getOperands())) {
      Value output = func.getArgument(numInputs + k);
      if (auto result = dyn_cast<OpResult>(value)) {
        auto planned = result.getOwner()->getAttrOfType<DenseI64ArrayAttr>(
            kiln::attr::kOutputIndex);
        if (planned && planned[result.getResultNumber()] == int64_t(k))
          continue;
      }
      kiln::emitKernelCall(rewriter, op.getLoc(), "kiln::rt::copy_f32",
                           {adaptor.getOperands()[k], output},
                           {rewriter.getIndexAttr(0), rewriter.getIndexAttr(1),
                            rewriter.getI64IntegerAttr(numElements(value))});
    }
    rewriter.replaceOpWithNewOp<emitc::ReturnOp>(op, Value());
    return success();
  }
};

/// A weight load is a typed pointer into the weight blob: const for
/// constant weights (global_load_const), writable for trained ones
/// (global_load), whose values change after each optimizer step.
template <typename LoadOp>
struct WeightLoadLowering : OpConversionPattern<LoadOp> {
  static constexpr bool kConst = std::is_same_v<LoadOp, ml_program::GlobalLoadConstOp>;

  WeightLoadLowering(MLIRContext *ctx, std::string symbol)
      : OpConversionPattern<LoadOp>(ctx), weightsSymbol(std::move(symbol)) {}

  LogicalResult matchAndRewrite(LoadOp op, typename LoadOp::Adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<int64_t> offset = kiln::weightOffset(op, op.getGlobalAttr());
    if (failed(offset))
      return failure();
    MLIRContext *ctx = op.getContext();
    Value blob = emitc::LiteralOp::create(
        rewriter, op.getLoc(), opaquePtr(ctx, kConst ? "const unsigned char" : "unsigned char"),
        weightsSymbol);
    auto call = emitc::CallOpaqueOp::create(
        rewriter, op.getLoc(), TypeRange{kConst ? opaquePtr(ctx, "const float") : floatPtr(ctx)},
        "kiln::rt::at", ValueRange{blob},
        rewriter.getArrayAttr({rewriter.getIndexAttr(0), rewriter.getI64IntegerAttr(*offset)}),
        rewriter.getArrayAttr({emitc::OpaqueAttr::get(ctx, "float")}));
    rewriter.replaceOp(op, call.getResult(0));
    return success();
  }

  std::string weightsSymbol;
};

struct GlobalLowering : OpConversionPattern<ml_program::GlobalOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ml_program::GlobalOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.eraseOp(op);
    return success();
  }
};

struct ConvertKilnToEmitCPass
    : kiln::impl::ConvertKilnToEmitCBase<ConvertKilnToEmitCPass> {
  using ConvertKilnToEmitCBase::ConvertKilnToEmitCBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    OpBuilder builder(ctx);
    builder.setInsertionPointToStart(module.getBody());
    emitc::IncludeOp::create(builder, module.getLoc(), "kiln/rt/kiln_rt.h");
    // Training updates the weights in place: then the blob is writable.
    bool trained = llvm::any_of(module.getOps<ml_program::GlobalOp>(),
                                [](ml_program::GlobalOp g) { return g.getIsMutable(); });
    emitc::VerbatimOp::create(builder, module.getLoc(),
                              std::string("extern \"C\" ") + (trained ? "" : "const ") +
                                  "unsigned char " + weightsSymbol + "[];");

    ConversionTarget target(*ctx);
    target.addLegalDialect<emitc::EmitCDialect>();
    target.addLegalOp<ModuleOp>();
    target.addIllegalDialect<kiln::KilnDialect, ml_program::MLProgramDialect,
                             func::FuncDialect>();
    RewritePatternSet patterns(ctx);
    patterns.add<FuncLowering, ReturnLowering, GlobalLowering>(ctx);
    patterns.add<WeightLoadLowering<ml_program::GlobalLoadConstOp>,
                 WeightLoadLowering<ml_program::GlobalLoadOp>>(ctx, weightsSymbol);
    patterns.add<ProfileMarkLowering<kiln::ProfileBeginOp>>(ctx, "kiln::rt::profile_begin");
    patterns.add<ProfileMarkLowering<kiln::ProfileEndOp>>(ctx, "kiln::rt::profile_end");
    kiln::populateKernelCallPatterns(patterns);
    kiln::populateTrainingPatterns(patterns, weightsSymbol);
    if (failed(applyFullConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    module.walk([](emitc::FuncOp f) { f->removeAttr(kNumInputsAttr); });
  }
};
} // namespace

namespace kiln {

FailureOr<int64_t> weightOffset(Operation *op, SymbolRefAttr weight) {
  auto global = SymbolTable::lookupNearestSymbolFrom<ml_program::GlobalOp>(op, weight);
  auto offset = global ? global->getAttrOfType<IntegerAttr>(attr::kWeightOffset) : IntegerAttr();
  if (!offset)
    return op->emitError("weight ") << weight << " has no offset; run -kiln-plan-weights first";
  return offset.getInt();
}

static Value pointerAt(ConversionPatternRewriter &rewriter, Operation *op,
                       int64_t offset) {
  emitc::FuncOp func = enclosingFunc(op);
  Value arena = func.getArguments().back();
  MLIRContext *ctx = op->getContext();
  auto call = emitc::CallOpaqueOp::create(
      rewriter, op->getLoc(), TypeRange{floatPtr(ctx)}, "kiln::rt::at",
      ValueRange{arena},
      rewriter.getArrayAttr({rewriter.getIndexAttr(0), rewriter.getI64IntegerAttr(offset)}),
      rewriter.getArrayAttr({emitc::OpaqueAttr::get(ctx, "float")}));
  return call.getResult(0);
}

FailureOr<Value> getResultBuffer(Operation *op, unsigned index,
                                 ConversionPatternRewriter &rewriter) {
  auto offsets = op->getAttrOfType<DenseI64ArrayAttr>(attr::kArenaOffset);
  auto outputs = op->getAttrOfType<DenseI64ArrayAttr>(attr::kOutputIndex);
  emitc::FuncOp func = enclosingFunc(op);
  if (!offsets || !outputs || !func)
    return op->emitError("result buffer not planned; run -kiln-plan-memory first");
  if (outputs[index] >= 0) {
    int64_t numInputs = cast<IntegerAttr>(func->getAttr(kNumInputsAttr)).getInt();
    return Value(func.getArgument(numInputs + outputs[index]));
  }
  return pointerAt(rewriter, op, offsets[index]);
}

FailureOr<Value> getScratchBuffer(Operation *op, ConversionPatternRewriter &rewriter) {
  auto offset = op->getAttrOfType<IntegerAttr>(attr::kScratchOffset);
  if (!offset || !enclosingFunc(op))
    return op->emitError("scratch buffer not planned; run -kiln-plan-memory first");
  return pointerAt(rewriter, op, offset.getInt());
}

void emitKernelCall(ConversionPatternRewriter &rewriter, Location loc,
                    StringRef callee, ValueRange operands, ArrayRef<Attribute> args,
                    ArrayRef<Attribute> templateArgs) {
  emitc::CallOpaqueOp::create(
      rewriter, loc, TypeRange{}, callee, operands, rewriter.getArrayAttr(args),
      templateArgs.empty() ? ArrayAttr() : rewriter.getArrayAttr(templateArgs));
}

} // namespace kiln
