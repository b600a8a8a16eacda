#ifndef KILN_ATTRS_TD
#define KILN_ATTRS_TD

include "kiln/Dialect/Kiln/IR/KilnDialect.td"
include "mlir/IR/EnumAttr.td"

// Elementwise activations, spelled as Keras 3 names them in a layer config.
// Activations that are not elementwise (softmax, log_softmax, glu, sparsemax)
// are ops of their own.
def Kiln_ActivationKind : I32EnumAttr<"ActivationKind",
    "elementwise activation function", [
  I32EnumAttrCase<"linear", 0>,
  I32EnumAttrCase<"relu", 1>,
  I32EnumAttrCase<"relu6", 2>,
  I32EnumAttrCase<"leaky_relu", 3>,
  I32EnumAttrCase<"elu", 4>,
  I32EnumAttrCase<"selu", 5>,
  I32EnumAttrCase<"gelu", 6>,
  I32EnumAttrCase<"gelu_tanh", 7>,
  I32EnumAttrCase<"silu", 8>,
  I32EnumAttrCase<"hard_sigmoid", 9>,
  I32EnumAttrCase<"hard_silu", 10>,
  I32EnumAttrCase<"sigmoid", 11>,
  I32EnumAttrCase<"tanh", 12>,
  I32EnumAttrCase<"softplus", 13>,
  I32EnumAttrCase<"softsign", 14>,
  I32EnumAttrCase<"exponential", 15>,
  I32EnumAttrCase<"celu", 16>,
  I32EnumAttrCase<"mish", 17>,
  I32EnumAttrCase<"log_sigmoid", 18>,
  I32EnumAttrCase<"squareplus", 19>,
  I32EnumAttrCase<"soft_shrink", 20>,
  I32EnumAttrCase<"hard_shrink", 21>,
  I32EnumAttrCase<"hard_tanh", 22>,
  I32EnumAttrCase<"tanh_shrink", 23>,
  I32EnumAttrCase<"sparse_plus", 24>,
  I32EnumAttrCase<"sparse_sigmoid", 25>,
  I32EnumAttrCase<"threshold", 26>,
  I32EnumAttrCase<"hard_sigmoid_keras2", 27>,
  // Elementwise functions that raw Keras ops (keras.ops.*) record.
  I32EnumAttrCase<"abs", 28>,
  I32EnumAttrCase<"negative", 29>,
  I32EnumAttrCase<"square", 30>,
  I32EnumAttrCase<"sqrt", 31>,
  I32EnumAttrCase<"log", 32>,
  I32EnumAttrCase<"rsqrt", 33>
]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_ActivationAttr : EnumAttr<Kiln_Dialect, Kiln_ActivationKind, "activation"> {
  let summary = "elementwise activation applied by an op or fused into it";
  let assemblyFormat = "`<` $value `>`";
}

def Kiln_BinaryKind : I32EnumAttr<"BinaryKind", "elementwise binary operation", [
  I32EnumAttrCase<"add", 0>,
  I32EnumAttrCase<"sub", 1>,
  I32EnumAttrCase<"mul", 2>,
  I32EnumAttrCase<"div", 3>,
  I32EnumAttrCase<"max", 4>,
  I32EnumAttrCase<"min", 5>
]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_ReduceKind : I32EnumAttr<"ReduceKind", "reduction", [
  I32EnumAttrCase<"sum", 0>,
  I32EnumAttrCase<"mean", 1>,
  I32EnumAttrCase<"max", 2>,
  I32EnumAttrCase<"min", 3>
]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_ReduceAttr : EnumAttr<Kiln_Dialect, Kiln_ReduceKind, "reduce"> {
  let summary = "which reduction";
  let assemblyFormat = "`<` $value `>`";
}

def Kiln_PoolKind : I32EnumAttr<"PoolKind", "pooling", [
  I32EnumAttrCase<"max", 0>,
  I32EnumAttrCase<"avg", 1>
]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_PoolAttr : EnumAttr<Kiln_Dialect, Kiln_PoolKind, "pool"> {
  let summary = "max or average pooling";
  let assemblyFormat = "`<` $value `>`";
}

def Kiln_ResizeKind : I32EnumAttr<"ResizeKind", "resize interpolation", [
  I32EnumAttrCase<"nearest", 0>,
  I32EnumAttrCase<"bilinear", 1>
]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_ResizeAttr : EnumAttr<Kiln_Dialect, Kiln_ResizeKind, "resize"> {
  let summary = "resize interpolation";
  let assemblyFormat = "`<` $value `>`";
}

def Kiln_BinaryAttr : EnumAttr<Kiln_Dialect, Kiln_BinaryKind, "binary"> {
  let summary = "which elementwise binary operation";
  let assemblyFormat = "`<` $value `>`";
}

def Kiln_RnnCellKind : I32EnumAttr<"RnnCellKind", "recurrent cell", [
  I32EnumAttrCase<"simple", 0>,
  I32EnumAttrCase<"lstm", 1>,
  I32EnumAttrCase<"gru", 2>
]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_RnnCellAttr : EnumAttr<Kiln_Dialect, Kiln_RnnCellKind, "cell"> {
  let summary = "SimpleRNN, LSTM or GRU cell";
  let assemblyFormat = "`<` $value `>`";
}

def Kiln_NoiseKind : I32EnumAttr<"NoiseKind", "training-time noise of a layer", [
  I32EnumAttrCase<"dropout", 0>,
  I32EnumAttrCase<"gaussian_dropout", 1>,
  I32EnumAttrCase<"gaussian_noise", 2>,
  I32EnumAttrCase<"alpha_dropout", 3>
]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_NoiseAttr : EnumAttr<Kiln_Dialect, Kiln_NoiseKind, "noise"> {
  let summary = "Dropout, GaussianDropout, GaussianNoise or AlphaDropout";
  let assemblyFormat = "`<` $value `>`";
}

def Kiln_CompareKind : I32EnumAttr<"CompareKind", "comparison", [
  I32EnumAttrCase<"eq", 0>,
  I32EnumAttrCase<"ne", 1>
]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_CompareAttr : EnumAttr<Kiln_Dialect, Kiln_CompareKind, "compare"> {
  let summary = "equal or not equal";
  let assemblyFormat = "`<` $value `>`";
}

// Training (kiln compile --train): Keras losses and optimizers by their
// Keras 3 function and class names.
def Kiln_LossKind : I32EnumAttr<"LossKind", "Keras loss function", [
  I32EnumAttrCase<"mean_squared_error", 0>,
  I32EnumAttrCase<"mean_absolute_error", 1>,
  I32EnumAttrCase<"huber", 2>,
  I32EnumAttrCase<"binary_crossentropy", 3>,
  I32EnumAttrCase<"categorical_crossentropy", 4>,
  I32EnumAttrCase<"sparse_categorical_crossentropy", 5>
]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_LossAttr : EnumAttr<Kiln_Dialect, Kiln_LossKind, "loss"> {
  let summary = "which Keras loss";
  let assemblyFormat = "`<` $value `>`";
}

def Kiln_MetricKind : I32EnumAttr<"MetricKind", "Keras metric", [
  I32EnumAttrCase<"binary_accuracy", 0>,
  I32EnumAttrCase<"categorical_accuracy", 1>,
  I32EnumAttrCase<"sparse_categorical_accuracy", 2>,
  I32EnumAttrCase<"mean_absolute_error", 3>,
  I32EnumAttrCase<"mean_squared_error", 4>
]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_MetricAttr : EnumAttr<Kiln_Dialect, Kiln_MetricKind, "metric"> {
  let summary = "which Keras metric";
  let assemblyFormat = "`<` $value `>`";
}

def Kiln_OptimizerKind : I32EnumAttr<"OptimizerKind", "Keras optimizer", [
  I32EnumAttrCase<"sgd", 0>,
  I32EnumAttrCase<"adam", 1>,
  I32EnumAttrCase<"adamw", 2>,
  I32EnumAttrCase<"rmsprop", 3>
]> {
  let cppNamespace = "::kiln";
  let genSpecializedAttr = 0;
}

def Kiln_OptimizerAttr : EnumAttr<Kiln_Dialect, Kiln_OptimizerKind, "optimizer"> {
  let summary = "which Keras optimizer";
  let assemblyFormat = "`<` $value `>`";
}

#endif // KILN_ATTRS_TD
