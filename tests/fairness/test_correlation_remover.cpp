// The correlation remover (fairness/correlation_remover.h): a hand-worked projection, zero sample
// correlation with the sensitive columns on random data (dependent sensitive columns included),
// the alpha blend, Fairlearn's pooled mean, JSON and bad input.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "fairness/correlation_remover.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::fairness;
using candor::testing::check_throws;

namespace {

// Sample correlation of columns a and b of row-major [n, ?] data.
double correlation(const std::vector<double>& a, size_t a_cols, size_t a_col, const std::vector<double>& b, size_t b_cols,
                   size_t b_col) {
  const size_t n = a.size() / a_cols;
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; ++i) {
    ma += a[i * a_cols + a_col];
    mb += b[i * b_cols + b_col];
  }
  ma /= static_cast<double>(n);
  mb /= static_cast<double>(n);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    const double da = a[i * a_cols + a_col] - ma, db = b[i * b_cols + b_col] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / std::sqrt(saa * sbb);
}

// 400 rows, 6 features: 0 a binary group indicator g, 1 its complement 1 − g, 2 a continuous
// sensitive value a; 3..5 depend on both (with noise), and column 5 has a mean above 2.
struct Data {
  std::vector<double> x;
  static constexpr size_t kRows = 400, kCols = 6;
  Data() {
    Generator gen(3);
    const Tensor noise = randn({static_cast<int64_t>(kRows), 4}, kFloat64, &gen);
    const std::vector<double> e = noise.to_vector<double>();
    for (size_t i = 0; i < kRows; ++i) {
      const double g = e[i * 4] > 0.4 ? 1 : 0;  // about a third of the rows
      const double a = e[i * 4 + 1];
      x.insert(x.end(), {g, 1 - g, a, 2 * g + 0.5 * a + e[i * 4 + 2], a - g + 0.5 * e[i * 4 + 3],
                      2 + g + g * a + e[i * 4 + 2]});
    }
  }
  Tensor tensor(DType dtype = kFloat32) const {
    const Tensor t = from_vector(x, {static_cast<int64_t>(kRows), static_cast<int64_t>(kCols)});
    return dtype == kFloat64 ? t : t.to(dtype);
  }
};

// Fit on the float64 data and transform it.
std::vector<double> removed(const Data& d, const CorrelationRemoverOptions& o) {
  return fit_correlation_remover(d.tensor(kFloat64), o).transform(d.tensor(kFloat64)).to_vector<double>();
}

}  // namespace

TEST_CASE("correlation remover: a hand-worked projection on one sensitive column") {
  // x = [s, z] with s = 0 0 1 1, z = 1 2 3 6. s̄ = ½, S_c = −½ −½ ½ ½, ‖S_c‖² = 1,
  // B = S_c·z / ‖S_c‖² = (−½ − 1 + 3/2 + 3) / 1 = 3, Z* = z − 3 S_c = 2.5 3.5 1.5 4.5 (both groups
  // of s now average 3). A new row (s, z) = (1, 10) becomes 10 − 3·½ = 8.5; with α = ½,
  // ½·8.5 + ½·10 = 9.25.
  const Tensor x = from_vector(std::vector<double>{0, 1, 0, 2, 1, 3, 1, 6}, {4, 2});
  CorrelationRemoverOptions o;
  o.sensitive_columns = {0};
  const CorrelationRemover m = fit_correlation_remover(x, o);
  CHECK(m.kept_columns == std::vector<int64_t>{1});
  CHECK(m.sensitive_mean == std::vector<double>{0.5});
  REQUIRE(m.beta.size() == 1);
  CHECK(m.beta[0] == doctest::Approx(3).epsilon(1e-14));
  const std::vector<double> out = m.transform(x).to_vector<double>();
  const std::vector<double> expected = {2.5, 3.5, 1.5, 4.5};
  for (size_t i = 0; i < 4; ++i) CHECK(out[i] == doctest::Approx(expected[i]).epsilon(1e-14));
  const Tensor row = from_vector(std::vector<double>{1, 10}, {1, 2});
  CHECK(m.transform(row).item<double>() == doctest::Approx(8.5).epsilon(1e-14));
  o.alpha = 0.5;
  CHECK(fit_correlation_remover(x, o).transform(row).item<double>() == doctest::Approx(9.25).epsilon(1e-14));
  CHECK(m.transform(x).dtype() == kFloat64);
}

TEST_CASE("correlation remover: the kept columns have zero sample correlation with every sensitive column") {
  const Data d;
  for (DType dtype : {kFloat32, kFloat64}) {
    // float32 output carries its rounding (~1e-7 relative) into the correlation.
    const double tol = dtype == kFloat32 ? 1e-5 : 1e-12;
    CorrelationRemoverOptions o;
    o.sensitive_columns = {2, 0};  // any order
    const CorrelationRemover m = fit_correlation_remover(d.tensor(dtype), o);
    CHECK(m.kept_columns == std::vector<int64_t>{1, 3, 4, 5});
    const Tensor out = m.transform(d.tensor(dtype));
    CHECK(out.dtype() == dtype);
    CHECK(out.shape() == Shape{400, 4});
    const std::vector<double> z = out.to_vector<double>();
    for (size_t c = 1; c < 4; ++c) {
      for (size_t s : {size_t{0}, size_t{2}}) {
        CHECK(std::abs(correlation(d.x, Data::kCols, c + 2, d.x, Data::kCols, s)) > 0.1);  // correlated before
        CHECK(std::abs(correlation(z, 4, c, d.x, Data::kCols, s)) < tol);
      }
    }
  }
}

TEST_CASE("correlation remover: dependent sensitive columns (a full one-hot set) use the minimum-norm solution") {
  // Columns 0 and 1 are g and 1 − g: centered, one is minus the other, so S_c has rank 2 of 3.
  // The fitted values are those of {g, a} alone, and correlation with all three is removed.
  const Data d;
  CorrelationRemoverOptions all, two;
  all.sensitive_columns = {0, 1, 2};
  two.sensitive_columns = {0, 2};
  const CorrelationRemover m = fit_correlation_remover(d.tensor(kFloat64), all);
  // The minimum-norm B splits g's coefficient evenly between g and 1 − g (β_1 = −β_0).
  for (size_t c = 0; c < 3; ++c) CHECK(m.beta[0 * 3 + c] == doctest::Approx(-m.beta[1 * 3 + c]).epsilon(1e-10));
  const std::vector<double> z = m.transform(d.tensor(kFloat64)).to_vector<double>();
  const std::vector<double> z2 = removed(d, two);
  // z2 still holds column 1 (1 − g) first; compare the three mixed columns.
  for (size_t i = 0; i < Data::kRows; ++i) {
    for (size_t c = 0; c < 3; ++c) CHECK(z[i * 3 + c] == doctest::Approx(z2[i * 4 + c + 1]).epsilon(1e-10));
  }
  for (size_t c = 0; c < 3; ++c) {
    for (size_t s = 0; s < 3; ++s) CHECK(std::abs(correlation(z, 3, c, d.x, Data::kCols, s)) < 1e-12);
  }
}

TEST_CASE("correlation remover: alpha blends, and alpha = 0 returns the input without the sensitive columns") {
  const Data d;
  CorrelationRemoverOptions o;
  o.sensitive_columns = {0, 2};
  o.alpha = 0;
  const std::vector<float> in = d.tensor().to_vector<float>();
  const std::vector<float> out = fit_correlation_remover(d.tensor(), o).transform(d.tensor()).to_vector<float>();
  for (size_t i = 0; i < Data::kRows; ++i) {
    const std::vector<float> kept = {in[i * 6 + 1], in[i * 6 + 3], in[i * 6 + 4], in[i * 6 + 5]};
    const auto row = out.begin() + static_cast<std::ptrdiff_t>(i * 4);
    CHECK(std::vector<float>(row, row + 4) == kept);
  }
  // α = 0.3: 0.3·Z* + 0.7·Z.
  o.alpha = 1;
  const std::vector<double> full = removed(d, o);
  o.alpha = 0.3;
  const std::vector<double> part = removed(d, o);
  const std::vector<size_t> kept = {1, 3, 4, 5};
  for (size_t i = 0; i < Data::kRows; ++i) {
    for (size_t c = 0; c < 4; ++c) {
      CHECK(part[i * 4 + c] == doctest::Approx(0.3 * full[i * 4 + c] + 0.7 * d.x[i * 6 + kept[c]]).epsilon(1e-12));
    }
  }
}

TEST_CASE("correlation remover: Fairlearn's pooled mean equals the per-column one for one column, not for several") {
  const Data d;
  CorrelationRemoverOptions per, pooled;
  per.sensitive_columns = pooled.sensitive_columns = {2};
  pooled.centering = SensitiveCentering::Pooled;
  CHECK(removed(d, per) == removed(d, pooled));
  // g (mean about ⅓) and a (mean about 0) share one s̄ = mean of both: the projection has no
  // intercept to absorb the mismatch, and column 5 (mean above 2) keeps a correlation with g.
  pooled.sensitive_columns = {0, 2};
  const CorrelationRemover m = fit_correlation_remover(d.tensor(kFloat64), pooled);
  CHECK(m.sensitive_mean[0] == m.sensitive_mean[1]);
  const std::vector<double> z = m.transform(d.tensor(kFloat64)).to_vector<double>();
  CHECK(std::abs(correlation(z, 4, 3, d.x, Data::kCols, 0)) > 0.01);
}

TEST_CASE("correlation remover: the fitted state round-trips through JSON") {
  const Data d;
  CorrelationRemoverOptions o;
  o.sensitive_columns = {4, 0};
  o.alpha = 0.75;
  const CorrelationRemover m = fit_correlation_remover(d.tensor(), o);
  const nlohmann::json j = m.to_json();
  const CorrelationRemover back = CorrelationRemover::from_json(nlohmann::json::parse(j.dump()));
  CHECK(back.to_json() == j);
  CHECK(back.transform(d.tensor()).to_vector<float>() == m.transform(d.tensor()).to_vector<float>());
  nlohmann::json bad = j;
  bad["kept_columns"] = {1, 2, 3};
  check_throws<ValueError>([&] { CorrelationRemover::from_json(bad); }, {"do not split the 6 features"});
  bad = j;
  bad["beta"] = {1.0, 2.0};
  check_throws<ValueError>([&] { CorrelationRemover::from_json(bad); }, {"2 coefficients for S = 2, K = 4"});
  bad = j;
  bad["alpha"] = 2;
  check_throws<ValueError>([&] { CorrelationRemover::from_json(bad); }, {"alpha must be in [0, 1], got 2"});
  bad = j;
  bad["centering"] = "median";
  check_throws<ValueError>([&] { CorrelationRemover::from_json(bad); }, {"unknown centering \"median\""});
  check_throws<ValueError>([&] { CorrelationRemover::from_json(nlohmann::json::object()); }, {"not a correlation remover"});
}

TEST_CASE("correlation remover: bad indices, alpha and features are clear errors") {
  const Data d;
  CorrelationRemoverOptions o;
  o.sensitive_columns = {6};
  check_throws<IndexError>([&] { fit_correlation_remover(d.tensor(), o); },
                           {"sensitive column 6 is out of range for 6 features"});
  o.sensitive_columns = {-1};
  check_throws<IndexError>([&] { fit_correlation_remover(d.tensor(), o); }, {"sensitive column -1 is negative"});
  o.sensitive_columns = {2, 0, 2};
  check_throws<ValueError>([&] { fit_correlation_remover(d.tensor(), o); }, {"sensitive column 2 is listed twice"});
  o.sensitive_columns = {};
  check_throws<ValueError>([&] { fit_correlation_remover(d.tensor(), o); }, {"no sensitive column given"});
  o.sensitive_columns = {0};
  for (double alpha : {-0.1, 1.5, std::nan("")}) {
    o.alpha = alpha;
    check_throws<ValueError>([&] { fit_correlation_remover(d.tensor(), o); }, {"alpha must be in [0, 1]"});
  }
  o.alpha = 1;
  const CorrelationRemover m = fit_correlation_remover(d.tensor(), o);
  check_throws<ValueError>([&] { m.transform(zeros({3, 5})); }, {"x has 5 features, the remover was fitted on 6"});
  check_throws<ValueError>([&] { m.transform(zeros({6})); }, {"2-D floating-point tensor"});
  check_throws<ValueError>([&] { fit_correlation_remover(zeros({3, 2}, kInt64), o); }, {"2-D floating-point tensor"});
  check_throws<ValueError>([&] { fit_correlation_remover(zeros({0, 2}), o); }, {"no rows to fit on"});
  const Tensor nan = from_vector(std::vector<double>{0, 1, 1, std::nan("")}, {2, 2});
  check_throws<ValueError>([&] { fit_correlation_remover(nan, o); }, {"x[1, 1] = nan is not finite"});
}
