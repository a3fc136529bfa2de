#include "cli/data_options.h"

#include <algorithm>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "engine/error.h"

namespace candor::cli {

void add_data_options(CLI::App& command, datasets::DataSource& data) {
  command.add_option("--data", data.name, "built-in dataset: adult, german, compas, synthetic");
  command.add_option("--csv,--file", data.file, "a CSV or ARFF (.arff) file of your own (with --label)");
  command.add_option("--label", data.label, "label column (--csv)");
  command.add_option("--positive", data.positive, "label values that mean 1 (--csv; default: numbers other than 0)")
      ->delimiter(',');
  command.add_option("--sensitive", data.sensitive, "sensitive columns, comma-separated")->delimiter(',');
  command.add_option("--sensitive-bins", "cut a numeric sensitive column into groups, e.g. age:25 (groups <25 and "
                                         ">=25) or age:25,60; repeat for several columns")
      ->each([&data](const std::string& text) {
        try {
          auto [column, cuts] = datasets::parse_bins(text);
          data.sensitive_bins[column] = cuts;
        } catch (const ValueError& e) {
          throw CLI::ValidationError(e.what());
        }
      })
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->type_name("COLUMN:CUTS");
  command.add_flag("--exclude-sensitive", data.exclude_sensitive,
                   "the sensitive columns are not model inputs (audit and penalise by what the model never sees; "
                   "--drop of a sensitive column does this for that column)");
  command.add_option("--categorical", data.categorical, "columns to treat as categorical (e.g. number codes)")
      ->delimiter(',');
  command.add_option("--drop", data.drop, "columns the model does not read")->delimiter(',');
  command.add_option("--delimiter", data.delimiter, "CSV field separator (--csv); '\\t' or tab for a tab");
  command.add_option("--data-dir", data.data_dir, "directory holding the built-in datasets' files");
  command.add_option("--validation-fraction", data.validation_fraction, "share of training rows held out")
      ->check(CLI::Range(0.0, 0.9));
  command.add_option("--test-fraction", data.test_fraction, "share of rows held out for test (not Adult)")
      ->check(CLI::Range(0.0, 0.9));
  command.add_option("--folds", data.folds,
                     "cross-fitting: split the rows into this many stratified folds and test on --fold (instead of "
                     "--test-fraction; not Adult); run fold 0 to K-1 and pool their test predictions to measure on "
                     "every row")
      ->check(CLI::Range(int64_t{2}, int64_t{1000}));
  command.add_option("--fold", data.fold, "cross-fitting: the fold held out for test, 0 to --folds - 1")
      ->check(CLI::NonNegativeNumber);
}

void check_data_options(const datasets::DataSource& data) {
  if (data.name.empty() == data.file.empty()) {
    throw UsageError("say which data to use: --data NAME (a built-in dataset) or --csv FILE, one of them");
  }
  if (!data.file.empty() && data.label.empty()) throw UsageError(fmt::format("--csv {} needs --label COLUMN", data.file));
  if (data.folds == 0 && data.fold != 0) throw UsageError(fmt::format("--fold {} needs --folds K", data.fold));
  if (data.folds != 0 && data.fold >= data.folds) {
    throw UsageError(fmt::format("--fold {} of --folds {}: folds are numbered 0 to {}", data.fold, data.folds, data.folds - 1));
  }
  if (data.folds != 0 && data.test_fraction != datasets::DataSource{}.test_fraction) {
    throw UsageError(fmt::format("--test-fraction {} with --folds {}: each fold's test is its 1/{} of the rows; give "
                                 "one or the other", data.test_fraction, data.folds, data.folds));
  }
  for (const auto& [column, cuts] : data.sensitive_bins) {
    if (std::find(data.sensitive.begin(), data.sensitive.end(), column) == data.sensitive.end()) {
      throw UsageError(fmt::format("--sensitive-bins {}: {} is not one of --sensitive", column, column));
    }
  }
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) fmt::print(stderr, "candor: warning: {}\n", w);
}

}  // namespace candor::cli
