#include "explain/ebm/cells.h"

#include <algorithm>
#include <cstring>

namespace candor::explain::ebm {

size_t histogram_partials(size_t cell_count) {
  // More partials for small tensors: popular cells then form shorter store-to-load chains.
  return cell_count <= 32 ? 16 : cell_count <= 128 ? 8 : cell_count <= 512 ? 4 : 1;
}

CellIndex::CellIndex(const std::vector<uint32_t>& cells, size_t cell_count, CellOffsets offsets)
    : cell_count_(cell_count), rows_(cells.size()) {
  if (offsets == CellOffsets::Histogram && cell_count <= kMaxOffsetCells) {
    const size_t k = histogram_partials(cell_count);
    offsets_.resize(cells.size());
    for (size_t i = 0; i < cells.size(); ++i)
      offsets_[i] = static_cast<uint16_t>(((i % k) * cell_count + cells[i]) * 2 * sizeof(double));
  }
  if (cell_count <= 256) {
    width_ = 1;
    u8_.assign(cells.begin(), cells.end());
  } else if (cell_count <= 65536) {
    width_ = 2;
    u16_.assign(cells.begin(), cells.end());
  } else {
    width_ = 4;
    u32_ = cells;
  }
}

namespace {

using Pair = double __attribute__((vector_size(16)));  // (g, h), added with one instruction
using Quad = double __attribute__((vector_size(32)));

// Rows [begin, end) into partial i % K, in row order within each partial (so any split of the
// rows into ranges gives the same bits). Four rows' g and h come in two 32-byte loads and are
// paired by shuffles, instead of eight scalar loads: the kernel is bound by loads.
template <int K, class T>
void add_rows(const T* __restrict cells, const Grad* __restrict g, const Grad* __restrict h,
              size_t begin, size_t end, size_t n_cells, Pair* __restrict part) {
  constexpr int kStep = K < 4 ? 4 : K;  // rows per iteration: a multiple of K and of 4
  size_t i = begin;
  for (; i < end && i % K != 0; ++i) part[(i % K) * n_cells + cells[i]] += Pair{g[i], h[i]};
  for (; i + kStep <= end; i += kStep)
    for (int k = 0; k < kStep; k += 4) {
      Quad gq, hq;
      std::memcpy(&gq, g + i + k, sizeof gq);
      std::memcpy(&hq, h + i + k, sizeof hq);
      const T* c = cells + i + k;
      part[(k % K) * n_cells + c[0]] += __builtin_shufflevector(gq, hq, 0, 4);
      part[((k + 1) % K) * n_cells + c[1]] += __builtin_shufflevector(gq, hq, 1, 5);
      part[((k + 2) % K) * n_cells + c[2]] += __builtin_shufflevector(gq, hq, 2, 6);
      part[((k + 3) % K) * n_cells + c[3]] += __builtin_shufflevector(gq, hq, 3, 7);
    }
  for (; i < end; ++i) part[(i % K) * n_cells + cells[i]] += Pair{g[i], h[i]};
}

Pair* aligned(std::vector<double>& scratch, size_t pairs) {
  if (scratch.size() < 2 * pairs + 2) scratch.resize(2 * pairs + 2);
  return reinterpret_cast<Pair*>((reinterpret_cast<uintptr_t>(scratch.data()) + 15) &
                                 ~uintptr_t{15});
}

}  // namespace

GhAccumulator::GhAccumulator(const CellIndex& cells, std::vector<double>& scratch)
    : cells_(cells),
      n_cells_(cells.cell_count()),
      partials_(histogram_partials(n_cells_)) {
  Pair* part = aligned(scratch, partials_ * n_cells_);
  std::fill(part, part + partials_ * n_cells_, Pair{0.0, 0.0});
  part_ = reinterpret_cast<double*>(part);
}

void GhAccumulator::add(const Grad* g, const Grad* h, size_t begin, size_t end) {
  auto* part = reinterpret_cast<Pair*>(part_);
  cells_.visit([&](const auto* c) {
    if (partials_ == 16) add_rows<16>(c, g, h, begin, end, n_cells_, part);
    else if (partials_ == 8) add_rows<8>(c, g, h, begin, end, n_cells_, part);
    else if (partials_ == 4) add_rows<4>(c, g, h, begin, end, n_cells_, part);
    else add_rows<1>(c, g, h, begin, end, n_cells_, part);
  });
}

void GhAccumulator::finish(double* hist) {
  auto* part = reinterpret_cast<Pair*>(part_);
  const size_t k = partials_, n = n_cells_;
  for (size_t width = 1; width < k; width *= 2)
    for (size_t j = 0; j + width < k; j += 2 * width)
      for (size_t c = 0; c < n; ++c) part[j * n + c] += part[(j + width) * n + c];
  std::memcpy(hist, part, n * sizeof(Pair));
}

void gh_histogram(const CellIndex& cells, const Grad* g, const Grad* h, size_t rows, double* hist,
                  std::vector<double>& scratch) {
  GhAccumulator acc(cells, scratch);
  acc.add(g, h, 0, rows);
  acc.finish(hist);
}

void count_histogram(const CellIndex& cells, const std::vector<double>& weights,
                     std::vector<uint32_t>& counts, std::vector<double>& weight_sums) {
  counts.assign(cells.cell_count(), 0);
  weight_sums.assign(cells.cell_count(), 0.0);
  for (size_t i = 0; i < cells.rows(); ++i) {
    const uint32_t c = cells[i];
    ++counts[c];
    weight_sums[c] += weights.empty() ? 1.0 : weights[i];
  }
}

}  // namespace candor::explain::ebm
