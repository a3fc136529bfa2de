// Legend: N rows, F features, S sensitive columns, K kept columns, r = min(N, S).
#include "fairness/correlation_remover.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "datasets/json_integer.h"
#include "engine/error.h"
#include "engine/ops/ops.h"

namespace candor::fairness {

namespace {

constexpr const char* kWho = "correlation remover";
constexpr const char* kFormat = "candor.correlation_remover";
constexpr int kVersion = 1;

// x [N, F] as row-major doubles, checked.
std::vector<double> read_features(const Tensor& x, int64_t expected_features) {
  if (!x.defined() || x.dim() != 2 || !x.is_floating_point()) {
    throw ValueError(fmt::format("{}: x must be a 2-D floating-point tensor [N, F]", kWho));
  }
  const int64_t n = x.size(0), f = x.size(1);
  if (expected_features >= 0 && f != expected_features) {
    throw ValueError(fmt::format("{}: x has {} features, the remover was fitted on {}", kWho, f, expected_features));
  }
  std::vector<double> values = x.to_vector<double>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < f; ++j) {
      const double v = values[static_cast<size_t>(i * f + j)];
      if (!std::isfinite(v)) throw ValueError(fmt::format("{}: x[{}, {}] = {} is not finite", kWho, i, j, v));
    }
  }
  return values;
}

const char* centering_name(SensitiveCentering c) { return c == SensitiveCentering::PerColumn ? "per_column" : "pooled"; }

SensitiveCentering parse_centering(const std::string& name) {
  if (name == "per_column") return SensitiveCentering::PerColumn;
  if (name == "pooled") return SensitiveCentering::Pooled;
  throw ValueError(fmt::format("correlation remover json: unknown centering {} (known: per_column, pooled)",
                               quote_value(name)));
}

// Householder QR in place: columns a[0..S) of length N become R (entries i <= c of column c) while
// the same reflections H_0, ..., H_(r−1) are applied to the columns of z, so that z becomes Qᵀz.
// H_j = I − β v vᵀ acts on rows j..N−1, v = x − α e_1 with α = −sign(x_0)·‖x‖ (no cancellation).
void householder_qr(std::vector<std::vector<double>>& a, std::vector<std::vector<double>>& z) {
  const size_t n = a.empty() ? 0 : a[0].size(), r = std::min(n, a.size());
  std::vector<double> v;
  for (size_t j = 0; j < r; ++j) {
    double norm2 = 0;
    for (size_t i = j; i < n; ++i) norm2 += a[j][i] * a[j][i];
    if (norm2 == 0) continue;  // a zero column below the diagonal: nothing to reflect
    const double alpha = -std::copysign(std::sqrt(norm2), a[j][j]);
    v.assign(a[j].begin() + static_cast<std::ptrdiff_t>(j), a[j].end());
    v[0] -= alpha;
    double v2 = 0;
    for (double e : v) v2 += e * e;
    const double beta = 2 / v2;
    auto reflect = [&](std::vector<double>& col) {  // col[j..] -= β v (v·col[j..])
      double dot = 0;
      for (size_t i = j; i < n; ++i) dot += v[i - j] * col[i];
      const double s = beta * dot;
      for (size_t i = j; i < n; ++i) col[i] -= s * v[i - j];
    };
    for (size_t c = j + 1; c < a.size(); ++c) reflect(a[c]);
    for (std::vector<double>& col : z) reflect(col);
    a[j][j] = alpha;
    std::fill(a[j].begin() + static_cast<std::ptrdiff_t>(j) + 1, a[j].end(), 0.0);
  }
}

}  // namespace

void CorrelationRemoverOptions::validate() const {
  if (sensitive_columns.empty()) throw ValueError(fmt::format("{}: no sensitive column given", kWho));
  for (size_t k = 0; k < sensitive_columns.size(); ++k) {
    if (sensitive_columns[k] < 0) {
      throw IndexError(fmt::format("{}: sensitive column {} is negative", kWho, sensitive_columns[k]));
    }
    for (size_t l = 0; l < k; ++l) {
      if (sensitive_columns[l] == sensitive_columns[k]) {
        throw ValueError(fmt::format("{}: sensitive column {} is listed twice", kWho, sensitive_columns[k]));
      }
    }
  }
  if (!(alpha >= 0.0 && alpha <= 1.0)) throw ValueError(fmt::format("{}: alpha must be in [0, 1], got {}", kWho, alpha));
  if (centering != SensitiveCentering::PerColumn && centering != SensitiveCentering::Pooled) {
    throw ValueError(fmt::format("{}: unknown centering {}", kWho, static_cast<int>(centering)));
  }
}

CorrelationRemover fit_correlation_remover(const Tensor& x, const CorrelationRemoverOptions& options) {
  options.validate();
  const std::vector<double> values = read_features(x, -1);
  const int64_t n = x.size(0), f = x.size(1);
  if (n == 0) throw ValueError(fmt::format("{}: no rows to fit on", kWho));
  CorrelationRemover m;
  m.features = f;
  m.sensitive_columns = options.sensitive_columns;
  m.alpha = options.alpha;
  m.centering = options.centering;
  for (int64_t c : options.sensitive_columns) {
    if (c >= f) throw IndexError(fmt::format("{}: sensitive column {} is out of range for {} features", kWho, c, f));
  }
  for (int64_t c = 0; c < f; ++c) {
    if (std::find(m.sensitive_columns.begin(), m.sensitive_columns.end(), c) == m.sensitive_columns.end()) {
      m.kept_columns.push_back(c);
    }
  }
  const size_t rows = static_cast<size_t>(n), s = m.sensitive_columns.size(), k = m.kept_columns.size();
  auto at = [&](size_t i, int64_t col) { return values[i * static_cast<size_t>(f) + static_cast<size_t>(col)]; };

  // s̄ [S]: per column, or one mean of all S·N entries.
  m.sensitive_mean.assign(s, 0.0);
  for (size_t j = 0; j < s; ++j) {
    for (size_t i = 0; i < rows; ++i) m.sensitive_mean[j] += at(i, m.sensitive_columns[j]);
  }
  if (options.centering == SensitiveCentering::Pooled) {
    double all = 0;
    for (double sum : m.sensitive_mean) all += sum;
    m.sensitive_mean.assign(s, all / static_cast<double>(rows * s));
  } else {
    for (double& mean : m.sensitive_mean) mean /= static_cast<double>(rows);
  }

  // Columns of S_c [N, S] and Z [N, K]; QR turns S_c into R and Z into QᵀZ.
  std::vector<std::vector<double>> sc(s, std::vector<double>(rows)), z(k, std::vector<double>(rows));
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < s; ++j) sc[j][i] = at(i, m.sensitive_columns[j]) - m.sensitive_mean[j];
    for (size_t c = 0; c < k; ++c) z[c][i] = at(i, m.kept_columns[c]);
  }
  householder_qr(sc, z);

  // B = R⁺ (QᵀZ)[:r]  (S_c = Q [R; 0], so pinv(S_c) = [pinv(R), 0] Qᵀ), R [r, S] upper triangular.
  const size_t r = std::min(rows, s);
  Eigen::MatrixXd rr = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(s));
  Eigen::MatrixXd qz(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(k));
  for (size_t i = 0; i < r; ++i) {
    for (size_t j = i; j < s; ++j) rr(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = sc[j][i];
    for (size_t c = 0; c < k; ++c) qz(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) = z[c][i];
  }
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(rr, Eigen::ComputeThinU | Eigen::ComputeThinV);
  svd.setThreshold(std::numeric_limits<double>::epsilon() * static_cast<double>(std::max(rows, s)));  // numpy's rcond
  const Eigen::MatrixXd b = svd.solve(qz);  // [S, K]
  m.beta.resize(s * k);
  for (size_t j = 0; j < s; ++j) {
    for (size_t c = 0; c < k; ++c) m.beta[j * k + c] = b(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(c));
  }
  return m;
}

Tensor CorrelationRemover::transform(const Tensor& x) const {
  const std::vector<double> values = read_features(x, features);
  const size_t rows = static_cast<size_t>(x.size(0)), s = sensitive_columns.size(), k = kept_columns.size();
  const size_t f = static_cast<size_t>(features);
  std::vector<double> out(rows * k);
  std::vector<double> centered(s);
  for (size_t i = 0; i < rows; ++i) {
    const double* row = values.data() + i * f;
    for (size_t j = 0; j < s; ++j) centered[j] = row[sensitive_columns[j]] - sensitive_mean[j];
    for (size_t c = 0; c < k; ++c) {
      double fit = 0;  // ((S − s̄) B)[i, c]
      for (size_t j = 0; j < s; ++j) fit += centered[j] * beta[j * k + c];
      const double zv = row[kept_columns[c]];
      out[i * k + c] = alpha * (zv - fit) + (1 - alpha) * zv;
    }
  }
  const Shape shape = {static_cast<int64_t>(rows), static_cast<int64_t>(k)};
  if (x.dtype() == kFloat64) return from_vector(out, shape);
  return from_vector(std::vector<float>(out.begin(), out.end()), shape);
}

std::vector<int64_t> encoded_columns(const datasets::Encoder& encoder, const std::string& column) {
  // Features are laid out column by column: a one-hot column takes one per category (encoder.h).
  std::vector<int64_t> out;
  std::vector<std::string> inputs;
  int64_t index = 0;
  for (const datasets::Encoder::Feature& f : encoder.features()) {
    const bool one_hot = f.type == datasets::ColumnType::Categorical && encoder.options().one_hot;
    const int64_t width = one_hot ? static_cast<int64_t>(f.categories.size()) : 1;
    if (f.column == column) {
      for (int64_t k = 0; k < width; ++k) out.push_back(index + k);
    }
    inputs.push_back(f.column);
    index += width;
  }
  if (out.empty()) {
    std::string list;
    for (size_t i = 0; i < inputs.size(); ++i) list += (i ? ", " : "") + inputs[i];
    throw ValueError(fmt::format("{}: the encoder makes no feature of column {} (input columns: {})", kWho,
                                 quote_value(column), one_line(list, 400)));
  }
  return out;
}

nlohmann::json CorrelationRemover::to_json() const {
  return {{"format", kFormat},
          {"version", kVersion},
          {"features", features},
          {"sensitive_columns", sensitive_columns},
          {"kept_columns", kept_columns},
          {"centering", centering_name(centering)},
          {"alpha", alpha},
          {"sensitive_mean", sensitive_mean},
          {"beta", beta}};
}

CorrelationRemover CorrelationRemover::from_json(const nlohmann::json& j) {
  CorrelationRemover m;
  try {
    if (!j.is_object() || j.value("format", "") != kFormat) {
      throw ValueError(fmt::format("correlation remover json: not a correlation remover (expected \"format\": \"{}\")",
                                   kFormat));
    }
    const int version = datasets::json_integer<int>(j.at("version"));
    if (version != kVersion) {
      throw ValueError(fmt::format("correlation remover json: version {} is not supported (this build reads {})",
                                   version, kVersion));
    }
    m.features = datasets::json_integer<int64_t>(j.at("features"));
    m.sensitive_columns = datasets::json_integers<int64_t>(j.at("sensitive_columns"));
    m.kept_columns = datasets::json_integers<int64_t>(j.at("kept_columns"));
    m.centering = parse_centering(j.at("centering").get<std::string>());
    m.alpha = j.at("alpha").get<double>();
    m.sensitive_mean = j.at("sensitive_mean").get<std::vector<double>>();
    m.beta = j.at("beta").get<std::vector<double>>();
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(fmt::format("correlation remover json: {}", e.what()));
  }
  CorrelationRemoverOptions o{m.sensitive_columns, m.alpha, m.centering};
  o.validate();
  // The sensitive and kept columns must split [0, F) between them.
  std::vector<int64_t> all = m.sensitive_columns;
  all.insert(all.end(), m.kept_columns.begin(), m.kept_columns.end());
  std::sort(all.begin(), all.end());
  bool partition = static_cast<int64_t>(all.size()) == m.features &&
                   std::is_sorted(m.kept_columns.begin(), m.kept_columns.end());
  for (size_t c = 0; partition && c < all.size(); ++c) partition = all[c] == static_cast<int64_t>(c);
  if (!partition) {
    throw ValueError(fmt::format("correlation remover json: sensitive and kept columns do not split the {} features",
                                 m.features));
  }
  const size_t s = m.sensitive_columns.size(), k = m.kept_columns.size();
  if (m.sensitive_mean.size() != s || m.beta.size() != s * k) {
    throw ValueError(fmt::format("correlation remover json: {} means and {} coefficients for S = {}, K = {} "
                                 "(need S and S·K)",
                                 m.sensitive_mean.size(), m.beta.size(), s, k));
  }
  for (double v : m.beta) {
    if (!std::isfinite(v)) throw ValueError("correlation remover json: a coefficient is not finite");
  }
  for (double v : m.sensitive_mean) {
    if (!std::isfinite(v)) throw ValueError("correlation remover json: a mean is not finite");
  }
  return m;
}

}  // namespace candor::fairness
