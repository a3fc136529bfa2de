#include "explain/posthoc/table_inputs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::explain {

namespace {
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
}

TableInputs TableInputs::fit(const std::vector<const datasets::Table*>& tables,
                             const std::vector<std::string>& columns) {
  if (tables.empty()) throw ValueError("table inputs: no table to fit on");
  TableInputs t;
  for (const std::string& name : columns) {
    const datasets::ColumnType type = tables.front()->column(name).type;
    std::set<std::string> seen;
    for (const datasets::Table* table : tables) {
      const datasets::Column& c = table->column(name);
      if (c.type != type) throw ValueError(fmt::format("table inputs: column \"{}\" has two types", name));
      for (size_t r = 0; r < c.size() && !c.is_numeric(); ++r) {
        if (!c.missing[r]) seen.insert(c.values[r]);
      }
    }
    t.columns_.push_back(name);
    t.types_.push_back(type);
    t.categories_.emplace_back(seen.begin(), seen.end());
  }
  return t;
}

Matrix TableInputs::encode(const datasets::Table& table) const {
  Matrix m(table.rows(), columns_.size());
  for (size_t j = 0; j < columns_.size(); ++j) {
    const datasets::Column& c = table.column(columns_[j]);
    if (c.type != types_[j]) {
      throw ValueError(fmt::format("column \"{}\" is {} here but was {} when the inputs were fitted", columns_[j],
                                   c.is_numeric() ? "numeric" : "categorical",
                                   c.is_numeric() ? "categorical" : "numeric"));
    }
    for (size_t r = 0; r < table.rows(); ++r) {
      if (c.missing[r]) {
        m(r, j) = kMissing;
      } else if (c.is_numeric()) {
        m(r, j) = c.numbers[r];
      } else {
        const auto& cats = categories_[j];
        const auto it = std::lower_bound(cats.begin(), cats.end(), c.values[r]);
        if (it == cats.end() || *it != c.values[r]) {
          throw ValueError(fmt::format("column \"{}\": category \"{}\" was not in the table the inputs were fitted on",
                                       columns_[j], c.values[r]));
        }
        m(r, j) = static_cast<double>(it - cats.begin());
      }
    }
  }
  return m;
}

datasets::Table TableInputs::decode(const Matrix& rows) const {
  check_columns(rows, columns_.size(), "the rows");
  std::vector<datasets::Column> out;
  for (size_t j = 0; j < columns_.size(); ++j) {
    if (types_[j] == datasets::ColumnType::Numeric) {
      std::vector<double> numbers(rows.rows);
      for (size_t r = 0; r < rows.rows; ++r) numbers[r] = rows(r, j);
      out.push_back(datasets::Column::numeric(columns_[j], std::move(numbers)));
      continue;
    }
    std::vector<std::string> values(rows.rows);
    std::vector<bool> missing(rows.rows, false);
    for (size_t r = 0; r < rows.rows; ++r) {
      const double code = rows(r, j);
      if (std::isnan(code)) {
        missing[r] = true;
        continue;
      }
      if (code < 0 || code >= static_cast<double>(categories_[j].size()) || code != std::floor(code)) {
        throw ValueError(fmt::format("column \"{}\": {} is not a category code (0 to {})", columns_[j], code,
                                     categories_[j].size() - 1));
      }
      values[r] = categories_[j][static_cast<size_t>(code)];
    }
    out.push_back(datasets::Column::categorical(columns_[j], std::move(values), std::move(missing)));
  }
  return datasets::Table(std::move(out));
}

std::vector<Player> TableInputs::players() const { return one_player_per_column(columns_); }

std::vector<std::string> ebm_columns(const ebm::Model& model) {
  std::vector<std::string> columns;
  for (const auto& f : model.features) columns.push_back(f.name);
  return columns;
}

Predictor ebm_predictor(const ebm::Model& model, TableInputs inputs) {
  return [&model, inputs = std::move(inputs)](const Matrix& rows) {
    return model.decision_function(inputs.decode(rows));
  };
}

}  // namespace candor::explain
