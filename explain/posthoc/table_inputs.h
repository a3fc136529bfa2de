// Raw table rows as explainer inputs, for models that read a Table rather than encoded tensors
// (an EBM): one matrix column per table column, holding the number (NaN when missing) or the index
// of the category in a fixed list (NaN when missing). Decoding a matrix gives back the table, so a
// Shapley value or a permutation moves a raw feature whole, as for an encoded model's players.
#pragma once

#include <string>
#include <vector>

#include "datasets/table.h"
#include "explain/ebm/model.h"
#include "explain/posthoc/inputs.h"

namespace candor::explain {

class TableInputs {
 public:
  // The listed columns of `tables`; a categorical column's categories are its values in all of
  // them, sorted (give the tables that hold every row to be explained or used as background).
  static TableInputs fit(const std::vector<const datasets::Table*>& tables, const std::vector<std::string>& columns);
  // ValueError naming a column the table lacks or a category that was not there at fit.
  Matrix encode(const datasets::Table& table) const;
  datasets::Table decode(const Matrix& rows) const;
  // One player per column, named by the column.
  std::vector<Player> players() const;
  const std::vector<std::string>& columns() const { return columns_; }
  bool is_numeric(size_t column) const { return types_.at(column) == datasets::ColumnType::Numeric; }
  // A categorical column's categories: code k is categories(column)[k].
  const std::vector<std::string>& categories(size_t column) const { return categories_.at(column); }

 private:
  std::vector<std::string> columns_;
  std::vector<datasets::ColumnType> types_;
  std::vector<std::vector<std::string>> categories_;
};

// An EBM's logit (log loss) or prediction (rmse) on rows encoded by `inputs`; the predictor refers
// to `model`, which must outlive it.
Predictor ebm_predictor(const ebm::Model& model, TableInputs inputs);
// The model's feature columns, in its feature order.
std::vector<std::string> ebm_columns(const ebm::Model& model);

}  // namespace candor::explain
