// Weight groups in model.weights.h5 are keyed by Keras's to_snake_case of the
// class name. Expected values were printed by
// keras.src.utils.naming.to_snake_case (Keras 3.15.1).
#include "ModelConfig.h"

#include <gtest/gtest.h>

using kiln::keras::toSnakeCase;

TEST(SnakeCase, MatchesKeras) {
  const std::pair<const char *, const char *> cases[] = {
      {"PReLU", "p_re_lu"},
      {"Conv2D", "conv2d"},
      {"InputLayer", "input_layer"},
      {"Conv2DTranspose", "conv2d_transpose"},
      {"LSTM", "lstm"},
      {"GRU", "gru"},
      {"MultiHeadAttention", "multi_head_attention"},
      {"BatchNormalization", "batch_normalization"},
      {"ReLU", "re_lu"},
      {"ELU", "elu"},
      {"UpSampling2D", "up_sampling2d"},
      {"GlobalAveragePooling2D", "global_average_pooling2d"},
      {"SimpleRNN", "simple_rnn"},
      {"Dense", "dense"},
  };
  for (const auto &[className, expected] : cases)
    EXPECT_EQ(toSnakeCase(className), expected) << className;
}
