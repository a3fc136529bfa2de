#include "explain/ebm/tree_main.h"

#include <algorithm>
#include <queue>
#include <vector>

#include "explain/ebm/random.h"

namespace candor::explain::ebm {

namespace {

// The bins of a main term as a sequence of elements (a bin, or the pooled rare categories) that a
// tree cuts into contiguous leaves.
struct Sequence {
  std::vector<Stats> stats;            // per element
  std::vector<uint32_t> first, count;  // element e covers members[first[e] .. first[e]+count[e])
  std::vector<uint32_t> members;       // bins
  void clear() {
    stats.clear();
    first.clear();
    count.clear();
    members.clear();
  }
  void add(const Stats& s, const uint32_t* bins, uint32_t n) {
    stats.push_back(s);
    first.push_back(static_cast<uint32_t>(members.size()));
    count.push_back(n);
    members.insert(members.end(), bins, bins + n);
  }
};

struct Split {
  double children_gain = 0;  // partial gains of the two children (parent not subtracted)
  size_t pos = 0;            // the left leaf ends at element pos
};

// Legal cut positions of elements [lo, hi] with the best children gain; ties appended to `ties`
// (cleared when a better one appears). Returns false when no cut is legal.
bool best_cut(const Sequence& seq, size_t lo, size_t hi, const MainTreeParams& p,
              std::vector<size_t>& ties, double& best, size_t tag) {
  Stats parent;
  for (size_t e = lo; e <= hi; ++e) parent += seq.stats[e];
  Stats left;
  bool found = false;
  for (size_t e = lo; e < hi; ++e) {
    left += seq.stats[e];
    const Stats right = parent - left;
    if (!p.rules.legal(left) || !p.rules.legal(right)) continue;
    if (p.monotone != 0) {
      const double l = neg_step(left.g, left.h), r = neg_step(right.g, right.h);
      // update = -neg_step: increasing needs update_left <= update_right, i.e. l >= r
      if (p.monotone > 0 ? l < r : r < l) continue;
    }
    const double gain = partial_gain(left) + partial_gain(right);
    if (!(gain >= best)) continue;  // NaN never wins
    if (gain > best) ties.clear();
    best = gain;
    ties.push_back(tag + e);
    found = true;
  }
  return found;
}

Stats sum_range(const Sequence& seq, size_t lo, size_t hi) {
  Stats s;
  for (size_t e = lo; e <= hi; ++e) s += seq.stats[e];
  return s;
}

struct Leaf {
  size_t lo, hi;
  double gain = 0;  // best split gain (children - parent), if splittable
  size_t pos = 0;
  bool splittable = false;
};

// Finds the best split of leaf [lo, hi] in `seq`, with random tie-breaking.
void examine(const Sequence& seq, Leaf& leaf, const MainTreeParams& p, Generator& gen,
             std::vector<size_t>& ties) {
  leaf.splittable = false;
  if (leaf.hi <= leaf.lo) return;
  ties.clear();
  double best = kGainMin;
  if (!best_cut(seq, leaf.lo, leaf.hi, p, ties, best, 0)) return;
  const double gain = best - partial_gain(sum_range(seq, leaf.lo, leaf.hi));
  if (!(gain >= kGainMin)) return;
  leaf.gain = gain;
  leaf.pos = ties.size() > 1 ? ties[draw_below(gen, ties.size())] : ties[0];
  leaf.splittable = true;
}

void write_leaf(const Sequence& seq, size_t lo, size_t hi, double lr, double* update) {
  const Stats s = sum_range(seq, lo, hi);
  const double value = -lr * neg_step(s.g, s.h);
  for (size_t e = lo; e <= hi; ++e)
    for (uint32_t k = 0; k < seq.count[e]; ++k) update[seq.members[seq.first[e] + k]] = value;
}

// Grows the tree on `seq` from a root split already chosen; returns the total gain.
double grow(const Sequence& seq, Leaf root, const MainTreeParams& p, Generator& gen,
            std::vector<size_t>& ties, double* update) {
  std::vector<Leaf> done;
  auto worse = [](const Leaf& a, const Leaf& b) {
    return a.gain < b.gain || (a.gain == b.gain && a.lo > b.lo);
  };
  std::priority_queue<Leaf, std::vector<Leaf>, decltype(worse)> queue(worse);
  double total = 0;
  size_t splits_left = p.monotone != 0 ? 1 : p.max_leaves - 1;
  if (root.splittable) queue.push(root);
  else done.push_back(root);
  while (!queue.empty()) {
    Leaf leaf = queue.top();
    queue.pop();
    if (splits_left == 0) {
      done.push_back(leaf);
      continue;
    }
    --splits_left;
    total += leaf.gain;
    Leaf children[2] = {{leaf.lo, leaf.pos}, {leaf.pos + 1, leaf.hi}};
    for (Leaf& child : children) {
      if (splits_left > 0) examine(seq, child, p, gen, ties);
      if (child.splittable) queue.push(child);
      else done.push_back(child);
    }
  }
  for (const Leaf& leaf : done) write_leaf(seq, leaf.lo, leaf.hi, p.learning_rate, update);
  return total;
}

Stats bin_stats(const double* hist, const uint32_t* counts, size_t b) {
  return Stats{hist[2 * b], hist[2 * b + 1], counts[b]};
}

struct Workspace {
  Sequence seq[2];
  std::vector<size_t> ties;
  std::vector<uint32_t> kept, dregs, gaps;
};

}  // namespace

double best_main_update(const double* hist, const uint32_t* counts, size_t n_bins,
                        const MainTreeParams& p, Generator& gen, double* update) {
  static thread_local Workspace ws;
  Stats all;
  for (size_t b = 0; b < n_bins; ++b) all += bin_stats(hist, counts, b);
  auto one_leaf = [&]() {
    const double value = -p.learning_rate * neg_step(all.g, all.h);
    std::fill(update, update + n_bins, value);
    return 0.0;
  };

  if (!p.nominal) {
    // Ordered bins; the missing bin apart when the bag has missing values.
    Sequence& seq = ws.seq[0];
    seq.clear();
    const bool separate = counts[0] > 0 && n_bins >= 4;
    double gain = 0;
    size_t start = 0;
    if (separate) {
      const Stats missing = bin_stats(hist, counts, 0);
      const Stats rest = all - missing;
      update[0] = -p.learning_rate * neg_step(missing.g, missing.h);
      const double forced = partial_gain(missing) + partial_gain(rest) - partial_gain(all);
      if (forced >= kGainMin) gain += forced;
      start = 1;
    }
    for (size_t b = start; b < n_bins; ++b) {
      const auto bin = static_cast<uint32_t>(b);
      seq.add(bin_stats(hist, counts, b), &bin, 1);
    }
    Leaf root{0, seq.stats.size() - 1};
    examine(seq, root, p, gen, ws.ties);
    return gain + grow(seq, root, p, gen, ws.ties, update);
  }

  // Nominal: kept categories sorted by G / (H + cat_smooth), the dregs pooled.
  ws.kept.clear();
  ws.dregs.clear();
  Stats dregs;
  for (size_t b = 0; b < n_bins; ++b) {
    if (counts[b] >= p.min_cat_samples) {
      ws.kept.push_back(static_cast<uint32_t>(b));
    } else {
      ws.dregs.push_back(static_cast<uint32_t>(b));
      dregs += bin_stats(hist, counts, b);
    }
  }
  const size_t usable = ws.kept.size() + (dregs.n > 0 ? 1 : 0);
  if (usable < 2) return one_leaf();
  std::sort(ws.kept.begin(), ws.kept.end(), [&](uint32_t a, uint32_t b) {
    const double va = hist[2 * a] / (hist[2 * a + 1] + p.cat_smooth);
    const double vb = hist[2 * b] / (hist[2 * b + 1] + p.cat_smooth);
    return va < vb || (va == vb && a < b);
  });
  // Sequence 0: dregs first; sequence 1: dregs last (when there are dregs).
  const int n_seq = ws.dregs.empty() ? 1 : 2;
  for (int s = 0; s < n_seq; ++s) {
    Sequence& seq = ws.seq[s];
    seq.clear();
    if (s == 0 && !ws.dregs.empty())
      seq.add(dregs, ws.dregs.data(), static_cast<uint32_t>(ws.dregs.size()));
    for (uint32_t b : ws.kept) seq.add(bin_stats(hist, counts, b), &b, 1);
    if (s == 1) seq.add(dregs, ws.dregs.data(), static_cast<uint32_t>(ws.dregs.size()));
  }
  // Root: the best cut over both sequences (ties pooled, tagged by sequence).
  ws.ties.clear();
  double best = kGainMin;
  bool found = false;
  const size_t tag = ws.seq[0].stats.size();
  for (int s = 0; s < n_seq; ++s)
    found |= best_cut(ws.seq[s], 0, ws.seq[s].stats.size() - 1, p, ws.ties, best, s * tag);
  int chosen = 0;
  Leaf root{0, ws.seq[0].stats.size() - 1};
  if (found && best - partial_gain(all) >= kGainMin) {
    const size_t pick = ws.ties.size() > 1 ? ws.ties[draw_below(gen, ws.ties.size())] : ws.ties[0];
    chosen = pick >= tag ? 1 : 0;
    root = Leaf{0, ws.seq[chosen].stats.size() - 1, best - partial_gain(all), pick - chosen * tag,
                true};
  }
  return grow(ws.seq[chosen], root, p, gen, ws.ties, update);
}

double random_main_update(const double* hist, const uint32_t* counts, size_t n_bins,
                          const MainTreeParams& p, Generator& gen, double* update) {
  static thread_local Workspace ws;
  Stats all;
  for (size_t b = 0; b < n_bins; ++b) all += bin_stats(hist, counts, b);
  const size_t n_gaps = n_bins - 1;
  const size_t n_cuts = std::min(p.max_leaves > 0 ? p.max_leaves - 1 : 0, n_gaps);
  // Gap g (1 <= g < n_bins) cuts between bins g - 1 and g.
  ws.gaps.resize(n_gaps);
  for (size_t g = 0; g < n_gaps; ++g) ws.gaps[g] = static_cast<uint32_t>(g + 1);
  for (size_t k = 0; k < n_cuts; ++k) std::swap(ws.gaps[k], ws.gaps[k + draw_below(gen, n_gaps - k)]);
  std::sort(ws.gaps.begin(), ws.gaps.begin() + static_cast<std::ptrdiff_t>(n_cuts));
  size_t begin = 0;
  for (size_t k = 0; k <= n_cuts; ++k) {
    const size_t end = k < n_cuts ? ws.gaps[k] : n_bins;
    Stats s;
    for (size_t b = begin; b < end; ++b) s += bin_stats(hist, counts, b);
    const double value = s.n == 0 ? 0.0 : -p.learning_rate * neg_step(s.g, s.h);
    std::fill(update + begin, update + end, value);
    begin = end;
  }
  if (p.monotone != 0) {
    for (size_t b = 2; b + 1 < n_bins; ++b) {
      const double d = update[b] - update[b - 1];
      if (p.monotone > 0 ? d < 0 : d > 0) {
        std::fill(update, update + n_bins, -p.learning_rate * neg_step(all.g, all.h));
        break;
      }
    }
  }
  return 0.0;
}

}  // namespace candor::explain::ebm
