// The built-in fairness benchmarks, each a short declarative loader, plus any CSV and a synthetic
// generator. Every loader returns a typed Table and the Schema to encode it with.
//
// - adult:  UCI Adult as published (shipped in datasets/data/adult): <data_dir>/adult/adult.data
//           (train, 32,561 rows) and adult.test (test, 16,281 rows; its first line
//           "|1x3 Cross validator" is skipped and the trailing "." on its labels is one of the
//           positive labels). Label income (">50K"), sensitive sex and race (also features), all
//           14 inputs kept, "?" missing (rows with one are dropped by the default encoder).
// - german: UCI Statlog German credit (shipped): <data_dir>/german/german.data, its A-codes
//           decoded to german.doc's meanings; label credit ("good" = 1, 700 of 1,000), sensitive
//           sex (derived from personal_status) and age_over_25 ("yes"/"no"), derived columns
//           appended last.
// - compas: ProPublica's compas-scores-two-years.csv, not shipped (no licence): read from
//           <data_dir>/compas-scores-two-years.csv or <data_dir>/compas/. ProPublica's filter,
//           then its model inputs; label two_year_recid (1 = rearrested within two years),
//           sensitive race and sex.
// - synthetic: see SyntheticOptions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "datasets/csv.h"
#include "datasets/table.h"

namespace candor::datasets {

struct Dataset {
  std::string name;
  Schema schema;
  Table train;
  std::optional<Table> test;  // adult: adult.test; the others: none (the caller splits)
  std::vector<std::string> warnings;  // what a user should know about the file (load_dataset's ARFF)
};

Dataset load_adult(const std::string& data_dir);
Dataset load_german(const std::string& data_dir);
Dataset load_compas(const std::string& data_dir);
// Any CSV file; the dataset is named after the file (without directory and extension).
Dataset load_csv(const std::string& path, const Schema& schema, const CsvOptions& options = {});

// A known generating process for tests and labs, with a group-dependent feature shift and label
// bias. For each row i, independently:
//   group_i ~ Bernoulli(group_fraction)                       ("b" when 1, "a" when 0)
//   x_ij    ~ Normal(group_shift * group_i, 1),  j = 0..features-1
//   logit_i = sum_j w_j x_ij + label_bias * group_i,  w_j = 1 / (j + 1)
//   y_i     ~ Bernoulli(sigmoid(logit_i))
// Columns x0..x{k-1} (numeric), "group" (sensitive, categorical "a"/"b"), "y" (label, 0/1).
// Draws: Generator(seed), then bernoulli for the groups, randn for the features and rand for the
// labels, in that order, so a seed gives the same table everywhere.
struct SyntheticOptions {
  int64_t rows = 10000;
  int64_t features = 5;
  double group_shift = 1.0;     // mean shift of every feature for group 1
  double label_bias = 1.0;      // logit added for group 1
  double group_fraction = 0.3;  // share of group 1
  uint64_t seed = 0;
};
Dataset make_synthetic(const SyntheticOptions& options);

// "adult", "german", "compas" or "synthetic" (default SyntheticOptions); an empty data_dir means
// default_data_dir(). Unknown names throw DataError listing the known ones.
Dataset load_builtin(const std::string& name, const std::string& data_dir);
const std::vector<std::string>& builtin_names();

// German credit's codes and their meanings as german.doc gives them (e.g. "A11" -> "... < 0 DM").
const std::map<std::string, std::string>& german_code_meanings();

}  // namespace candor::datasets
