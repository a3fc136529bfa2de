#include <algorithm>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/loader.h"
#include "engine/ops/ops.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::datasets;

namespace {

// N rows whose features, label, weight and group all encode the row number, so a batch shows
// which rows it holds and that every tensor was gathered with the same index.
Encoded numbered(int64_t n) {
  std::vector<float> x, y, w;
  std::vector<int64_t> g;
  for (int64_t i = 0; i < n; ++i) {
    x.push_back(static_cast<float>(i));
    x.push_back(static_cast<float>(-i));
    y.push_back(static_cast<float>(i % 2));
    w.push_back(static_cast<float>(i) + 0.5f);
    g.push_back(i % 3);
  }
  Encoded e;
  e.x = from_vector(x, {n, 2});
  e.y = from_vector(y, {n});
  e.weight = from_vector(w, {n});
  e.sensitive = {{"group", {"a", "b", "c"}, from_vector(g, {n})}};
  return e;
}

// The rows of every batch of the current epoch, in visiting order; checks each batch's tensors.
std::vector<int64_t> epoch_rows(const DataLoader& loader) {
  std::vector<int64_t> rows;
  for (int64_t b = 0; b < loader.batches(); ++b) {
    Batch batch = loader.batch(b);
    std::vector<int64_t> index = batch.index.to_vector<int64_t>();
    std::vector<float> x = batch.x.to_vector<float>(), y = batch.y.to_vector<float>();
    std::vector<float> w = batch.weight.to_vector<float>();
    std::vector<int64_t> g = batch.sensitive.at(0).ids.to_vector<int64_t>();
    REQUIRE(batch.x.shape() == Shape{static_cast<int64_t>(index.size()), 2});
    for (size_t i = 0; i < index.size(); ++i) {
      CHECK(x[2 * i] == static_cast<float>(index[i]));
      CHECK(x[2 * i + 1] == static_cast<float>(-index[i]));
      CHECK(y[i] == static_cast<float>(index[i] % 2));
      CHECK(w[i] == static_cast<float>(index[i]) + 0.5f);
      CHECK(g[i] == index[i] % 3);
    }
    rows.insert(rows.end(), index.begin(), index.end());
  }
  return rows;
}

std::vector<int64_t> sorted(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("loader: every row once per epoch with a smaller last batch and a reshuffle each epoch") {
  const int64_t n = 10;
  std::vector<int64_t> all(n);
  for (int64_t i = 0; i < n; ++i) all[static_cast<size_t>(i)] = i;
  DataLoader loader(numbered(n), 3, true, 123);
  CHECK(loader.batches() == 4);
  CHECK(loader.batch(3).x.size(0) == 1);
  std::vector<int64_t> first = epoch_rows(loader);
  CHECK(sorted(first) == all);
  CHECK(first != all);  // shuffled
  loader.next_epoch();
  CHECK(loader.epoch() == 1);
  std::vector<int64_t> second = epoch_rows(loader);
  CHECK(sorted(second) == all);
  CHECK(second != first);

  // Deterministic: a second loader with the same seed visits the same orders, and can jump.
  DataLoader again(numbered(n), 3, true, 123);
  CHECK(epoch_rows(again) == first);
  again.next_epoch();
  CHECK(epoch_rows(again) == second);
  DataLoader jump(numbered(n), 3, true, 123);
  jump.set_epoch(1);
  CHECK(epoch_rows(jump) == second);
  DataLoader other(numbered(n), 3, true, 124);
  CHECK(epoch_rows(other) != first);
}

TEST_CASE("loader: row order without shuffling and drop_last and bad arguments") {
  const int64_t n = 7;
  DataLoader plain(numbered(n), 2, false, 0);
  std::vector<int64_t> rows = epoch_rows(plain);
  CHECK(rows == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6});
  plain.next_epoch();
  CHECK(epoch_rows(plain) == rows);
  DataLoader dropping(numbered(n), 2, true, 5, true);
  CHECK(dropping.batches() == 3);
  CHECK(epoch_rows(dropping).size() == 6);
  DataLoader whole(numbered(n), 100, true, 5);
  CHECK(whole.batches() == 1);
  CHECK(sorted(epoch_rows(whole)).size() == 7);
  testing::check_throws<IndexError>([&] { plain.batch(4); },
                                    {"batch 4 is out of range (4 batches)"});
  testing::check_throws<IndexError>([&] { plain.batch(-1); }, {"batch -1 is out of range"});
  testing::check_throws<ValueError>([] { DataLoader(numbered(3), 0, true, 0); },
                                    {"batch size must be > 0, got 0"});
  Encoded bad = numbered(3);
  bad.y = zeros({4});
  testing::check_throws<ShapeError>([&] { DataLoader(bad, 2, true, 0); }, {"x has 3 rows but y"});
}
