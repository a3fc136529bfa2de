// One boosting update at a time, from hand-made histograms: main-effect stumps (missing apart,
// nominal sorting and dregs, monotone constraints, random ties), pair trees and FAST, checked
// against hand-worked values or against brute force over every candidate.
#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include <doctest/doctest.h>

#include "engine/generator.h"
#include "explain/ebm/cells.h"
#include "explain/ebm/fast.h"
#include "explain/ebm/tree_main.h"
#include "explain/ebm/tree_pair.h"

using namespace candor;
using namespace candor::explain::ebm;

namespace {

// (G, H) pairs interleaved, as the histograms hold them.
std::vector<double> hist_of(const std::vector<double>& g, const std::vector<double>& h) {
  std::vector<double> out;
  for (size_t i = 0; i < g.size(); ++i) {
    out.push_back(g[i]);
    out.push_back(h[i]);
  }
  return out;
}

MainTreeParams params(double lr = 0.1) {
  MainTreeParams p;
  p.learning_rate = lr;
  p.rules = LeafRules{4, 1e-4};
  return p;
}

}  // namespace

TEST_CASE("trees: a main stump takes the best cut and Newton leaf values") {
  // bins: missing (empty), three ordinary bins, unseen (empty). Cut after bin 2:
  // children partial gains 81/4 + 36/2 = 38.25, parent 9/6 = 1.5, so the gain is 36.75;
  // leaves -0.1 * (-9/4) = 0.225 and -0.1 * (6/2) = -0.3.
  const auto hist = hist_of({0, -5, -4, 6, 0}, {0, 2, 2, 2, 0});
  const std::vector<uint32_t> counts = {0, 10, 10, 10, 0};
  Generator gen(1);
  std::vector<double> update(5);
  const double gain = best_main_update(hist.data(), counts.data(), 5, params(), gen, update.data());
  CHECK(gain == doctest::Approx(36.75));
  CHECK(update[0] == doctest::Approx(0.225));
  CHECK(update[1] == doctest::Approx(0.225));
  CHECK(update[2] == doctest::Approx(0.225));
  CHECK(update[3] == doctest::Approx(-0.3));
  CHECK(update[4] == doctest::Approx(-0.3));

  SUBCASE("min_samples_leaf forbids every cut: one leaf, gain 0") {
    auto p = params();
    p.rules.min_samples_leaf = 11;
    CHECK(best_main_update(hist.data(), counts.data(), 5, p, gen, update.data()) == 0.0);
    for (double u : update) CHECK(u == doctest::Approx(0.05));  // -0.1 * (-3 / 6)
  }
  SUBCASE("min_hessian forbids every cut") {
    auto p = params();
    p.rules.min_hessian = 2.5;
    CHECK(best_main_update(hist.data(), counts.data(), 5, p, gen, update.data()) == 0.0);
  }
  SUBCASE("an increasing constraint rejects both decreasing cuts") {
    auto p = params();
    p.monotone = +1;
    CHECK(best_main_update(hist.data(), counts.data(), 5, p, gen, update.data()) == 0.0);
    for (double u : update) CHECK(u == doctest::Approx(0.05));
  }
  SUBCASE("a decreasing constraint allows the best cut") {
    auto p = params();
    p.monotone = -1;
    CHECK(best_main_update(hist.data(), counts.data(), 5, p, gen, update.data()) ==
          doctest::Approx(36.75));
  }
}

TEST_CASE("trees: the missing bin is its own leaf when the bag has missing values") {
  // As above plus 5 missing rows with G = 1, H = 1: missing leaf -0.1; the forced split adds
  // 1/1 + 9/6 - 4/7 to the gain.
  const auto hist = hist_of({1, -5, -4, 6, 0}, {1, 2, 2, 2, 0});
  const std::vector<uint32_t> counts = {5, 10, 10, 10, 0};
  Generator gen(1);
  std::vector<double> update(5);
  const double gain = best_main_update(hist.data(), counts.data(), 5, params(), gen, update.data());
  CHECK(gain == doctest::Approx(36.75 + 1 + 1.5 - 4.0 / 7));
  CHECK(update[0] == doctest::Approx(-0.1));
  CHECK(update[1] == doctest::Approx(0.225));
  CHECK(update[3] == doctest::Approx(-0.3));
}

TEST_CASE("trees: equally good cuts across empty bins are picked at random") {
  // Rows only in bins 1 and 4: cutting after bin 1, 2 or 3 is the same partition.
  const auto hist = hist_of({0, -5, 0, 0, 5, 0}, {0, 2, 0, 0, 2, 0});
  const std::vector<uint32_t> counts = {0, 10, 0, 0, 10, 0};
  std::set<int> seen;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    Generator gen(seed);
    std::vector<double> update(6);
    best_main_update(hist.data(), counts.data(), 6, params(), gen, update.data());
    int cut = 0;
    while (update[static_cast<size_t>(cut) + 1] == update[0]) ++cut;  // last bin of the left leaf
    seen.insert(cut);
  }
  CHECK(seen == std::set<int>{1, 2, 3});
}

TEST_CASE("trees: nominal categories are sorted by G/(H + cat_smooth), rare ones pooled") {
  // bins: missing (0 rows), A (20), B (20), C (5 rows: dregs), D (20), unseen (0).
  // Kept sorted: D (-8/14), A (-4/14), B (6/14). Best of [dregs D A B] and [D A B dregs] is
  // {D, A} | {B, dregs}: 144/8 + 49/5 = 27.8, minus 25/13 for the parent.
  const auto hist = hist_of({0, -4, 6, 1, -8, 0}, {0, 4, 4, 1, 4, 0});
  const std::vector<uint32_t> counts = {0, 20, 20, 5, 20, 0};
  auto p = params();
  p.nominal = true;
  Generator gen(3);
  std::vector<double> update(6);
  const double gain = best_main_update(hist.data(), counts.data(), 6, p, gen, update.data());
  CHECK(gain == doctest::Approx(27.8 - 25.0 / 13));
  CHECK(update[1] == doctest::Approx(0.15));  // A
  CHECK(update[4] == doctest::Approx(0.15));  // D
  for (size_t b : {0, 2, 3, 5}) CHECK(update[b] == doctest::Approx(-0.14));  // B and the dregs

  SUBCASE("fewer than two usable categories: one leaf") {
    const std::vector<uint32_t> few = {0, 20, 0, 0, 0, 0};
    CHECK(best_main_update(hist.data(), few.data(), 6, p, gen, update.data()) == 0.0);
  }
}

TEST_CASE("trees: a random main update cuts once and respects a monotone constraint") {
  const auto hist = hist_of({0, -5, -4, 6, 0}, {0, 2, 2, 2, 0});
  const std::vector<uint32_t> counts = {0, 10, 10, 10, 0};
  std::set<double> firsts;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    Generator gen(seed);
    std::vector<double> update(5);
    CHECK(random_main_update(hist.data(), counts.data(), 5, params(), gen, update.data()) == 0.0);
    std::set<double> distinct(update.begin(), update.end());
    CHECK(distinct.size() <= 2);
    firsts.insert(update[1]);
    auto p = params();
    p.monotone = +1;
    Generator gen2(seed);
    random_main_update(hist.data(), counts.data(), 5, p, gen2, update.data());
    for (size_t b = 2; b + 1 < 5; ++b) CHECK(update[b] >= update[b - 1]);
  }
  CHECK(firsts.size() > 1);  // different seeds cut in different places
}

namespace {

struct Grid {
  size_t n0, n1;
  std::vector<double> hist;
  std::vector<uint32_t> counts;
};

Grid random_grid(size_t n0, size_t n1, uint64_t seed) {
  Generator gen(seed);
  Grid g{n0, n1, {}, {}};
  for (size_t c = 0; c < n0 * n1; ++c) {
    auto w = gen.block(gen.reserve(1));
    g.counts.push_back(3 + w[0] % 20);
    g.hist.push_back((static_cast<double>(w[1] % 2001) - 1000.0) / 100.0);  // G
    g.hist.push_back(0.5 + static_cast<double>(w[2] % 100) / 10.0);        // H
  }
  return g;
}

Stats box(const Grid& g, size_t a0, size_t a1, size_t b0, size_t b1) {  // [a0, a1) x [b0, b1)
  Stats s;
  for (size_t a = a0; a < a1; ++a)
    for (size_t b = b0; b < b1; ++b) {
      const size_t c = a * g.n1 + b;
      s += Stats{g.hist[2 * c], g.hist[2 * c + 1], g.counts[c]};
    }
  return s;
}

// A 5 x 5 grid of integer stats (exact sums), symmetric under mirroring either axis and under
// transposition: mirrored and transposed trees tie exactly.
Grid symmetric_grid() {
  Grid g{5, 5, {}, {}};
  const double line_g[5] = {-6, 1, 10, 1, -6};
  for (size_t a = 0; a < 5; ++a)
    for (size_t b = 0; b < 5; ++b) {
      g.counts.push_back(12);
      g.hist.push_back(line_g[a] + line_g[b]);
      g.hist.push_back(4.0);
    }
  return g;
}

}  // namespace

TEST_CASE("trees: the pair tree is the best 3-leaf tree (brute force over all of them)") {
  // Random grids, and a symmetric one whose exact ties the first tree found must win (root on
  // the first axis, then the lowest root cut, the low side, the lowest cut).
  for (uint64_t seed = 0; seed < 25; ++seed) {
    CAPTURE(seed);
    const Grid g = seed < 24 ? random_grid(5, 4, seed) : symmetric_grid();
    const LeafRules rules{10, 1e-4};
    double best = -1;
    int best_axis = 0, best_side = 0;
    size_t best_i = 0, best_j = 0;
    Stats best_leaves[3];  // the uncut side, the cut side up to the cut, after it
    for (int root_axis = 0; root_axis < 2; ++root_axis) {
      const size_t na = root_axis == 0 ? g.n0 : g.n1, nb = root_axis == 0 ? g.n1 : g.n0;
      auto region = [&](size_t a0, size_t a1, size_t b0, size_t b1) {
        return root_axis == 0 ? box(g, a0, a1, b0, b1) : box(g, b0, b1, a0, a1);
      };
      for (size_t i = 0; i + 1 < na; ++i)
        for (int side = 0; side < 2; ++side)
          for (size_t j = 0; j + 1 < nb; ++j) {
            const Stats whole = side == 0 ? region(i + 1, na, 0, nb) : region(0, i + 1, 0, nb);
            const size_t lo = side == 0 ? 0 : i + 1, hi = side == 0 ? i + 1 : na;
            const Stats left = region(lo, hi, 0, j + 1), right = region(lo, hi, j + 1, nb);
            if (!rules.legal(whole) || !rules.legal(left) || !rules.legal(right)) continue;
            const double gain = partial_gain(whole) + partial_gain(left) + partial_gain(right);
            if (gain <= best) continue;
            best = gain;
            best_axis = root_axis;
            best_i = i;
            best_side = side;
            best_j = j;
            best_leaves[0] = whole;
            best_leaves[1] = left;
            best_leaves[2] = right;
          }
    }
    const Stats total = box(g, 0, g.n0, 0, g.n1);
    std::vector<double> update(g.n0 * g.n1);
    const double gain =
        best_pair_update(g.hist.data(), g.counts.data(), g.n0, g.n1, rules, 0.5, update.data());
    CHECK(gain == doctest::Approx(best - partial_gain(total)));
    // Every cell holds the Newton value of its leaf in the brute force's best tree.
    CAPTURE(best_axis);
    CAPTURE(best_side);
    for (size_t a = 0; a < g.n0; ++a)
      for (size_t b = 0; b < g.n1; ++b) {
        const size_t r = best_axis == 0 ? a : b, c = best_axis == 0 ? b : a;
        const bool on_whole_side = best_side == 0 ? r > best_i : r <= best_i;
        const Stats& leaf = best_leaves[on_whole_side ? 0 : c <= best_j ? 1 : 2];
        CHECK(update[a * g.n1 + b] == doctest::Approx(-0.5 * leaf.g / leaf.h));
      }
    // Three leaves, each the Newton value of its cells.
    std::set<double> values(update.begin(), update.end());
    CHECK(values.size() == 3);
    for (double v : values) {
      Stats s;
      for (size_t c = 0; c < update.size(); ++c)
        if (update[c] == v) s += Stats{g.hist[2 * c], g.hist[2 * c + 1], g.counts[c]};
      CHECK(v == doctest::Approx(-0.5 * s.g / s.h));
    }
  }
}

TEST_CASE("trees: a random pair update is a 2 x 2 grid of Newton values") {
  const Grid g = random_grid(4, 6, 11);
  Generator gen(5);
  std::vector<double> update(24);
  CHECK(random_pair_update(g.hist.data(), g.counts.data(), 4, 6, 1.0, gen, update.data()) == 0.0);
  std::set<double> values(update.begin(), update.end());
  CHECK(values.size() <= 4);
  CHECK(values.size() >= 2);
}

TEST_CASE("trees: FAST strength is the best 2 x 2 straight-cut gain (brute force)") {
  for (uint64_t seed = 0; seed < 5; ++seed) {
    const Grid g = random_grid(6, 5, 100 + seed);
    const LeafRules rules{15, 1e-4};
    const Stats total = box(g, 0, g.n0, 0, g.n1);
    double best = -1;
    for (size_t i = 0; i + 1 < g.n0; ++i)
      for (size_t j = 0; j + 1 < g.n1; ++j) {
        const Stats q[4] = {box(g, 0, i + 1, 0, j + 1), box(g, 0, i + 1, j + 1, g.n1),
                            box(g, i + 1, g.n0, 0, j + 1), box(g, i + 1, g.n0, j + 1, g.n1)};
        bool ok = true;
        double score = 0;
        for (const Stats& s : q) {
          ok = ok && rules.legal(s);
          score += partial_gain(s);
        }
        if (ok) best = std::max(best, score);
      }
    const double expected = best < 0 ? 0.0 : (best - partial_gain(total)) / 1000.0;
    CHECK(fast_strength(g.hist.data(), g.counts.data(), g.n0, g.n1, rules, 1000.0) ==
          doctest::Approx(expected));
  }
}

TEST_CASE("trees: pairs are merged across bags by mean rank") {
  // bag 0 ranks pairs 0, 2, 1; bag 1 ranks 1, 0, 2: rank sums 1, 2, 3.
  const std::vector<std::vector<double>> strengths = {{0.3, 0.1, 0.2}, {0.25, 0.3, 0.2}};
  CHECK(select_pairs_by_rank(strengths, 2) == std::vector<size_t>{0, 1});
  CHECK(select_pairs_by_rank(strengths, 5) == std::vector<size_t>{0, 1, 2});
  // Ties (equal strengths, equal mean ranks) keep the pair order.
  CHECK(select_pairs_by_rank({{0.1, 0.1, 0.1}}, 2) == std::vector<size_t>{0, 1});
}

TEST_CASE("trees: a histogram accumulated over row blocks equals the one-pass histogram") {
  for (size_t cells : {3u, 70u, 300u, 2000u}) {
    Generator gen(cells);
    const size_t n = 5003;
    std::vector<uint32_t> index(n);
    std::vector<double> g(n), h(n);
    for (size_t i = 0; i < n; ++i) {
      auto w = gen.block(gen.reserve(1));
      index[i] = w[0] % cells;
      g[i] = (static_cast<double>(w[1] % 10000) - 5000) / 997.0;
      h[i] = static_cast<double>(w[2] % 10000) / 991.0;
    }
    const CellIndex ci(index, cells);
    std::vector<double> whole(2 * cells), blocks(2 * cells), scratch, reference(2 * cells, 0.0);
    gh_histogram(ci, g.data(), h.data(), n, whole.data(), scratch);
    GhAccumulator acc(ci, scratch);
    for (size_t b = 0; b < n; b += 1024) acc.add(g.data(), h.data(), b, std::min(n, b + 1024));
    acc.finish(blocks.data());
    CHECK(blocks == whole);  // bit for bit
    // Ranges that start off a multiple of the partial count.
    std::vector<double> ragged(2 * cells);
    GhAccumulator acc2(ci, scratch);
    for (size_t b = 0; b < n; b += 1001) acc2.add(g.data(), h.data(), b, std::min(n, b + 1001));
    acc2.finish(ragged.data());
    CHECK(ragged == whole);
    for (size_t i = 0; i < n; ++i) {
      reference[2 * index[i]] += g[i];
      reference[2 * index[i] + 1] += h[i];
    }
    for (size_t c = 0; c < 2 * cells; ++c) CHECK(whole[c] == doctest::Approx(reference[c]));
  }
}
