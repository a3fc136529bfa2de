// The EBM's per-row kernels (explain/ebm/objective.h): a boosting step's update applied to the
// rows' exp(+-score) and the gradients, hessians and validation loss that follow.
#include <array>
#include <cmath>
#include <iterator>
#include <limits>
#include <vector>

#include <doctest/doctest.h>

#include "engine/generator.h"
#include "explain/ebm/objective.h"

using namespace candor;
using namespace candor::explain::ebm;

namespace {

struct Rows {
  std::vector<double> a, g, h;
  RowBlock block(size_t n_negative) {
    RowBlock r;
    r.a = a.data();
    r.g = g.empty() ? nullptr : g.data();
    r.h = h.empty() ? nullptr : h.data();
    r.n_negative = n_negative;
    return r;
  }
};

// n rows over 256 cells (the byte-wide cell index), every cell index that matters for the mask's
// words (0, 31, 32, 255) present; a drawn in (0.05, 20).
struct Case {
  std::vector<uint32_t> cells;
  std::vector<double> a;
  explicit Case(size_t n) : cells(n), a(n) {
    Generator gen(11);
    for (size_t i = 0; i < n; ++i) {
      auto w = gen.block(gen.reserve(1));
      cells[i] = w[0] % 256;
      a[i] = 0.05 + static_cast<double>(w[1] % 100000) / 5000.0;
    }
    cells[0] = 0;
    cells[1] = 31;
    cells[2] = 32;
    cells[3] = 255;
  }
};

// The same factors forced through the per-cell table.
UpdateFactors table_only(const std::vector<double>& u) {
  UpdateFactors f;
  f.set(u);
  f.two_valued = false;
  f.split_from = 0;
  return f;
}

}  // namespace

TEST_CASE("ebm row kernels: an update's factors are two-valued only with two values on a byte") {
  UpdateFactors f;
  std::vector<double> u(256, -0.2);
  u[5] = u[200] = 0.3;
  f.set(u);
  CHECK(f.two_valued);
  CHECK(f.second[0] == (1u << 5));
  CHECK(f.second[6] == (1u << (200 - 192)));
  CHECK(f.up_of[0] == std::exp(-0.2));
  CHECK(f.up_of[1] == std::exp(0.3));
  CHECK(f.down_of[1] == std::exp(-0.3));
  CHECK(f.up[200] == std::exp(0.3));

  f.set(std::vector<double>(7, 0.1));  // one value: every bit clear
  CHECK(f.two_valued);
  for (uint32_t word : f.second) CHECK(word == 0);

  u[9] = 0.5;  // a third value
  f.set(u);
  CHECK_FALSE(f.two_valued);
  u[9] = -0.2;
  u[17] = std::nan("");  // NaN equals nothing, so it is never one of the two values
  f.set(u);
  CHECK_FALSE(f.two_valued);
  f.set(std::vector<double>(257, 0.1));  // more cells than a byte indexes
  CHECK_FALSE(f.two_valued);
}

TEST_CASE("ebm row kernels: a two-valued update of ordered cells is a split") {
  UpdateFactors f;
  f.set({0.1, 0.1, 0.1, -0.3, -0.3});
  CHECK(f.split_from == 3);
  f.set({0.1, -0.3, -0.3});
  CHECK(f.split_from == 1);
  f.set({0.1, -0.3, 0.1});  // the second value, then the first again: a subset, not a split
  CHECK(f.two_valued);
  CHECK(f.split_from == 0);
  f.set({0.1, 0.1});  // one value
  CHECK(f.split_from == 0);
  f.set({0.1, -0.3, 0.2});  // three values
  CHECK(f.split_from == 0);
}

namespace {

// Training and validation rows, unweighted and weighted, through `u`'s fast path (a split or a
// mask; builds without AVX2 take the table for masks) and through the per-cell table: the same
// bits, and the formulas.
void check_against_table(const std::vector<double>& u) {
  const size_t n = 1003, n_negative = 517;  // neither a multiple of 8 nor of a 128-row block
  const Case data(n);
  const CellIndex cells(data.cells, 256);
  UpdateFactors fast;
  fast.set(u);
  REQUIRE(fast.two_valued);
  const UpdateFactors table = table_only(u);

  Rows x{data.a, std::vector<double>(n), std::vector<double>(n)}, y = x;
  apply_train(Objective::LogLoss, cells, u.data(), fast, x.block(n_negative), 0, n);
  apply_train(Objective::LogLoss, cells, u.data(), table, y.block(n_negative), 0, n);
  CHECK(x.a == y.a);
  CHECK(x.g == y.g);
  CHECK(x.h == y.h);
  // Against the formulas: a' = a exp(+-u[cell]), |g| = a' / (1 + a'), h = a' / (1 + a')^2.
  for (size_t i = 0; i < n; ++i) {
    const bool positive = i >= n_negative;
    const double a = data.a[i] * std::exp(positive ? -u[data.cells[i]] : u[data.cells[i]]);
    CHECK(x.a[i] == doctest::Approx(a).epsilon(1e-14));
    CHECK(x.g[i] == doctest::Approx((positive ? -1 : 1) * a / (1 + a)).epsilon(1e-14));
    CHECK(x.h[i] == doctest::Approx(a / ((1 + a) * (1 + a))).epsilon(1e-14));
  }

  // Weighted training rows: g and h times the weight.
  std::vector<double> weights(n, 0.5);
  weights[7] = 3.0;
  Rows xw{data.a, std::vector<double>(n), std::vector<double>(n)}, yw = xw;
  RowBlock xb = xw.block(n_negative), yb = yw.block(n_negative);
  xb.w = yb.w = weights.data();
  apply_train(Objective::LogLoss, cells, u.data(), fast, xb, 0, n);
  apply_train(Objective::LogLoss, cells, u.data(), table, yb, 0, n);
  CHECK(xw.a == x.a);
  CHECK(xw.g == yw.g);
  CHECK(xw.h == yw.h);
  CHECK(xw.g[7] == doctest::Approx(3.0 * x.g[7]).epsilon(1e-15));

  // Validation rows (no g, h), unweighted: the same a, and the summed log(1 + a).
  Rows v{data.a, {}, {}}, w = v;
  const double loss_fast =
      apply_validation(Objective::LogLoss, cells, u.data(), fast, v.block(n_negative), 0, n);
  const double loss_table =
      apply_validation(Objective::LogLoss, cells, u.data(), table, w.block(n_negative), 0, n);
  CHECK(v.a == w.a);
  CHECK(loss_fast == loss_table);
  double reference = 0;
  for (size_t i = 0; i < n; ++i) reference += std::log1p(v.a[i]);
  CHECK(loss_fast == doctest::Approx(reference).epsilon(1e-13));

  // Weighted validation rows.
  RowBlock vb = v.block(n_negative), wb = w.block(n_negative);
  vb.w = wb.w = weights.data();
  CHECK(apply_validation(Objective::LogLoss, cells, u.data(), fast, vb, 0, n) ==
        apply_validation(Objective::LogLoss, cells, u.data(), table, wb, 0, n));
  CHECK(v.a == w.a);
}

}  // namespace

TEST_CASE("ebm row kernels: a two-valued update gives the table's rows bit for bit") {
  // A subset: cell 0 holds the first value (its bit clear); cells 31, 32 and 255, the first and
  // last bits of their words, hold the second.
  std::vector<double> u(256);
  for (size_t c = 0; c < 256; ++c) u[c] = (c % 3 == 0 && c != 255) ? 0.3 : -0.2;
  check_against_table(u);
  // Splits: cells from 100 on, and from 255 (the last cell) on.
  for (size_t from : {100u, 255u}) {
    for (size_t c = 0; c < 256; ++c) u[c] = c >= from ? -0.25 : 0.15;
    UpdateFactors f;
    f.set(u);
    CHECK(f.split_from == from);
    check_against_table(u);
  }
}

TEST_CASE("ebm row kernels: an update on row sub-ranges equals one pass over all rows") {
  const size_t n = 700, n_negative = 300;
  Case data(n);
  // A two-valued update on byte cells, and a many-valued one on 300 cells (16-bit cell index).
  for (size_t n_cells : {256u, 300u}) {
    for (size_t i = 0; i < n; i += 7) data.cells[i] = static_cast<uint32_t>(n_cells - 1 - i % 40);
    const CellIndex cells(data.cells, n_cells);
    std::vector<double> u(n_cells, 0.1);
    for (size_t c = 100; c < n_cells; ++c) u[c] = n_cells == 256 ? -0.05 : -0.001 * static_cast<double>(c);
    UpdateFactors f;
    f.set(u);
    CHECK(f.two_valued == (n_cells == 256));
    Rows whole{data.a, std::vector<double>(n), std::vector<double>(n)}, parts = whole;
    apply_train(Objective::LogLoss, cells, u.data(), f, whole.block(n_negative), 0, n);
    for (size_t b = 0; b < n; b += 250)  // a range that straddles the label boundary
      apply_train(Objective::LogLoss, cells, u.data(), f, parts.block(n_negative), b,
                  std::min(n, b + 250));
    CHECK(parts.a == whole.a);
    CHECK(parts.g == whole.g);
    CHECK(parts.h == whole.h);
    for (size_t i = 0; i < n; ++i) {
      const double s = i < n_negative ? u[data.cells[i]] : -u[data.cells[i]];
      CHECK(whole.a[i] == doctest::Approx(data.a[i] * std::exp(s)).epsilon(1e-14));
    }
  }
}

TEST_CASE("ebm row kernels: the validation loss of rows with huge and capped a") {
  // Rows whose 1 + a passes the log-product's 1e15 cap add their excess separately; a product
  // above 1e300 (or NaN) is capped at 1e300. Two full 128-row blocks and a partial one.
  const size_t n = 300, n_negative = 140;
  Case data(n);
  for (size_t i = 0; i < n; ++i) data.cells[i] %= 8;
  data.a[3] = 1e20;
  data.a[130] = 1e299;  // times exp(0.3) passes 1e300
  data.a[200] = 1e16;
  data.a[299] = 1e40;  // in the partial block
  data.a[150] = std::nan("");
  const CellIndex cells(data.cells, 8);
  const std::vector<double> u = {0.3, 0.3, 0.3, -0.2, -0.2, -0.2, -0.2, -0.2};
  UpdateFactors f;
  f.set(u);
  Rows v{data.a, {}, {}};
  const double loss =
      apply_validation(Objective::LogLoss, cells, u.data(), f, v.block(n_negative), 0, n);
  double reference = 0;
  for (size_t i = 0; i < n; ++i) {
    const double s = i < n_negative ? u[data.cells[i]] : -u[data.cells[i]];
    const double product = data.a[i] * std::exp(s);
    const double a = product < 1e300 ? product : 1e300;
    CHECK(v.a[i] == a);
    reference += std::log1p(a);
  }
  CHECK(std::isfinite(loss));
  CHECK(loss == doctest::Approx(reference).epsilon(1e-13));
}

TEST_CASE("ebm row kernels: an update fused with the next term's histogram gives the same bits") {
  // apply_train_accumulate against apply_train then GhAccumulator::add, over ragged row ranges
  // (short ones off a multiple of 4, an empty one, one straddling the label boundary), for a split,
  // a two-valued subset and a three-valued update of byte-wide cells and a three-valued update of
  // 16-bit cells (1024), next terms of 4, 100 and 200 cells (16, 8 and 4 partial histograms),
  // 300 cells (16-bit, 4 partials) and 1024 cells (16-bit, one partial; also with runs of 8 rows
  // in one cell, so that four rows in a row add to one pair), weighted (the two-pass way) and not;
  // rows whose a is capped (the largest double, infinity, NaN) in the fused loop's body and at a
  // range's edge. A next term without histogram offsets, or with too many cells for them (5000),
  // goes the two-pass way; 4096 cells, the most that have offsets, add their last cell at byte
  // 65520. (Builds without AVX2 take the two-pass way on both sides; CANDOR_NATIVE builds do not.)
  const size_t n = 1003, n_negative = 517;
  Case data(n);
  data.a[8] = std::numeric_limits<double>::max();
  data.a[9] = std::nan("");
  data.a[10] = std::numeric_limits<double>::infinity();
  data.a[501] = std::numeric_limits<double>::max();
  std::vector<uint32_t> wide_cells(n);
  for (size_t i = 0; i < n; ++i) wide_cells[i] = data.cells[i] * 4 + static_cast<uint32_t>(i % 4);
  const CellIndex byte_cells(data.cells, 256), short_cells(wide_cells, 1024);
  std::vector<double> weights(n, 0.5);
  weights[600] = 2.0;
  for (int kind = 0; kind < 4; ++kind) {
    const CellIndex& cells = kind == 3 ? short_cells : byte_cells;
    for (int next_kind = 0; next_kind < 9; ++next_kind) {
      const size_t next_cells =
          std::array<size_t, 9>{4, 100, 200, 300, 1024, 1024, 100, 5000, 4096}[next_kind];
      const bool with_offsets = next_kind != 6;
      for (bool weighted : {false, true}) {
        std::vector<double> u(cells.cell_count());
        for (size_t c = 0; c < u.size(); ++c)
          u[c] = kind == 0 ? (c >= 90 ? -0.25 : 0.15)
                 : kind == 1 ? (c % 3 == 0 ? -0.25 : 0.15)
                             : 0.1 * static_cast<double>(c % 3) - 0.1;
        UpdateFactors f;
        f.set(u);
        REQUIRE((f.split_from > 0) == (kind == 0));
        REQUIRE(f.two_valued == (kind < 2));
        REQUIRE(cells.byte_wide() == (kind < 3));
        CAPTURE(kind);
        CAPTURE(next_kind);
        CAPTURE(weighted);
        std::vector<uint32_t> nc(n);
        for (size_t i = 0; i < n; ++i)
          nc[i] = static_cast<uint32_t>((next_kind == 5 ? i / 8 : i * 7 + i / 5) % next_cells);
        nc[n - 2] = static_cast<uint32_t>(next_cells - 1);  // in the fused loop's body
        const CellIndex next(nc, next_cells,
                             with_offsets ? CellOffsets::Histogram : CellOffsets::None);
        REQUIRE((next.histogram_offsets() != nullptr) == (with_offsets && next_kind != 7));
        Rows fused{data.a, std::vector<double>(n), std::vector<double>(n)}, apart = fused;
        RowBlock fb = fused.block(n_negative), ab = apart.block(n_negative);
        if (weighted) fb.w = ab.w = weights.data();
        std::vector<double> scratch_fused, scratch_apart;
        GhAccumulator acc_fused(next, scratch_fused), acc_apart(next, scratch_apart);
        const size_t bounds[] = {0, 3, 5, 7, 7, 250, 501, 530, n};
        for (size_t k = 0; k + 1 < std::size(bounds); ++k) {
          const size_t b = bounds[k], e = bounds[k + 1];
          const bool ran_fused =
              apply_train_accumulate(Objective::LogLoss, cells, u.data(), f, fb, b, e, acc_fused);
#ifdef __AVX2__
          CHECK(ran_fused == (!weighted && next.histogram_offsets() != nullptr));
#else
          CHECK(!ran_fused);
#endif
          apply_train(Objective::LogLoss, cells, u.data(), f, ab, b, e);
          acc_apart.add(apart.g.data(), apart.h.data(), b, e);
        }
        CHECK(fused.a == apart.a);
        refresh_gradients(Objective::LogLoss, fb, 0, n);  // the fused loop leaves them unwritten
        CHECK(fused.g == apart.g);
        CHECK(fused.h == apart.h);
        std::vector<double> hist_fused(2 * next_cells), hist_apart(2 * next_cells);
        acc_fused.finish(hist_fused.data());
        acc_apart.finish(hist_apart.data());
        CHECK(hist_fused == hist_apart);
        // And the histogram is the sums: cell 1's g and h.
        double g1 = 0, h1 = 0;
        for (size_t i = 0; i < n; ++i)
          if (nc[i] == 1) {
            g1 += apart.g[i];
            h1 += apart.h[i];
          }
        CHECK(hist_fused[2] == doctest::Approx(g1).epsilon(1e-12));
        CHECK(hist_fused[3] == doctest::Approx(h1).epsilon(1e-12));
      }
    }
  }
}

TEST_CASE("ebm row kernels: gradients remade from a or the scores are the update's bits") {
  // refresh_gradients() against the g, h that apply_train writes, over a range that straddles the label
  // boundary: log loss weighted and not (capped a included), and rmse.
  const size_t n = 301, n_negative = 140;
  Case data(n);
  data.a[5] = std::numeric_limits<double>::infinity();
  const CellIndex cells(data.cells, 256);
  std::vector<double> u(256), weights(n), y(n), s(n);
  for (size_t c = 0; c < 256; ++c) u[c] = 0.01 * static_cast<double>(c % 7) - 0.03;
  for (size_t i = 0; i < n; ++i) {
    weights[i] = 0.25 + static_cast<double>(i % 5);
    y[i] = static_cast<double>(i % 3);
    s[i] = 0.1 * static_cast<double>(i % 11);
  }
  UpdateFactors f;
  f.set(u);
  for (int kind = 0; kind < 3; ++kind) {
    CAPTURE(kind);
    const Objective objective = kind == 2 ? Objective::Rmse : Objective::LogLoss;
    Rows applied{data.a, std::vector<double>(n), std::vector<double>(n)};
    std::vector<double> scores = s;
    RowBlock r = applied.block(n_negative);
    r.s = scores.data();
    r.y = y.data();
    if (kind == 1) r.w = weights.data();
    apply_train(objective, cells, u.data(), f, r, 0, n);
    const auto g = applied.g, h = applied.h;
    std::fill(applied.g.begin(), applied.g.end(), -7.0);
    std::fill(applied.h.begin(), applied.h.end(), -7.0);
    refresh_gradients(objective, r, 3, n);
    CHECK(applied.g[2] == -7.0);  // outside the range: untouched
    CHECK(std::equal(g.begin() + 3, g.end(), applied.g.begin() + 3));
    CHECK(std::equal(h.begin() + 3, h.end(), applied.h.begin() + 3));
  }
}
