// The built-in datasets. Adult and German are read from the copies shipped in datasets/data
// (default_data_dir()); the expected counts are the published ones (adult.names, SOURCE.md).
// COMPAS is not shipped, so its loader runs on a small made-up file in the real file's format.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/builtin.h"
#include "datasets/data_dir.h"
#include "datasets/encoder.h"
#include "datasets/errors.h"
#include "tests/support/temp_dir.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::datasets;
using Strings = std::vector<std::string>;

namespace {

size_t count(const Column& c, const std::string& value) {
  return static_cast<size_t>(std::count(c.values.begin(), c.values.end(), value));
}

// y summed: the number of positive rows after encoding.
double positives(const Encoded& e) {
  double sum = 0;
  for (float v : e.y.to_vector<float>()) sum += v;
  return sum;
}

EncoderOptions impute() {
  EncoderOptions o;
  o.missing = EncoderOptions::Missing::Impute;
  return o;
}

}  // namespace

TEST_CASE("builtin: adult loads as published with 32561 train and 16281 test rows") {
  Dataset d = load_adult(default_data_dir());
  CHECK(d.name == "adult");
  REQUIRE(d.test.has_value());
  CHECK(d.train.rows() == 32561);
  CHECK(d.test->rows() == 16281);
  CHECK(d.train.column_names() ==
        Strings{"age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
                "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
                "hours-per-week", "native-country", "income"});
  CHECK(d.train.column("age").is_numeric());
  CHECK(d.train.column("fnlwgt").is_numeric());
  CHECK_FALSE(d.train.column("workclass").is_numeric());
  CHECK(d.test->column("hours-per-week").is_numeric());
  // Rows with a "?" (adult.names: 45,222 complete rows in all).
  CHECK(d.train.drop_missing_rows().rows() == 30162);
  CHECK(d.test->drop_missing_rows().rows() == 15060);
  // Labels: ">50K" in adult.data, ">50K." in adult.test; both count as positive.
  CHECK(count(d.train.column("income"), ">50K") == 7841);
  CHECK(count(d.test->column("income"), ">50K.") == 3846);
  Encoder all_rows = Encoder::fit(d.train, d.schema, impute());  // nothing dropped: label counts
  CHECK(positives(all_rows.transform(d.train)) == 7841);
  CHECK(positives(all_rows.transform(*d.test)) == 3846);
  CHECK(all_rows.transform(*d.test).x.size(0) == 16281);
  // The default encoder drops the incomplete rows, and names its groups.
  Encoder enc = Encoder::fit(d.train, d.schema);
  Encoded test = enc.transform(*d.test);
  CHECK(test.x.size(0) == 15060);
  CHECK(test.x.size(1) == static_cast<int64_t>(enc.num_features()));
  CHECK(enc.sensitive() == Strings{"sex", "race"});
  CHECK(enc.group_names(0) == Strings{"Female", "Male"});
  CHECK(enc.group_names(1) ==
        Strings{"Amer-Indian-Eskimo", "Asian-Pac-Islander", "Black", "Other", "White"});
  CHECK(load_builtin("adult", "").train.rows() == 32561);  // "" = default_data_dir()
}

TEST_CASE("builtin: a missing Adult file names its path") {
  testing::TempDir dir;
  testing::check_throws<DataError>([&] { load_adult(dir.path()); },
                                   {"cannot read \"" + dir.path() + "/adult/adult.data\""});
}

TEST_CASE(
    "builtin: german loads 1000 rows with 700 good and decoded codes and derived sex and age") {
  Dataset d = load_german(default_data_dir());
  CHECK(d.name == "german");
  CHECK_FALSE(d.test.has_value());
  CHECK(d.train.rows() == 1000);
  CHECK(d.train.column_names().size() == 23);  // 20 attributes, credit, sex, age_over_25
  CHECK(count(d.train.column("credit"), "good") == 700);
  CHECK(count(d.train.column("credit"), "bad") == 300);
  // SOURCE.md: A91 = 50, A92 = 310, A93 = 548, A94 = 92; 810 rows are older than 25.
  CHECK(count(d.train.column("personal_status"), "female : divorced/separated/married") == 310);
  CHECK(count(d.train.column("sex"), "male") == 690);
  CHECK(count(d.train.column("sex"), "female") == 310);
  CHECK(count(d.train.column("age_over_25"), "yes") == 810);
  // The first line of german.data: A11 6 A34 A43 1169 ... A93 ... 67 ... A201 1
  CHECK(d.train.column("checking_account").values[0] == "... < 0 DM");
  CHECK(d.train.column("credit_history").values[0] ==
        "critical account/ other credits existing (not at this bank)");
  CHECK(d.train.column("duration_months").numbers[0] == 6);
  CHECK(d.train.column("credit_amount").numbers[0] == 1169);
  CHECK(d.train.column("personal_status").values[0] == "male : single");
  CHECK(d.train.column("foreign_worker").values[0] == "yes");
  Encoder enc = Encoder::fit(d.train, d.schema);
  CHECK(positives(enc.transform(d.train)) == 700);
  CHECK(enc.group_names(0) == Strings{"female", "male"});
  CHECK(enc.group_names(1) == Strings{"no", "yes"});
}

TEST_CASE("builtin: german's code meanings are german.doc's") {
  // Parse german.doc: "Axx : meaning" lines, with indented continuation lines, whitespace
  // collapsed.
  std::ifstream doc(default_data_dir() + "/german/german.doc");
  REQUIRE(doc.good());
  std::map<std::string, std::string> parsed;
  std::regex code_line(R"(^\s*(A\d+)\s*:\s*(.*)$)");
  std::string line, open;
  auto collapse = [](const std::string& s) {
    std::istringstream words(s);
    std::string word, out;
    while (words >> word) out += (out.empty() ? "" : " ") + word;
    return out;
  };
  while (std::getline(doc, line)) {
    std::smatch m;
    if (std::regex_match(line, m, code_line)) {
      open = m[1];
      parsed[open] = collapse(m[2]);
    } else if (collapse(line).empty()) {
      open.clear();
    } else if (!open.empty()) {
      parsed[open] += " " + collapse(line);
    }
  }
  CHECK(parsed.size() == 56);
  CHECK(parsed == german_code_meanings());
}

TEST_CASE("builtin: german rejects codes that do not belong to their attribute") {
  testing::TempDir dir;
  const std::string good =
      "A11 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 1 A192 A201 1\n";
  std::string path = dir.write(
      "german/german.data",
      good + "A101 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 1 A192 A201 1\n");
  testing::check_throws<DataError>(
      [&] { load_german(dir.path()); },
      {path + ":2: unknown code \"A101\" for attribute 1 (checking_account)"});
  dir.write(
      "german/german.data",
      good + "A11 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 1 A192 A201 3\n");
  testing::check_throws<DataError>([&] { load_german(dir.path()); },
                                   {":2: credit label \"3\" is neither 1 (good) nor 2 (bad)"});
}

namespace {

// The real header of compas-scores-two-years.csv (it repeats decile_score and priors_count) and
// its first data row, as templates for made-up rows.
const std::string kCompasHeader =
    "id,name,first,last,compas_screening_date,sex,dob,age,age_cat,race,juv_fel_count,decile_score,"
    "juv_misd_count,juv_other_count,priors_count,days_b_screening_arrest,c_jail_in,c_jail_out,"
    "c_case_number,c_offense_date,c_arrest_date,c_days_from_compas,c_charge_degree,c_charge_desc,"
    "is_recid,r_case_number,r_charge_degree,r_days_from_arrest,r_offense_date,r_charge_desc,"
    "r_jail_in,r_jail_out,violent_recid,is_violent_recid,vr_case_number,vr_charge_degree,"
    "vr_offense_date,vr_charge_desc,type_of_assessment,decile_score,score_text,screening_date,"
    "v_type_of_assessment,v_decile_score,v_score_text,v_screening_date,in_custody,out_custody,"
    "priors_count,start,end,event,two_year_recid";
const std::string kCompasRow =
    "1,miguel hernandez,miguel,hernandez,2013-08-14,Male,1947-04-18,69,Greater than 45,Other,0,1,0,"
    "0,0,-1,2013-08-13 06:03:42,2013-08-14 05:41:20,13011352CF10A,2013-08-13,,1,F,"
    "Aggravated Assault w/Firearm,0,,,,,,,,,0,,,,,Risk of Recidivism,1,Low,2013-08-14,"
    "Risk of Violence,1,Low,2013-08-14,2014-07-07,2014-07-14,0,0,327,0,0";

Strings split_commas(const std::string& s) {
  Strings out(1);
  for (char c : s) {
    if (c == ',')
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

// A data row: the template with `changes` applied; "name#2" is the second column called name.
std::string compas_row(const std::map<std::string, std::string>& changes) {
  Strings header = split_commas(kCompasHeader), row = split_commas(kCompasRow);
  REQUIRE(header.size() == 53);
  REQUIRE(row.size() == 53);
  for (const auto& entry : changes) {
    const auto& key = entry.first;
    const auto& value = entry.second;
    size_t hash = key.find('#');
    std::string name = key.substr(0, hash);
    int occurrence = hash == std::string::npos ? 1 : std::stoi(key.substr(hash + 1));
    bool found = false;
    for (size_t i = 0; i < header.size() && !found; ++i) {
      if (header[i] == name && --occurrence == 0) row[i] = value, found = true;
    }
    REQUIRE_MESSAGE(found, key);
  }
  std::string out;
  for (size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + row[i];
  return out + "\r\n";
}

}  // namespace

TEST_CASE("builtin: compas applies ProPublica's filter and keeps its model inputs") {
  // Ages tell the rows apart. Kept: 21 (days -1), 23 (days 30), 25 (days -30), 30.
  std::string csv =
      kCompasHeader + "\r\n" + compas_row({{"age", "21"}}) +
      compas_row({{"age", "22"}, {"days_b_screening_arrest", "-31"}}) +
      compas_row({{"age", "23"},
                  {"days_b_screening_arrest", "30"},
                  {"sex", "Female"},
                  {"race", "Caucasian"},
                  {"c_charge_degree", "M"},
                  {"is_recid", "1"},
                  {"two_year_recid", "1"},
                  {"priors_count", "5"},
                  {"priors_count#2", "9"},
                  {"decile_score#2", "8"}}) +
      compas_row({{"age", "24"}, {"days_b_screening_arrest", "31"}}) +
      compas_row({{"age", "25"}, {"days_b_screening_arrest", "-30"}}) +
      compas_row({{"age", "26"}, {"days_b_screening_arrest", ""}}) +
      compas_row({{"age", "27"}, {"is_recid", "-1"}}) +
      compas_row({{"age", "28"}, {"c_charge_degree", "O"}}) +
      compas_row({{"age", "29"}, {"score_text", "N/A"}}) +
      compas_row(
          {{"age", "30"}, {"c_charge_desc", "\"Battery, Domestic\""}, {"juv_fel_count", "2"}});
  testing::TempDir dir;
  dir.write("compas/compas-scores-two-years.csv", csv);  // the nested layout of the project's shared data folder
  Dataset d = load_compas(dir.path());
  CHECK(d.name == "compas");
  CHECK(d.train.column("age").numbers == std::vector<double>{21, 23, 25, 30});
  CHECK(d.train.column_names() == Strings{"sex", "age", "age_cat", "race", "juv_fel_count",
                                          "juv_misd_count", "juv_other_count", "priors_count",
                                          "c_charge_degree", "two_year_recid"});
  CHECK(d.train.column("priors_count").numbers ==
        std::vector<double>{0, 5, 0, 0});  // the first copy
  CHECK(d.train.column("two_year_recid").numbers == std::vector<double>{0, 1, 0, 0});
  CHECK(d.train.column("juv_fel_count").numbers == std::vector<double>{0, 0, 0, 2});
  CHECK(d.train.column("c_charge_degree").values == Strings{"F", "M", "F", "F"});
  CHECK(d.schema.label == "two_year_recid");
  CHECK(d.schema.sensitive == Strings{"race", "sex"});
  Encoder enc = Encoder::fit(d.train, d.schema);
  CHECK(enc.group_names(0) == Strings{"Caucasian", "Other"});
  CHECK(positives(enc.transform(d.train)) == 1);

  // The file directly in data_dir is found too, and load_builtin reaches it.
  testing::TempDir flat;
  flat.write("compas-scores-two-years.csv", csv);
  CHECK(load_builtin("compas", flat.path()).train.rows() == 4);
  testing::TempDir empty;
  testing::check_throws<DataError>(
      [&] { load_compas(empty.path()); },
      {"compas: found neither", "compas-scores-two-years.csv", "no licence"});
}

namespace {

// P(y = 1) for a row whose logit is N(mu, sigma^2): the integral of sigmoid against the normal
// density, by the trapezoid rule over mu +- 12 sigma.
double expected_rate(double mu, double sigma) {
  const int steps = 24000;
  double lo = mu - 12 * sigma, h = 24 * sigma / steps, sum = 0;
  for (int i = 0; i <= steps; ++i) {
    double t = lo + i * h;
    double density = std::exp(-0.5 * (t - mu) * (t - mu) / (sigma * sigma)) /
                     (sigma * std::sqrt(2 * std::numbers::pi));
    sum += (i == 0 || i == steps ? 0.5 : 1.0) * density / (1 + std::exp(-t));
  }
  return sum * h;
}

struct GroupStats {
  double rate[2] = {0, 0}, mean_x0[2] = {0, 0}, count[2] = {0, 0};
};

GroupStats stats(const Table& t) {
  GroupStats s;
  const Column &g = t.column("group"), &y = t.column("y"), &x0 = t.column("x0");
  for (size_t i = 0; i < t.rows(); ++i) {
    int k = g.values[i] == "b" ? 1 : 0;
    s.count[k] += 1, s.rate[k] += y.numbers[i], s.mean_x0[k] += x0.numbers[i];
  }
  for (int k : {0, 1}) s.rate[k] /= s.count[k], s.mean_x0[k] /= s.count[k];
  return s;
}

}  // namespace

TEST_CASE("builtin: synthetic data follow their documented generating process") {
  SyntheticOptions o;
  o.rows = 40000;
  o.features = 3;
  o.group_shift = 0.5;
  o.label_bias = 1.5;
  o.group_fraction = 0.3;
  o.seed = 11;
  Dataset d = make_synthetic(o);
  CHECK(d.train.column_names() == Strings{"x0", "x1", "x2", "group", "y"});
  CHECK(d.schema.label == "y");
  CHECK(d.schema.sensitive == Strings{"group"});
  GroupStats s = stats(d.train);
  // logit = sum_j x_j / (j + 1) + bias * g with x_j ~ N(shift * g, 1): normal with
  // mean g * (shift * (1 + 1/2 + 1/3) + bias) and variance 1 + 1/4 + 1/9.
  double sigma = std::sqrt(1 + 0.25 + 1.0 / 9), w_sum = 1 + 0.5 + 1.0 / 3;
  // Binomial standard errors are below 0.005 (group a) and 0.0045 (b): 0.02 is over 4 of them.
  CHECK(std::abs(s.rate[0] - expected_rate(0, sigma)) < 0.02);
  CHECK(std::abs(s.rate[1] - expected_rate(o.group_shift * w_sum + o.label_bias, sigma)) < 0.02);
  CHECK(s.rate[1] > s.rate[0] + 0.2);
  CHECK(std::abs(s.count[1] / 40000 - 0.3) < 0.01);
  CHECK(std::abs(s.mean_x0[0] - 0.0) < 0.03);
  CHECK(std::abs(s.mean_x0[1] - 0.5) < 0.03);

  // No bias, no shift: the groups' rates agree.
  o.group_shift = 0;
  o.label_bias = 0;
  GroupStats fair = stats(make_synthetic(o).train);
  CHECK(std::abs(fair.rate[1] - fair.rate[0]) < 0.03);
}

TEST_CASE("builtin: synthetic data are reproducible by seed and bad options are errors") {
  SyntheticOptions o;
  o.rows = 500;
  Dataset a = make_synthetic(o), b = make_synthetic(o);
  for (const std::string& name : a.train.column_names()) {
    const Column &ca = a.train.column(name), &cb = b.train.column(name);
    CHECK(ca.numbers == cb.numbers);
    CHECK(ca.values == cb.values);
  }
  o.seed = 1;
  CHECK(make_synthetic(o).train.column("x0").numbers != a.train.column("x0").numbers);
  CHECK(load_builtin("synthetic", "").train.rows() == 10000);
  o.rows = 0;
  testing::check_throws<DataError>([&] { make_synthetic(o); },
                                   {"rows (0) and features (5) must be >= 1"});
  o.rows = 10;
  o.group_fraction = 1.5;
  testing::check_throws<DataError>([&] { make_synthetic(o); },
                                   {"group_fraction 1.5 is not in [0, 1]"});
}

TEST_CASE("builtin: any CSV file and unknown dataset names") {
  testing::TempDir dir;
  std::string path = dir.write("loans.csv", "income;region;approved\n10;north;yes\n20;south;no\n");
  Schema s;
  s.label = "approved";
  s.positive_labels = {"yes"};
  s.sensitive = {"region"};
  CsvOptions o;
  o.delimiter = ';';
  Dataset d = load_csv(path, s, o);
  CHECK(d.name == "loans");
  CHECK(d.train.rows() == 2);
  CHECK(d.train.column("income").is_numeric());
  CHECK_FALSE(d.test.has_value());
  s.label = "approval";
  testing::check_throws<DataError>(
      [&] { load_csv(path, s, o); },
      {"schema label: unknown column \"approval\" (columns: income, region, approved)"});
  testing::check_throws<DataError>(
      [] { load_builtin("mnist", ""); },
      {"unknown dataset \"mnist\" (built-in datasets: adult, german, compas, synthetic)"});
}
