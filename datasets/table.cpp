#include "datasets/table.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "datasets/errors.h"

namespace candor::datasets {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

template <typename T>
std::vector<T> pick(const std::vector<T>& v, const std::vector<size_t>& rows) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (size_t r : rows) out.push_back(v[r]);
  return out;
}

Column pick_rows(const Column& c, const std::vector<size_t>& rows) {
  Column out{c.name, c.type, {}, {}, pick(c.missing, rows)};
  if (c.is_numeric()) {
    out.numbers = pick(c.numbers, rows);
  } else {
    out.values = pick(c.values, rows);
  }
  return out;
}

// Column `index` of `raw` as numbers; `why` explains a failure ("the schema makes it numeric").
Column numeric_column(const RawTable& raw, size_t index, const std::string& why) {
  Column c{raw.names[index], ColumnType::Numeric, {}, {}, raw.missing[index]};
  c.numbers.resize(raw.rows(), std::numeric_limits<double>::quiet_NaN());
  for (size_t r = 0; r < raw.rows(); ++r) {
    if (c.missing[r]) continue;
    if (!parse_number(raw.cells[index][r], c.numbers[r])) {
      const std::string& cell = raw.cells[index][r];
      throw DataError(fmt::format("{}: column {}: {} is not {} ({})", raw.where(r), quote_value(c.name), quote_value(cell),
                                  non_finite_number(cell) ? "a finite number" : "a number", why));
    }
  }
  return c;
}

Column categorical_column(const RawTable& raw, size_t index) {
  Column c{raw.names[index], ColumnType::Categorical, {}, raw.cells[index], raw.missing[index]};
  for (size_t r = 0; r < raw.rows(); ++r) {
    if (c.missing[r]) c.values[r].clear();
  }
  return c;
}

// A column whose type is inferred: numeric when every present cell is a number, categorical when
// the numbers are not most of it. A column of numbers with a few cells that are not (a "nan", an
// "inf", a typo) is neither: one-hot columns per value would hide the mistake, so it is refused,
// naming the first bad cell and the ways out.
Column inferred_column(const RawTable& raw, size_t index) {
  const std::string& name = raw.names[index];
  size_t present = 0, numbers = 0;
  std::optional<size_t> first_bad, first_non_finite;
  double value;
  for (size_t r = 0; r < raw.rows(); ++r) {
    if (raw.missing[index][r]) continue;
    ++present;
    if (parse_number(raw.cells[index][r], value)) {
      ++numbers;
    } else {
      if (!first_bad) first_bad = r;
      if (!first_non_finite && non_finite_number(raw.cells[index][r])) first_non_finite = r;
    }
  }
  if (numbers == present) return numeric_column(raw, index, "");
  // At least nine numbers in ten present cells: a numeric column with bad cells.
  const bool mostly_numbers = numbers >= 10 && 10 * numbers >= 9 * present;
  if (!first_non_finite && !mostly_numbers) return categorical_column(raw, index);
  const size_t r = first_non_finite ? *first_non_finite : *first_bad;
  throw DataError(fmt::format("{}: column {} holds numbers but this cell is {} ({} of {} cells are not {}numbers): "
                              "fix it, leave it empty for a missing value, or read the column as categories "
                              "(--categorical {})",
                              raw.where(r), quote_value(name), quote_value(raw.cells[index][r]), present - numbers, present,
                              first_non_finite ? "finite " : "", name));
}

bool all_numbers(const RawTable& raw, size_t index) {
  double value;
  for (size_t r = 0; r < raw.rows(); ++r) {
    if (!raw.missing[index][r] && !parse_number(raw.cells[index][r], value)) return false;
  }
  return true;
}

// A sensitive column of numbers with many distinct values is a numeric attribute (age, income):
// one group per value is a mistake the user should hear about, with the two ways out.
void check_group_count(const RawTable& raw, size_t index) {
  if (!all_numbers(raw, index)) return;
  std::set<std::string> distinct;
  for (size_t r = 0; r < raw.rows(); ++r) {
    if (!raw.missing[index][r]) distinct.insert(raw.cells[index][r]);
  }
  if (distinct.size() > kMaxNumericGroups) {
    const std::string& name = raw.names[index];
    throw DataError(fmt::format(
        "sensitive column \"{}\" holds {} distinct numbers: bin it into groups (--sensitive-bins {}:CUT, "
        "e.g. {}:25), or force one group per value with --categorical {}",
        name, distinct.size(), name, name, name));
  }
}

void check_schema_conflicts(const Schema& schema) {
  auto conflict = [](const std::string& name, const char* a, const char* b) {
    throw DataError(fmt::format("schema: column \"{}\" is both {} and {}", name, a, b));
  };
  if (contains(schema.drop, schema.label)) conflict(schema.label, "the label", "dropped");
  if (contains(schema.sensitive, schema.label)) conflict(schema.label, "the label", "sensitive");
  if (!schema.weight.empty() && schema.weight == schema.label) {
    conflict(schema.label, "the label", "the weight");
  }
  for (size_t i = 0; i < schema.sensitive.size(); ++i) {
    const std::string& s = schema.sensitive[i];
    if (contains(schema.numeric, s)) conflict(s, "sensitive (a group label)", "numeric");
    if (std::find(schema.sensitive.begin() + static_cast<std::ptrdiff_t>(i) + 1, schema.sensitive.end(), s) !=
        schema.sensitive.end()) {
      throw DataError(fmt::format("schema: sensitive column \"{}\" is named twice", s));
    }
  }
  for (const auto& [name, cuts] : schema.sensitive_bins) {
    if (!contains(schema.sensitive, name)) {
      throw DataError(fmt::format("schema: column \"{}\" has sensitive bins but is not a sensitive column", name));
    }
    if (contains(schema.categorical, name)) conflict(name, "binned (numeric)", "categorical");
    for (size_t i = 0; i < cuts.size(); ++i) {
      if (!std::isfinite(cuts[i]) || (i > 0 && !(cuts[i] > cuts[i - 1]))) {
        throw DataError(fmt::format("schema: the cut points of \"{}\" must be finite and increase", name));
      }
    }
    if (cuts.empty()) throw DataError(fmt::format("schema: sensitive bins of \"{}\" give no cut point", name));
  }
  for (const std::string& c : schema.categorical) {
    if (contains(schema.numeric, c)) conflict(c, "categorical", "numeric");
  }
  if (contains(schema.drop, schema.weight)) conflict(schema.weight, "the weight", "dropped");
  if (contains(schema.categorical, schema.weight)) {
    conflict(schema.weight, "the weight (numeric)", "categorical");
  }
}

Table build(const RawTable& raw, const Schema& schema, const Table* like, bool check_columns = true) {
  if (check_columns) check_schema_columns(schema, raw.names);
  check_schema_conflicts(schema);
  Table table;
  for (size_t i = 0; i < raw.columns(); ++i) {
    const std::string& name = raw.names[i];
    bool sensitive = contains(schema.sensitive, name);
    if (contains(schema.drop, name) && !sensitive) continue;
    if (schema.sensitive_bins.count(name)) {
      table.add_column(numeric_column(raw, i, "a binned sensitive column holds numbers"));
    } else if (contains(schema.categorical, name)) {
      table.add_column(categorical_column(raw, i));
    } else if (sensitive) {
      // A column the training table already holds as groups passed this check there.
      if (like == nullptr || !like->has_column(name) || like->column(name).is_numeric()) check_group_count(raw, i);
      table.add_column(categorical_column(raw, i));
    } else if (like != nullptr && like->has_column(name)) {
      table.add_column(like->column(name).is_numeric()
                           ? numeric_column(raw, i, "numeric in the training table")
                           : categorical_column(raw, i));
    } else if (contains(schema.numeric, name) || name == schema.weight) {
      table.add_column(numeric_column(raw, i, "the schema makes it numeric"));
    } else {
      table.add_column(inferred_column(raw, i));
    }
  }
  return table;
}

}  // namespace

bool parse_number(const std::string& text, double& value) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  if (first == last) return false;
  auto [end, ec] = std::from_chars(first, last, value);
  if (end != last) return false;
  // Out of range: from_chars leaves value unset; strtod gives ±inf for overflow, 0 or a
  // denormal for underflow (which is a fine number).
  if (ec == std::errc::result_out_of_range) value = std::strtod(std::string(first, last).c_str(), nullptr);
  else if (ec != std::errc()) return false;
  return std::isfinite(value);
}

bool non_finite_number(const std::string& text) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  double value;
  auto [end, ec] = std::from_chars(first, last, value);
  if (first == last || end != last) return false;
  if (ec == std::errc::result_out_of_range) return !std::isfinite(std::strtod(std::string(first, last).c_str(), nullptr));
  return ec == std::errc() && !std::isfinite(value);
}

Column Column::numeric(std::string name, std::vector<double> numbers) {
  Column c{std::move(name), ColumnType::Numeric, std::move(numbers), {}, {}};
  c.missing.resize(c.numbers.size());
  for (size_t i = 0; i < c.numbers.size(); ++i) c.missing[i] = std::isnan(c.numbers[i]);
  return c;
}

Column Column::categorical(std::string name, std::vector<std::string> values,
                           std::vector<bool> missing) {
  if (missing.empty()) missing.assign(values.size(), false);
  if (missing.size() != values.size()) {
    throw DataError(fmt::format("column \"{}\": {} values but {} missing flags", name,
                                values.size(), missing.size()));
  }
  return Column{
      std::move(name), ColumnType::Categorical, {}, std::move(values), std::move(missing)};
}

Table::Table(std::vector<Column> columns) {
  for (Column& c : columns) add_column(std::move(c));
}

std::vector<std::string> Table::column_names() const {
  std::vector<std::string> names;
  for (const Column& c : columns_) names.push_back(c.name);
  return names;
}

const Column& Table::column(const std::string& name) const {
  for (const Column& c : columns_) {
    if (c.name == name) return c;
  }
  throw unknown_column(name, column_names());
}

bool Table::has_column(const std::string& name) const {
  return std::any_of(columns_.begin(), columns_.end(),
                     [&](const Column& c) { return c.name == name; });
}

Table Table::select_rows(const std::vector<size_t>& rows) const {
  for (size_t r : rows) {
    if (r >= rows_) {
      throw IndexError(
          fmt::format("select_rows: row {} is out of range for a table of {} rows", r, rows_));
    }
  }
  Table out;
  for (const Column& c : columns_) out.add_column(pick_rows(c, rows));
  out.rows_ = rows.size();  // also right when the table has no columns
  return out;
}

Table Table::drop_missing_rows() const { return drop_missing_rows(column_names()); }

Table Table::drop_missing_rows(const std::vector<std::string>& names) const {
  std::vector<const Column*> checked;
  for (const std::string& name : names) checked.push_back(&column(name));
  std::vector<size_t> keep;
  for (size_t r = 0; r < rows_; ++r) {
    bool any =
        std::any_of(checked.begin(), checked.end(), [&](const Column* c) { return c->missing[r]; });
    if (!any) keep.push_back(r);
  }
  return select_rows(keep);
}

Table Table::select_columns(const std::vector<std::string>& names) const {
  Table out;
  for (const std::string& name : names) out.add_column(column(name));
  out.rows_ = rows_;
  return out;
}

void Table::add_column(Column column) {
  size_t n = column.missing.size();
  size_t data = column.is_numeric() ? column.numbers.size() : column.values.size();
  if (data != n) {
    throw DataError(
        fmt::format("column \"{}\": {} values but {} missing flags", column.name, data, n));
  }
  if (has_column(column.name)) {
    throw DataError(fmt::format("table already has a column \"{}\"", column.name));
  }
  if (!columns_.empty() && n != rows_) {
    throw DataError(
        fmt::format("column \"{}\" has {} rows but the table has {}", column.name, n, rows_));
  }
  rows_ = n;
  columns_.push_back(std::move(column));
}

void Table::remove_column(const std::string& name) {
  auto it = std::find_if(columns_.begin(), columns_.end(),
                         [&](const Column& c) { return c.name == name; });
  if (it == columns_.end()) throw unknown_column(name, column_names());
  columns_.erase(it);
}

void check_schema_columns(const Schema& schema, const std::vector<std::string>& names) {
  auto check = [&](const std::string& name, const char* field) {
    if (!contains(names, name)) throw unknown_column(name, names, fmt::format("schema {}", field));
  };
  if (schema.label.empty()) throw DataError("schema: no label column given");
  check(schema.label, "label");
  for (const std::string& n : schema.sensitive) check(n, "sensitive");
  for (const std::string& n : schema.categorical) check(n, "categorical");
  for (const std::string& n : schema.numeric) check(n, "numeric");
  for (const std::string& n : schema.drop) check(n, "drop");
  if (!schema.weight.empty()) check(schema.weight, "weight");
}

Table make_table(const RawTable& raw, const Schema& schema) { return build(raw, schema, nullptr); }

Table make_table(const RawTable& raw, const Schema& schema, const Table& like) {
  return build(raw, schema, &like);
}

Table make_unlabelled_table(const RawTable& raw, Schema schema) {
  auto present = [&](std::vector<std::string>& names) {
    std::erase_if(names, [&](const std::string& n) { return !raw.has_column(n); });
  };
  present(schema.sensitive);
  present(schema.categorical);
  present(schema.numeric);
  present(schema.drop);
  std::erase_if(schema.sensitive_bins, [&](const auto& bins) { return !raw.has_column(bins.first); });
  if (!schema.weight.empty() && !raw.has_column(schema.weight)) schema.weight.clear();
  // Every name left is a column of the file, but the label may be absent: skip that check then.
  return build(raw, schema, nullptr, raw.has_column(schema.label));
}

RawTable to_raw(const Table& table) {
  RawTable raw;
  raw.source = "<table>";
  for (const Column& c : table.columns()) {
    raw.names.push_back(c.name);
    std::vector<std::string> cells = c.values;
    if (c.is_numeric()) {
      cells.assign(c.size(), "");
      for (size_t r = 0; r < c.size(); ++r) {
        if (!c.missing[r]) cells[r] = fmt::format("{}", c.numbers[r]);
      }
    }
    raw.cells.push_back(std::move(cells));
    raw.missing.push_back(c.missing);
  }
  return raw;
}

}  // namespace candor::datasets
