// Reading a RawTable (datasets/csv.h) row by row in tests of the CSV and ARFF readers.
#pragma once

#include <string>
#include <vector>

#include "datasets/csv.h"

namespace candor::testing {

// Row `row` of `t` across all columns.
inline std::vector<std::string> row_of(const datasets::RawTable& t, size_t row) {
  std::vector<std::string> out;
  for (const auto& col : t.cells) out.push_back(col.at(row));
  return out;
}

// Which cells of row `row` are missing.
inline std::vector<bool> missing_row(const datasets::RawTable& t, size_t row) {
  std::vector<bool> out;
  for (const auto& col : t.missing) out.push_back(col.at(row));
  return out;
}

}  // namespace candor::testing
