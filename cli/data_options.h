// The options that say which data to use (a built-in dataset or a user's CSV / ARFF file, its
// label, sensitive columns and their bins), shared by every command that reads a dataset.
#pragma once

#include <string>
#include <vector>

#include "datasets/source.h"

namespace CLI {
class App;
}

namespace candor::cli {

void add_data_options(CLI::App& command, datasets::DataSource& data);

// UsageError when the data options do not say which data to use: both or neither of --data and
// --csv, --csv without --label, or --sensitive-bins on a column not in --sensitive.
void check_data_options(const datasets::DataSource& data);

// Each warning on stderr as "candor: warning: ..." (--quiet does not hide them).
void print_warnings(const std::vector<std::string>& warnings);

}  // namespace candor::cli
