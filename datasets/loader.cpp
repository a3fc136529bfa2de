#include "datasets/loader.h"

#include <algorithm>

#include <fmt/format.h>

#include "datasets/errors.h"
#include "engine/ops/ops.h"

namespace candor::datasets {

DataLoader::DataLoader(const Encoded& data, int64_t batch_size, bool shuffle, uint64_t seed,
                       bool drop_last)
    : data_(data), batch_size_(batch_size), shuffle_(shuffle), drop_last_(drop_last), seed_(seed) {
  if (batch_size <= 0) {
    throw ValueError(fmt::format("DataLoader: batch size must be > 0, got {}", batch_size));
  }
  if (!data.x.defined() || !data.y.defined() || data.x.dim() != 2) {
    throw ValueError("DataLoader: the data needs x [N, F] and y [N]");
  }
  rows_ = data.x.size(0);
  auto check = [&](const Tensor& t, const char* name) {
    if (t.defined() && (t.dim() < 1 || t.size(0) != rows_)) {
      throw ShapeError(fmt::format("DataLoader: x has {} rows but {} has shape {}", rows_, name,
                                   t.dim() < 1 ? "[]" : std::to_string(t.size(0)) + " rows"));
    }
  };
  check(data.y, "y");
  check(data.weight, "weight");
  for (const SensitiveFeature& s : data.sensitive) check(s.ids, "a sensitive feature's ids");
  reorder();
}

int64_t DataLoader::batches() const {
  return drop_last_ ? rows_ / batch_size_ : (rows_ + batch_size_ - 1) / batch_size_;
}

void DataLoader::reorder() {
  if (!shuffle_) {
    order_ = arange(rows_);
    return;
  }
  // Skip the blocks the permutations of epochs 0..e-1 used: the same stream as drawing one
  // permutation per epoch from a single generator, but reachable directly.
  Generator gen(seed_);
  gen.reserve(static_cast<uint64_t>(epoch_) * static_cast<uint64_t>(std::max<int64_t>(rows_, 1)));
  order_ = permutation(rows_, &gen);
}

void DataLoader::next_epoch() { set_epoch(epoch_ + 1); }

void DataLoader::set_epoch(int64_t epoch) {
  if (epoch < 0) throw ValueError(fmt::format("DataLoader: epoch must be >= 0, got {}", epoch));
  epoch_ = epoch;
  reorder();
}

Batch DataLoader::batch(int64_t i) const {
  if (i < 0 || i >= batches()) {
    throw IndexError(
        fmt::format("DataLoader: batch {} is out of range ({} batches)", i, batches()));
  }
  int64_t start = i * batch_size_;
  int64_t length = std::min(batch_size_, rows_ - start);
  Batch b;
  b.index = narrow(order_, 0, start, length).clone();
  b.x = index_select(data_.x, 0, b.index);
  b.y = index_select(data_.y, 0, b.index);
  b.weight = data_.weight.defined() ? index_select(data_.weight, 0, b.index) : ones({length});
  for (const SensitiveFeature& s : data_.sensitive) b.sensitive.push_back(s.take(b.index));
  return b;
}

}  // namespace candor::datasets
