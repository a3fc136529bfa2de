// Per-row tensor cell indexes of one term, stored in the narrowest integer type that holds the
// term's cell count (Adult's mains fit in a byte), and the row kernels that read them:
// gradient/hessian histograms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace candor::explain::ebm {

// Per-row gradients and hessians, kept in two arrays: interleaving them cost the vectorised row
// kernel more shuffles than it saved the histogram loads. (float was measured: the conversions cost
// more than the halved bytes saved, 53 against 34 us per boosting step on Adult.)
using Grad = double;

// How many partial histograms GhAccumulator uses for a tensor of `cell_count` cells (16, 8, 4 or 1).
size_t histogram_partials(size_t cell_count);

// What a CellIndex keeps besides the cells.
enum class CellOffsets {
  None,
  // Each row's byte offset in GhAccumulator's partial histograms (see histogram_offsets()).
  Histogram,
};

class CellIndex {
 public:
  CellIndex() = default;
  // `cells[i]` < cell_count for every row i.
  CellIndex(const std::vector<uint32_t>& cells, size_t cell_count,
            CellOffsets offsets = CellOffsets::None);

  size_t cell_count() const { return cell_count_; }
  size_t rows() const { return rows_; }
  bool byte_wide() const { return width_ == 1; }
  const uint8_t* bytes() const { return u8_.data(); }  // the cells of a byte-wide index
  uint32_t operator[](size_t i) const {
    return width_ == 1 ? u8_[i] : width_ == 2 ? u16_[i] : u32_[i];
  }
  // Built with CellOffsets::Histogram and at most kMaxOffsetCells cells: row i's (g, h) pair sits
  // ((i % K) * cell_count + cells[i]) * 16 bytes into GhAccumulator::partial_bytes(), K =
  // histogram_partials(cell_count), so that a kernel adds a row with one load and no arithmetic
  // (2 bytes per row, besides the cells). Otherwise null.
  const uint16_t* histogram_offsets() const {
    return offsets_.empty() ? nullptr : offsets_.data();
  }
  static constexpr size_t kMaxOffsetCells = 4096;  // the largest offset then fits 16 bits
  // Calls f(const T* cells) with T the stored integer type.
  template <class F>
  void visit(F&& f) const {
    if (width_ == 1) f(u8_.data());
    else if (width_ == 2) f(u16_.data());
    else f(u32_.data());
  }

 private:
  size_t cell_count_ = 0, rows_ = 0;
  int width_ = 1;
  std::vector<uint8_t> u8_;
  std::vector<uint16_t> u16_;
  std::vector<uint32_t> u32_;
  std::vector<uint16_t> offsets_;
};

// hist[2c] += g[i] and hist[2c + 1] += h[i] for rows i in [0, rows) with c = cells[i];
// `hist` (2 * cell_count doubles) is overwritten. Small tensors use 16, 8 or 4 partial histograms
// (row i goes to partial i % K) to break the store-to-load chains on popular cells; they are summed
// in a fixed order, so the result depends only on the rows and cells. `scratch` holds the partials.
void gh_histogram(const CellIndex& cells, const Grad* g, const Grad* h, size_t rows, double* hist,
                  std::vector<double>& scratch);

// The same histogram, accumulated over consecutive row ranges [0, a), [a, b), ... (any split
// gives the same bits as gh_histogram), so that it can be fused with the pass that makes g and h.
class GhAccumulator {
 public:
  GhAccumulator(const CellIndex& cells, std::vector<double>& scratch);
  void add(const Grad* g, const Grad* h, size_t begin, size_t end);
  void finish(double* hist);
  // For a kernel that adds rows as it makes them, rows in order, when cells() has histogram
  // offsets: row i's (g, h) pair is at partial_bytes() + cells().histogram_offsets()[i]
  // (16-byte aligned).
  const CellIndex& cells() const { return cells_; }
  char* partial_bytes() { return reinterpret_cast<char*>(part_); }

 private:
  const CellIndex& cells_;
  size_t n_cells_, partials_;
  double* part_;
};

// Counts and weight sums per cell over rows [0, rows) (weights empty: 1 per row).
void count_histogram(const CellIndex& cells, const std::vector<double>& weights,
                     std::vector<uint32_t>& counts, std::vector<double>& weight_sums);

}  // namespace candor::explain::ebm
