// KvCache: per-layer keys and values, with their size; declared in nn/kv_cache.h.
#include "nn/kv_cache.h"

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::nn {

KvCache::KvCache(int64_t n_layer) {
  if (n_layer <= 0) throw ValueError(fmt::format("KvCache: n_layer must be positive, got {}", n_layer));
  layers_.resize(static_cast<size_t>(n_layer));
}

int64_t KvCache::length() const { return layers_.front().k.defined() ? layers_.front().k.size(2) : 0; }

int64_t KvCache::bytes() const {
  int64_t total = 0;
  for (const LayerKv& l : layers_) {
    for (const Tensor* t : {&l.k, &l.v}) {
      if (t->defined()) total += t->numel() * static_cast<int64_t>(dtype_size(t->dtype()));
    }
  }
  return total;
}

void KvCache::clear() {
  for (LayerKv& l : layers_) l = LayerKv{};
}

LayerKv& KvCache::layer(int64_t i) {
  if (i < 0 || i >= n_layer()) {
    throw IndexError(fmt::format("KvCache: layer {} is outside [0, {})", i, n_layer()));
  }
  return layers_[static_cast<size_t>(i)];
}

}  // namespace candor::nn
