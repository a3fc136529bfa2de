// The piecewise-linear encoding of numbers (Gorishniy, Rubachev & Babenko, "On Embeddings for
// Numerical Features in Tabular Deep Learning", NeurIPS 2022, eq. 1), as an MLP's first layer.
// For a number x with bin edges e_0 < e_1 < ... < e_T (the encoder's quantile edges, fitted on the
// training rows: datasets/quantile_edges.h), bin t gives
//   clamp((x - e_{t-1}) / (e_t - e_{t-1}), 0, 1),    t = 1..T,
// so the bins below x read 1, the bins above 0 and x's own bin its position inside it: a
// thermometer code that is linear inside each bin. The layer returns its input with every numeric
// feature's T bins appended,
//   [N, F] -> [N, F + sum of T],
// so the model still sees each standardised number itself (and extrapolates past the training
// range linearly), and a plain MLP on top can bend at every quantile instead of learning where the
// bends go. Adult's capital-gain, mostly 0 and otherwise spread over 114 to 99999, is the example:
// the MLP's test accuracy goes from 0.851 to about 0.86 with 16 bins.
//
// The layer has no trainable parameter; its buffers ("columns", "lower", "inverse_width") are the
// bins, saved with the model. Its input's gradient is the bins' slopes (0 outside the bin).
#pragma once

#include <memory>

#include "datasets/encoder.h"
#include "nn/module.h"

namespace candor::nn {

class PiecewiseLinear : public Module {
 public:
  // The bins of every numeric feature of `encoder` (fitted with numeric_bins > 0), at the
  // feature's column of the encoded matrix.
  explicit PiecewiseLinear(const datasets::Encoder& encoder);
  Tensor forward(const Tensor& x) override;
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const;

 private:
  int64_t in_features_ = 0;
  Tensor columns_;        // [B] int64: the input column of each bin
  Tensor lower_;          // [B]: e_{t-1}
  Tensor inverse_width_;  // [B]: 1 / (e_t - e_{t-1})
};

}  // namespace candor::nn
