// Where a dataset comes from and how it is typed and split: a built-in benchmark or a user's file
// (CSV or ARFF), the schema choices a user makes (label, positive values, sensitive columns and
// their bins, dropped and categorical columns), and the seeded train / validation / test split.
// A run saves its DataSource (as JSON) so that every later command splits and types the data
// exactly as training did.
//
//   datasets::Splits s = datasets::load_splits({.name = "adult"}, /*seed=*/0);
//   datasets::Splits t = datasets::load_splits({.file = "law.arff", .label = "pass_bar",
//                                               .sensitive = {"racetxt"}}, 0);
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/builtin.h"

namespace candor::datasets {

// Every field has a default, so designated initializers may name only the ones they need.
struct DataSource {
  std::string name{};                    // a built-in dataset (builtin_names()); empty when file is set
  std::string file{};                    // or a user's file: CSV, or ARFF when it ends in .arff
  std::string label{};                   // file only: the label column
  std::vector<std::string> positive{};   // file only: label values that mean 1 (default: numbers != 0)
  std::vector<std::string> sensitive{};  // sensitive columns; replace a built-in's when given
  std::map<std::string, std::vector<double>> sensitive_bins{};  // numeric sensitive column -> cut points
  bool exclude_sensitive = false;        // the sensitive columns are not model inputs
  std::vector<std::string> categorical{};  // forced categorical
  std::vector<std::string> drop{};         // not model inputs (a sensitive one stays a group label)
  std::string delimiter = ",";           // CSV field separator: one character, or "\\t" or "tab"
  std::string data_dir{};                // where built-in files live (default: the shipped data)
  double validation_fraction = 0.1;    // of the rows left after the test rows
  double test_fraction = 0.2;          // ignored for Adult, which has its own test file
  // Cross-fitting (stratified_fold_split): with folds >= 2 the test rows are fold `fold` of
  // `folds` and test_fraction is not used; 0 is the single split above. Not for Adult.
  int64_t folds = 0;
  int64_t fold = 0;
};

nlohmann::json to_json(const DataSource& source);
// The source with its file and data_dir made absolute (against the current folder): what a run
// saves, so that later commands find the data from any working folder.
DataSource absolute_paths(DataSource source);
// DataError naming the missing or mistyped key.
DataSource data_source_from_json(const nlohmann::json& json);

// "age:25" or "age:25,60" -> {"age", {25, 60}}: the groups are age < 25, [25, 60) and >= 60.
// ValueError for anything else (no column, no cut point, cut points not increasing or not finite).
std::pair<std::string, std::vector<double>> parse_bins(const std::string& text);

// The dataset with the source's schema applied: a sensitive column named in `drop` stays in the
// table as a sensitive feature but is not a model input. ValueError when the source is incomplete
// (no name nor file, both, a file without a label).
Dataset load_dataset(const DataSource& source);

struct Splits {
  Schema schema;
  Table train, validation, test;
  std::vector<std::string> warnings;  // the file's (e.g. an ARFF nominal value never declared)
};
// Rows with a missing value are dropped, then split stratified by label with Generator(seed)
// (stratified_split, or stratified_fold_split when source.folds >= 2); Adult's test rows are its
// own test file (ValueError with folds).
Splits load_splits(const DataSource& source, uint64_t seed);
// "train", "validation" or "test"; ValueError otherwise.
const Table& split_by_name(const Splits& splits, const std::string& name);

// Rows to score, from a CSV or ARFF file as it comes: no split, no row dropped, the columns typed
// as `schema` forces them (Encoder::schema(), or typed_like the training table); the label column
// is optional.
struct NewRows {
  Table table;
  bool labelled = false;  // the file has the label column
  std::vector<std::string> warnings;
};
NewRows load_new_rows(const std::string& path, const std::string& delimiter, const Schema& schema);

// `schema` with every column of `like` forced to the type it has there (sensitive columns keep
// the schema's own typing), so another file is read as `like` was.
Schema typed_like(Schema schema, const Table& like);

}  // namespace candor::datasets
