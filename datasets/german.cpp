// UCI Statlog German credit: german.data, 20 space-separated attributes and the label, with the
// symbolic codes decoded to the meanings german.doc gives them.
#include <filesystem>

#include <fmt/format.h>

#include "datasets/builtin.h"
#include "datasets/errors.h"

namespace candor::datasets {

namespace {

// german.doc's attribute order; the categorical attributes hold codes "A<attribute><k>".
// clang-format off
const std::vector<std::string> kGermanColumns = {
    "checking_account", "duration_months", "credit_history", "purpose", "credit_amount", "savings",
    "employment_since", "installment_rate", "personal_status", "other_debtors", "residence_since",
    "property", "age", "other_installment_plans", "housing", "existing_credits", "job",
    "people_liable", "telephone", "foreign_worker", "credit"};
// clang-format on

// The attribute a code belongs to: "A<attribute><digit>", except A410 (attribute 4, "others").
size_t attribute_of(const std::string& code) {
  if (code == "A410") return 4;
  return code.size() >= 3 ? std::stoul(code.substr(1, code.size() - 2)) : 0;
}

void decode_column(RawTable& raw, size_t col) {
  const auto& meanings = german_code_meanings();
  for (size_t r = 0; r < raw.rows(); ++r) {
    std::string& cell = raw.cells[col][r];
    auto it = meanings.find(cell);
    if (it == meanings.end() || attribute_of(cell) != col + 1) {
      throw DataError(fmt::format("{}: unknown code \"{}\" for attribute {} ({}) (see german.doc)",
                                  raw.where(r), cell, col + 1, raw.names[col]));
    }
    cell = it->second;
  }
}

void add_column(RawTable& raw, const std::string& name, std::vector<std::string> cells) {
  raw.names.push_back(name);
  raw.missing.emplace_back(cells.size(), false);
  raw.cells.push_back(std::move(cells));
}

}  // namespace

const std::map<std::string, std::string>& german_code_meanings() {
  // Copied from german.doc, each meaning on one line with its spaces collapsed.
  static const std::map<std::string, std::string> meanings = {
      {"A11", "... < 0 DM"},
      {"A12", "0 <= ... < 200 DM"},
      {"A13", "... >= 200 DM / salary assignments for at least 1 year"},
      {"A14", "no checking account"},
      {"A30", "no credits taken/ all credits paid back duly"},
      {"A31", "all credits at this bank paid back duly"},
      {"A32", "existing credits paid back duly till now"},
      {"A33", "delay in paying off in the past"},
      {"A34", "critical account/ other credits existing (not at this bank)"},
      {"A40", "car (new)"},
      {"A41", "car (used)"},
      {"A42", "furniture/equipment"},
      {"A43", "radio/television"},
      {"A44", "domestic appliances"},
      {"A45", "repairs"},
      {"A46", "education"},
      {"A47", "(vacation - does not exist?)"},
      {"A48", "retraining"},
      {"A49", "business"},
      {"A410", "others"},
      {"A61", "... < 100 DM"},
      {"A62", "100 <= ... < 500 DM"},
      {"A63", "500 <= ... < 1000 DM"},
      {"A64", ".. >= 1000 DM"},
      {"A65", "unknown/ no savings account"},
      {"A71", "unemployed"},
      {"A72", "... < 1 year"},
      {"A73", "1 <= ... < 4 years"},
      {"A74", "4 <= ... < 7 years"},
      {"A75", ".. >= 7 years"},
      {"A91", "male : divorced/separated"},
      {"A92", "female : divorced/separated/married"},
      {"A93", "male : single"},
      {"A94", "male : married/widowed"},
      {"A95", "female : single"},
      {"A101", "none"},
      {"A102", "co-applicant"},
      {"A103", "guarantor"},
      {"A121", "real estate"},
      {"A122", "if not A121 : building society savings agreement/ life insurance"},
      {"A123", "if not A121/A122 : car or other, not in attribute 6"},
      {"A124", "unknown / no property"},
      {"A141", "bank"},
      {"A142", "stores"},
      {"A143", "none"},
      {"A151", "rent"},
      {"A152", "own"},
      {"A153", "for free"},
      {"A171", "unemployed/ unskilled - non-resident"},
      {"A172", "unskilled - resident"},
      {"A173", "skilled employee / official"},
      {"A174", "management/ self-employed/ highly qualified employee/ officer"},
      {"A191", "none"},
      {"A192", "yes, registered under the customers name"},
      {"A201", "yes"},
      {"A202", "no"},
  };
  return meanings;
}

Dataset load_german(const std::string& data_dir) {
  CsvOptions options;
  options.delimiter = ' ';
  options.header = false;
  options.column_names = kGermanColumns;
  std::string path = (std::filesystem::path(data_dir) / "german" / "german.data").string();
  RawTable raw = read_csv(path, options);
  for (size_t attribute : {1, 3, 4, 6, 7, 9, 10, 12, 14, 15, 17, 19, 20}) {
    decode_column(raw, attribute - 1);  // the 13 qualitative attributes
  }
  // Derived sensitive columns: sex from the personal_status code, and age over 25.
  size_t status = raw.column_index("personal_status"), age = raw.column_index("age");
  size_t label = raw.column_index("credit");
  std::vector<std::string> sex(raw.rows()), over_25(raw.rows());
  for (size_t r = 0; r < raw.rows(); ++r) {
    sex[r] = raw.cells[status][r].rfind("female", 0) == 0 ? "female" : "male";
    double years;
    if (raw.missing[age][r] || !parse_number(raw.cells[age][r], years)) {
      throw DataError(
          fmt::format("{}: age \"{}\" is not a number", raw.where(r), raw.cells[age][r]));
    }
    over_25[r] = years > 25 ? "yes" : "no";
    std::string& credit = raw.cells[label][r];  // 1 = good, 2 = bad
    if (credit != "1" && credit != "2") {
      throw DataError(fmt::format("{}: credit label \"{}\" is neither 1 (good) nor 2 (bad)",
                                  raw.where(r), credit));
    }
    credit = credit == "1" ? "good" : "bad";
  }
  add_column(raw, "sex", std::move(sex));
  add_column(raw, "age_over_25", std::move(over_25));

  Dataset d;
  d.name = "german";
  d.schema.label = "credit";
  d.schema.positive_labels = {"good"};
  d.schema.sensitive = {"sex", "age_over_25"};
  d.train = make_table(raw, d.schema);
  return d;
}

}  // namespace candor::datasets
