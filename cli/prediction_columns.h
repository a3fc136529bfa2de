// Columns of a predictions CSV read as numbers, each value checked: what `candor audit` and
// `candor compare` read. Errors name the command and option (`who`, e.g. "audit: --y-true"), the
// column, the value and its file:line.
#pragma once

#include <string>
#include <vector>

#include "datasets/csv.h"

namespace candor::cli {

// 0/1 labels.
std::vector<double> binary_column(const datasets::RawTable& table, const std::string& name, const std::string& who);
// Numbers in [lo, hi] (`expected` says so in words, e.g. "probabilities in [0, 1]").
std::vector<double> number_column(const datasets::RawTable& table, const std::string& name, const std::string& who,
                                  double lo, double hi, const char* expected);

}  // namespace candor::cli
