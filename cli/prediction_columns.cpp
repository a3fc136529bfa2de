#include "cli/prediction_columns.h"

#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "engine/error.h"

namespace candor::cli {

namespace {
// The cell as a number, or nullopt when it is not one (empty, text, trailing junk).
std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return v;
}
}  // namespace

std::vector<double> binary_column(const datasets::RawTable& table, const std::string& name, const std::string& who) {
  const std::vector<std::string>& cells = table.cells[table.column_index(name)];
  std::vector<double> out;
  for (size_t row = 0; row < cells.size(); ++row) {
    std::optional<double> v = parse_number(cells[row]);
    if (!v || (*v != 0.0 && *v != 1.0)) {
      throw Error(fmt::format("{} column \"{}\" must hold binary labels 0 or 1, found {} at {}", who, name,
                              quote_value(cells[row]), table.where(row)));
    }
    out.push_back(*v);
  }
  return out;
}

std::vector<double> number_column(const datasets::RawTable& table, const std::string& name, const std::string& who,
                                  double lo, double hi, const char* expected) {
  const std::vector<std::string>& cells = table.cells[table.column_index(name)];
  std::vector<double> out;
  for (size_t row = 0; row < cells.size(); ++row) {
    std::optional<double> v = parse_number(cells[row]);
    if (!v || !(*v >= lo && *v <= hi)) {
      throw Error(fmt::format("{} column \"{}\" must hold {}, found {} at {}", who, name, expected,
                              quote_value(cells[row]), table.where(row)));
    }
    out.push_back(*v);
  }
  return out;
}

}  // namespace candor::cli
