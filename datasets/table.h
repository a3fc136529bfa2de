// A typed, column-oriented table and the schema that says what each column is for.
//
// make_table types the columns of a RawTable: a column is numeric when every non-missing value
// parses as a finite number, unless the schema forces it categorical. A column of numbers with a
// few bad cells is a DataError naming the first (file:line, column, value), not a categorical
// column: any "nan", "inf" or out-of-range number, or other text in at most one present cell in
// ten (with at least ten numbers). Sensitive columns are categorical
// (their values name groups: "1"/"2" codes stay codes), except those the schema bins, which are
// numeric (age cut at 25 gives the groups "<25" and ">=25"). A sensitive column of more than
// kMaxNumericGroups distinct numbers is an error unless it is binned or forced categorical: one
// group per age is almost never what an audit wants. Missing cells stay missing (NaN in numeric
// columns, the `missing` mask in both kinds).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "datasets/csv.h"

namespace candor::datasets {

enum class ColumnType { Numeric, Categorical };

struct Column {
  std::string name;
  ColumnType type = ColumnType::Numeric;
  std::vector<double> numbers;      // Numeric: the values, NaN where missing
  std::vector<std::string> values;  // Categorical: the values ("" where missing; see `missing`)
  std::vector<bool> missing;        // both kinds

  size_t size() const { return missing.size(); }
  bool is_numeric() const { return type == ColumnType::Numeric; }
  // A numeric column; NaN entries are missing.
  static Column numeric(std::string name, std::vector<double> numbers);
  // A categorical column; `missing` empty means nothing is missing.
  static Column categorical(std::string name, std::vector<std::string> values,
                            std::vector<bool> missing = {});
};

class Table {
 public:
  Table() = default;
  explicit Table(std::vector<Column> columns);  // all columns the same length, names unique

  size_t rows() const { return rows_; }
  const std::vector<Column>& columns() const { return columns_; }
  std::vector<std::string> column_names() const;
  // Throws DataError `unknown column "salary" (columns: age, workclass, ...)`.
  const Column& column(const std::string& name) const;
  bool has_column(const std::string& name) const;

  // The rows at `rows` (in that order; repeats allowed); IndexError for an index out of range.
  Table select_rows(const std::vector<size_t>& rows) const;
  // The rows with no missing cell in any column.
  Table drop_missing_rows() const;
  // The rows with no missing cell in any of `names`.
  Table drop_missing_rows(const std::vector<std::string>& names) const;
  // The columns `names`, in that order.
  Table select_columns(const std::vector<std::string>& names) const;
  // Appends a column (its length must equal rows(), unless the table has no columns yet).
  void add_column(Column column);
  // Removes column `name` (DataError if there is none).
  void remove_column(const std::string& name);

 private:
  std::vector<Column> columns_;
  size_t rows_ = 0;
};

struct Schema {
  std::string label;                         // label column
  std::vector<std::string> positive_labels;  // label values that mean 1 (e.g. {">50K", ">50K."});
                                             // numeric labels: empty means value != 0, else the
                                             // values parsed as numbers
  std::vector<std::string> sensitive;        // sensitive columns (categorical; group ids)
  std::map<std::string, std::vector<double>> sensitive_bins;  // numeric sensitive column -> cut points
  bool sensitive_as_features = true;         // sensitive columns are model inputs too
  std::vector<std::string> categorical;      // forced categorical
  std::vector<std::string> numeric;          // forced numeric (a non-number is an error)
  std::vector<std::string> drop;             // ignored columns (left out of the table; a sensitive
                                             // one stays, as a group label but not an input)
  std::string weight;                        // optional sample-weight column (numeric, >= 0)
};

inline constexpr size_t kMaxNumericGroups = 10;

// Types the columns of `raw` as `schema` says. Every column the schema names must exist
// (DataError naming it and the schema field); the label may not be dropped or sensitive.
Table make_table(const RawTable& raw, const Schema& schema);
// The same, but each column takes the type it has in `like` (e.g. type a test file like its
// training file, so a column that happens to hold only numbers stays categorical), unless the
// schema makes it sensitive, binned or categorical.
Table make_table(const RawTable& raw, const Schema& schema, const Table& like);
// Rows without labels (new rows to score): as make_table, but the schema's label column may be
// absent (it is typed when present), and so may any column the schema names: the encoder says
// which of them it cannot do without.
Table make_unlabelled_table(const RawTable& raw, Schema schema);
// The table back as text (numbers written in their shortest exact form), e.g. to retype a
// built-in dataset's table under another schema: make_table(to_raw(t), schema, t).
RawTable to_raw(const Table& table);

// Checks that every column `schema` names exists among `names`; DataError naming the first
// unknown one and the schema field it is in.
void check_schema_columns(const Schema& schema, const std::vector<std::string>& names);

// Parses a whole string as a finite double ("1", "-2.5e3", "1e-400" as 0; " 7" is not); false
// if it is not a number or not a finite one ("nan", "inf", "1e999").
bool parse_number(const std::string& text, double& value);
// Whether the text spells a number that is not finite: "nan", "-inf", "Infinity", "1e999".
bool non_finite_number(const std::string& text);

}  // namespace candor::datasets
