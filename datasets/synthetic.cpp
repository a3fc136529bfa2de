// Biased synthetic data with known parameters (see SyntheticOptions in builtin.h).
#include <cmath>

#include <fmt/format.h>

#include "datasets/builtin.h"
#include "datasets/errors.h"
#include "engine/ops/ops.h"

namespace candor::datasets {

Dataset make_synthetic(const SyntheticOptions& o) {
  if (o.rows < 1 || o.features < 1) {
    throw DataError(
        fmt::format("synthetic: rows ({}) and features ({}) must be >= 1", o.rows, o.features));
  }
  if (!(o.group_fraction >= 0 && o.group_fraction <= 1)) {
    throw DataError(fmt::format("synthetic: group_fraction {} is not in [0, 1]", o.group_fraction));
  }
  if (!std::isfinite(o.group_shift) || !std::isfinite(o.label_bias)) {
    throw DataError("synthetic: group_shift and label_bias must be finite");
  }
  Generator gen(o.seed);
  std::vector<double> group = bernoulli({o.rows}, o.group_fraction, kFloat64, &gen).to_vector();
  std::vector<double> z = randn({o.rows, o.features}, kFloat64, &gen).to_vector();  // [N, k]
  std::vector<double> u = rand({o.rows}, kFloat64, &gen).to_vector();

  const auto n = static_cast<size_t>(o.rows), k = static_cast<size_t>(o.features);
  std::vector<std::vector<double>> x(k, std::vector<double>(n));
  std::vector<double> y(n);
  std::vector<std::string> group_names;  // built by construction, not assignment: GCC 12's
  group_names.reserve(n);                // -Wrestrict misfires on assigning short literals
  for (size_t i = 0; i < n; ++i) {
    double logit = o.label_bias * group[i];
    for (size_t j = 0; j < k; ++j) {
      x[j][i] = z[i * k + j] + o.group_shift * group[i];
      logit += x[j][i] / static_cast<double>(j + 1);
    }
    y[i] = u[i] < 1.0 / (1.0 + std::exp(-logit)) ? 1.0 : 0.0;
    group_names.emplace_back(group[i] != 0 ? "b" : "a");
  }

  Dataset d;
  d.name = std::string("synthetic");
  d.schema.label = std::string("y");
  d.schema.sensitive = {"group"};
  for (size_t j = 0; j < k; ++j) d.train.add_column(Column::numeric(fmt::format("x{}", j), x[j]));
  d.train.add_column(Column::categorical("group", group_names));
  d.train.add_column(Column::numeric("y", y));
  return d;
}

}  // namespace candor::datasets
