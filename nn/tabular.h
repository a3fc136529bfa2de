// Classifiers for the encoded tabular matrix: an MLP, or an FT-Transformer whose tokens are the
// encoder's columns, built from a small description with seeded initial weights.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "datasets/encoder.h"
#include "nn/ft_transformer.h"
#include "nn/layers.h"
#include "nn/logistic.h"

namespace candor::nn {

struct TabularModelSpec {
  std::string kind = "mlp";   // mlp | ft_transformer | logistic
  MlpOptions mlp;             // kind mlp
  FtTransformerConfig ft;     // kind ft_transformer
  LogisticOptions logistic;   // kind logistic: a linear layer fitted by fit_logistic, not by epochs
  // kind mlp: encode each number piecewise-linearly over up to this many quantile bins as well
  // (nn/piecewise_linear.h); 0: off. What the encoder is fitted with (EncoderOptions::numeric_bins).
  int64_t numeric_bins = 0;
};

// The FT-Transformer's feature tokens for the encoder's columns: a numeric (or ordinal) feature is
// one column, a one-hot categorical one is its block of columns.
std::vector<TabularToken> tabular_tokens(const datasets::Encoder& encoder);

// forward(x [N, F]) -> logits [N, 1] over the encoder's F features, initialised from
// Generator(seed). ValueError for an unknown kind. A logistic model is make_mlp with no hidden
// layer (one Linear, "0.weight" [1, F] and "0.bias" [1]). An encoder fitted with numeric_bins > 0
// puts a PiecewiseLinear layer (nn/piecewise_linear.h) in front of the MLP, as child "0"; other
// kinds refuse it (ValueError).
std::shared_ptr<Module> build_tabular_model(const TabularModelSpec& spec, const datasets::Encoder& encoder,
                                            uint64_t seed);

// Puts a fitted logistic regression's coefficients into a model build_tabular_model made for the
// kind logistic (ValueError when the sizes differ).
void set_logistic_weights(Module& model, const LogisticRegression& fit);

// The number of parameters build_tabular_model would allocate, computed without allocating: a
// checkpoint's metadata is checked against the values its file holds before a model is built from
// it. ValueError for an invalid spec, ShapeError when the count overflows int64.
int64_t tabular_parameter_count(const TabularModelSpec& spec, const datasets::Encoder& encoder);

}  // namespace candor::nn
