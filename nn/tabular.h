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

namespace candor::nn {

struct TabularModelSpec {
  std::string kind = "mlp";  // mlp | ft_transformer
  MlpOptions mlp;            // kind mlp
  FtTransformerConfig ft;    // kind ft_transformer
};

// The FT-Transformer's feature tokens for the encoder's columns: a numeric (or ordinal) feature is
// one column, a one-hot categorical one is its block of columns.
std::vector<TabularToken> tabular_tokens(const datasets::Encoder& encoder);

// forward(x [N, F]) -> logits [N, 1] over the encoder's F features, initialised from
// Generator(seed). ValueError for an unknown kind.
std::shared_ptr<Module> build_tabular_model(const TabularModelSpec& spec, const datasets::Encoder& encoder,
                                            uint64_t seed);

// The number of parameters build_tabular_model would allocate, computed without allocating: a
// checkpoint's metadata is checked against the values its file holds before a model is built from
// it. ValueError for an invalid spec, ShapeError when the count overflows int64.
int64_t tabular_parameter_count(const TabularModelSpec& spec, const datasets::Encoder& encoder);

}  // namespace candor::nn
