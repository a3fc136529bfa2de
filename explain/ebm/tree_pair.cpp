#include "explain/ebm/tree_pair.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "explain/ebm/random.h"

namespace candor::explain::ebm {

namespace {

// The best 3-leaf tree whose root cuts the slow axis (rows a) of an n_a x n_b grid of stats.
struct Tree {
  double gain = -1;  // children partial gains; < 0: none found
  size_t root = 0;   // rows [0, root] | [root + 1, n_a)
  bool high_side = false;  // which side is cut again
  size_t cut = 0;          // that side's columns [0, cut] | [cut + 1, n_b)
};

// A grid of stats as three arrays (cell (a, b) at a * n_b + b), so that the sums over a row of
// cells are plain vector adds: an array of 24-byte Stats took the tree search most of its time in
// shuffles.
struct StatsGrid {
  std::vector<double> g, h;
  std::vector<uint64_t> n;
  void zero(size_t cells) {
    g.assign(cells, 0.0);
    h.assign(cells, 0.0);
    n.assign(cells, 0);
  }
  void resize(size_t cells) {
    g.resize(cells);
    h.resize(cells);
    n.resize(cells);
  }
  Stats at(size_t c) const { return Stats{g[c], h[c], n[c]}; }
  void set(size_t c, const Stats& s) {
    g[c] = s.g;
    h[c] = s.h;
    n[c] = s.n;
  }
  // Row `row` of `grid` (n_cells cells from row * n_cells) added to this one's cells [0, n_cells).
  void add_row(const StatsGrid& grid, size_t row, size_t n_cells) {
    const size_t off = row * n_cells;
    for (size_t b = 0; b < n_cells; ++b) g[b] += grid.g[off + b];
    for (size_t b = 0; b < n_cells; ++b) h[b] += grid.h[off + b];
    for (size_t b = 0; b < n_cells; ++b) n[b] += grid.n[off + b];
  }
};

// gains[j] = the gain of the leaves whole, lefts[j] and split - lefts[j] (j < n), or -infinity
// when one of the last two is not a legal leaf. Branch-free, so that it vectorises.
void cut_gains(const StatsGrid& lefts, size_t n, const Stats& whole, const Stats& split,
               const LeafRules& rules, std::vector<double>& gains) {
  const double whole_gain = partial_gain(whole);
  const double min_h = rules.hessian_floor();
  const uint64_t min_n = rules.min_samples_leaf;
  gains.resize(n);
  for (size_t j = 0; j < n; ++j) {
    const double lg = lefts.g[j], lh = lefts.h[j], rg = split.g - lg, rh = split.h - lh;
    const uint64_t ln = lefts.n[j], rn = split.n - ln;
    const bool legal = (ln >= min_n) & (lh >= min_h) & (rn >= min_n) & (rh >= min_h);
    const double gain = whole_gain + partial_gain(lg, lh) + partial_gain(rg, rh);
    gains[j] = legal ? gain : -std::numeric_limits<double>::infinity();
  }
}

// The largest of `from` and the values (NaN values never are), in four lanes that vectorise.
double largest(const std::vector<double>& values, double from) {
  double lane[4] = {from, from, from, from};
  size_t j = 0;
  for (; j + 4 <= values.size(); j += 4)
    for (int k = 0; k < 4; ++k) lane[k] = values[j + k] > lane[k] ? values[j + k] : lane[k];
  for (; j < values.size(); ++j) lane[0] = values[j] > lane[0] ? values[j] : lane[0];
  double top = lane[0];
  for (int k = 1; k < 4; ++k) top = lane[k] > top ? lane[k] : top;
  return top;
}

Tree best_tree(const StatsGrid& grid, size_t n_a, size_t n_b, const LeafRules& rules) {
  if (n_a < 2 || n_b < 2) return Tree{};  // no cut on one of the axes: no 3-leaf tree
  static thread_local StatsGrid col_total, col_low, lefts;
  static thread_local std::vector<double> gains;
  col_total.zero(n_b);
  col_low.zero(n_b);
  lefts.resize(n_b);
  for (size_t a = 0; a < n_a; ++a) col_total.add_row(grid, a, n_b);
  Stats total;
  for (size_t b = 0; b < n_b; ++b) total += col_total.at(b);
  Tree best;
  Stats low;
  for (size_t i = 0; i + 1 < n_a; ++i) {
    col_low.add_row(grid, i, n_b);
    for (size_t b = 0; b < n_b; ++b) low += grid.at(i * n_b + b);
    const Stats high = total - low;
    const bool low_ok = rules.legal(low), high_ok = rules.legal(high);
    if (!low_ok && !high_ok) continue;
    // Cut the low side again (needs the high side whole), then the high side.
    for (int side = 0; side < 2; ++side) {
      const bool cut_high = side == 1;
      if (cut_high ? !low_ok : !high_ok) continue;
      const Stats& whole = cut_high ? low : high;
      const Stats& split = cut_high ? high : low;
      Stats left;
      for (size_t j = 0; j + 1 < n_b; ++j) {
        left += cut_high ? col_total.at(j) - col_low.at(j) : col_low.at(j);
        lefts.set(j, left);
      }
      cut_gains(lefts, n_b - 1, whole, split, rules, gains);
      // The first cut with the largest gain wins, if it beats the best so far (a max, then a
      // search: a running compare mispredicts each time the best improves).
      const double top = largest(gains, best.gain);
      if (top > best.gain) {
        size_t j = 0;
        while (gains[j] != top) ++j;
        best = Tree{gains[j], i, cut_high, j};
      }
    }
  }
  return best;
}

}  // namespace

double best_pair_update(const double* hist, const uint32_t* counts, size_t n0, size_t n1,
                        const LeafRules& rules, double learning_rate, double* update) {
  const size_t cells = n0 * n1;
  static thread_local StatsGrid grid, grid_t;
  grid.resize(cells);
  grid_t.resize(cells);
  Stats total;
  for (size_t a = 0; a < n0; ++a)
    for (size_t b = 0; b < n1; ++b) {
      const size_t c = a * n1 + b;
      const Stats s{hist[2 * c], hist[2 * c + 1], counts[c]};
      grid.set(c, s);
      grid_t.set(b * n0 + a, s);
      total += s;
    }
  const Tree t0 = best_tree(grid, n0, n1, rules);    // root on the first feature
  const Tree t1 = best_tree(grid_t, n1, n0, rules);  // root on the second
  const bool use_t1 = t1.gain > t0.gain;
  const Tree& t = use_t1 ? t1 : t0;
  const double gain = t.gain - partial_gain(total);
  if (t.gain < 0 || !(gain >= kGainMin)) {
    std::fill(update, update + cells, -learning_rate * neg_step(total.g, total.h));
    return 0.0;
  }
  // The leaves are rectangles [a0, a1) x [b0, b1) of cells: 0 = the uncut side of the root, 1 and
  // 2 = the cut side's pieces up to and after the cut. Built in (root axis, cut axis) coordinates.
  struct Rect {
    size_t a0, a1, b0, b1;
  };
  const size_t n_root = use_t1 ? n1 : n0, n_cut = use_t1 ? n0 : n1;
  const size_t low_end = t.root + 1, cut_end = t.cut + 1;
  const size_t cut0 = t.high_side ? low_end : 0, cut1 = t.high_side ? n_root : low_end;
  const size_t whole0 = t.high_side ? 0 : low_end, whole1 = t.high_side ? low_end : n_root;
  Rect rects[3] = {
      {whole0, whole1, 0, n_cut}, {cut0, cut1, 0, cut_end}, {cut0, cut1, cut_end, n_cut}};
  if (use_t1)
    for (Rect& r : rects) r = Rect{r.b0, r.b1, r.a0, r.a1};
  // Each leaf's sum adds its cells in row-major order, as a pass over all cells would: a running
  // sum in registers, where one pass adding to leaves[leaf_of(cell)] waited on its own stores.
  Stats leaves[3];
  for (int k = 0; k < 3; ++k)
    for (size_t a = rects[k].a0; a < rects[k].a1; ++a)
      for (size_t b = rects[k].b0; b < rects[k].b1; ++b) leaves[k] += grid.at(a * n1 + b);
  for (int k = 0; k < 3; ++k) {
    const double value = -learning_rate * neg_step(leaves[k].g, leaves[k].h);
    for (size_t a = rects[k].a0; a < rects[k].a1; ++a)
      std::fill(update + a * n1 + rects[k].b0, update + a * n1 + rects[k].b1, value);
  }
  return gain;
}

double random_pair_update(const double* hist, const uint32_t* counts, size_t n0, size_t n1,
                          double learning_rate, Generator& gen, double* update) {
  // Cut after bin c0 on the first axis and after c1 on the second (no cut for a 1-bin axis).
  const size_t c0 = n0 > 1 ? draw_below(gen, n0 - 1) : n0;
  const size_t c1 = n1 > 1 ? draw_below(gen, n1 - 1) : n1;
  Stats pieces[2][2];
  for (size_t a = 0; a < n0; ++a)
    for (size_t b = 0; b < n1; ++b) {
      const size_t c = a * n1 + b;
      pieces[a > c0][b > c1] += Stats{hist[2 * c], hist[2 * c + 1], counts[c]};
    }
  double values[2][2];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      values[i][j] = pieces[i][j].n == 0
                         ? 0.0
                         : -learning_rate * neg_step(pieces[i][j].g, pieces[i][j].h);
  for (size_t a = 0; a < n0; ++a)
    for (size_t b = 0; b < n1; ++b) update[a * n1 + b] = values[a > c0][b > c1];
  return 0.0;
}

}  // namespace candor::explain::ebm
