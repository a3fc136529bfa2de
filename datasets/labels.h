// The rule that turns a label column into 0/1, shared by the Encoder and by callers that need the
// labels before encoding (e.g. to stratify a split).
//   categorical label: 1 when the value is one of the positive labels (they must be given);
//   numeric label: 1 when the value is not 0, or, when positive labels are given, when it equals
//   one of them read as numbers ("1" matches 1.0).
#pragma once

#include <string>
#include <vector>

#include "datasets/table.h"

namespace candor::datasets {

class LabelRule {
 public:
  LabelRule() = default;
  // DataError for a numeric label with a positive label that is not a number, or a categorical
  // label without positive labels.
  LabelRule(const std::string& column, ColumnType type, std::vector<std::string> positive_labels);
  // 0 or 1 for row `row` of `label` (which must not be missing there).
  float operator()(const Column& label, size_t row) const;

 private:
  ColumnType type_ = ColumnType::Numeric;
  std::vector<std::string> positive_;
  std::vector<double> positive_numbers_;
};

// The label of every row of `table` as 0/1 under `schema`; NaN where the label is missing.
std::vector<double> binary_labels(const Table& table, const Schema& schema);

}  // namespace candor::datasets
