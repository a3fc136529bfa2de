// A key/value cache for autoregressive decoding: the keys and values every attention layer has
// computed so far, so that each new token runs alone and attends to them instead of the whole
// context being run again. Inference only (it holds tensors without their graphs).
//
// Legend: B batch, H heads, S cached positions, D channels per head.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace candor::nn {

// One attention layer's cached keys and values, [B, H, S, D] each; undefined while empty.
struct LayerKv {
  Tensor k, v;
};

class KvCache {
 public:
  explicit KvCache(int64_t n_layer);
  int64_t n_layer() const { return static_cast<int64_t>(layers_.size()); }
  // S: the positions cached (0 when empty). Every layer holds the same number.
  int64_t length() const;
  // The memory the cached keys and values occupy, in bytes.
  int64_t bytes() const;
  void clear();
  LayerKv& layer(int64_t i);  // IndexError outside [0, n_layer)

 private:
  std::vector<LayerKv> layers_;
};

}  // namespace candor::nn
