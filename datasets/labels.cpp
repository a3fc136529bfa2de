#include "datasets/labels.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "datasets/errors.h"

namespace candor::datasets {

LabelRule::LabelRule(const std::string& column, ColumnType type,
                     std::vector<std::string> positive_labels)
    : type_(type), positive_(std::move(positive_labels)) {
  if (type == ColumnType::Categorical) {
    if (positive_.empty()) {
      throw DataError(
          fmt::format("label column \"{}\" is categorical: the schema must name its "
                      "positive values",
                      column));
    }
    return;
  }
  for (const std::string& p : positive_) {
    double value;
    if (!parse_number(p, value)) {
      throw DataError(
          fmt::format("positive label \"{}\" is not a number, but label column \"{}\" "
                      "is numeric",
                      p, column));
    }
    positive_numbers_.push_back(value);
  }
}

float LabelRule::operator()(const Column& label, size_t row) const {
  if (type_ == ColumnType::Numeric) {
    double v = label.numbers[row];
    if (positive_numbers_.empty()) return v != 0 ? 1.0f : 0.0f;
    return std::find(positive_numbers_.begin(), positive_numbers_.end(), v) !=
           positive_numbers_.end();
  }
  return std::find(positive_.begin(), positive_.end(), label.values[row]) != positive_.end();
}

std::vector<double> binary_labels(const Table& table, const Schema& schema) {
  const Column& label = table.column(schema.label);
  LabelRule rule(schema.label, label.type, schema.positive_labels);
  std::vector<double> y(table.rows(), std::numeric_limits<double>::quiet_NaN());
  for (size_t r = 0; r < y.size(); ++r) {
    if (!label.missing[r]) y[r] = rule(label, r);
  }
  return y;
}

}  // namespace candor::datasets
