// Batches of tensors from Encoded data, with seeded shuffling.
//
// Epoch e visits the rows in the order of the e-th permutation drawn from Generator(seed)
// (epoch 0 the first), or in row order without shuffling; each epoch yields every row once.
// Because epoch e's order depends only on (seed, e), a resumed run can jump with set_epoch(e).
#pragma once

#include <cstdint>
#include <vector>

#include "datasets/encoder.h"
#include "engine/tensor.h"

namespace candor::datasets {

struct Batch {
  Tensor x, y, weight;         // [B, F] float32, [B] float32, [B] float32
  std::vector<SensitiveFeature> sensitive;  // per sensitive column: ids [B] and group names
  Tensor index;                // [B] int64: the rows' positions in the Encoded data
};

class DataLoader {
 public:
  // The last batch is smaller when N is not a multiple of batch_size, unless `drop_last`.
  DataLoader(const Encoded& data, int64_t batch_size, bool shuffle, uint64_t seed,
             bool drop_last = false);
  int64_t batches() const;
  int64_t rows() const { return rows_; }
  Batch batch(int64_t i) const;  // IndexError outside [0, batches())
  void next_epoch();             // reshuffles (when shuffling) for the following epoch
  void set_epoch(int64_t epoch);
  int64_t epoch() const { return epoch_; }

 private:
  void reorder();

  Encoded data_;
  int64_t rows_ = 0, batch_size_ = 1;
  bool shuffle_ = false, drop_last_ = false;
  uint64_t seed_ = 0;
  int64_t epoch_ = 0;
  Tensor order_;  // [N] int64: the row visited at each position this epoch
};

}  // namespace candor::datasets
