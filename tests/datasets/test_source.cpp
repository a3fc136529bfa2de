// What real fairness datasets need from datasets/: sensitive columns coded as numbers, numeric
// attributes cut into groups, attributes that are audited but not model inputs, new rows without
// labels, ARFF files, a hint when a CSV's delimiter is not ',', and the DataSource that records
// all of it. Files are small ones made here in the formats users have.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/encoder.h"
#include "datasets/errors.h"
#include "datasets/data_dir.h"
#include "datasets/source.h"
#include "tests/support/checks.h"
#include "tests/support/temp_dir.h"

using namespace candor;
using namespace candor::datasets;
using candor::testing::check_throws;
using candor::testing::TempDir;
using Strings = std::vector<std::string>;

namespace {

// Twelve people: age, a sex code (1 male, 2 female, as Dutch census codes it), a job, the label.
const char* kPeople =
    "age;sex;job;y\n"
    "19;1;\"clerk\";no\n23;2;\"smith\";yes\n25;1;\"clerk\";no\n31;2;\"baker\";yes\n"
    "44;1;\"smith\";no\n52;2;\"clerk\";yes\n61;1;\"baker\";no\n18;2;\"smith\";yes\n"
    "37;1;\"clerk\";yes\n29;2;\"baker\";no\n66;1;\"smith\";yes\n24;2;\"clerk\";no\n";

DataSource people(const TempDir& dir) {
  DataSource s;
  s.file = dir.write("people.csv", kPeople);
  s.delimiter = ";";
  s.label = "y";
  s.positive = {"yes"};
  return s;
}

Table whole_table(const DataSource& s) { return load_dataset(s).train; }

}  // namespace

TEST_CASE("source: a sensitive column of number codes is a set of groups, not a number") {
  TempDir dir;
  DataSource s = people(dir);
  s.sensitive = {"sex"};
  Table t = whole_table(s);
  CHECK(!t.column("sex").is_numeric());
  Encoder e = Encoder::fit(t, load_dataset(s).schema);
  CHECK(e.group_names(0) == Strings{"1", "2"});
  Encoded rows = e.transform(t);
  CHECK(rows.sensitive[0].name == "sex");
  CHECK(rows.sensitive[0].values()[1] == "2");
  // As a model input it is one-hot, like any category.
  CHECK(e.feature_names() == Strings{"age", "sex=1", "sex=2", "job=baker", "job=clerk", "job=smith"});
}

TEST_CASE("source: a numeric sensitive attribute is cut into groups, or refused with the two ways out") {
  TempDir dir;
  DataSource s = people(dir);
  s.sensitive = {"age"};
  check_throws<DataError>([&] { load_dataset(s); },
                          {"sensitive column \"age\" holds 12 distinct numbers", "--sensitive-bins age:CUT", "--categorical age"});
  s.sensitive_bins = {{"age", {25}}};
  Dataset ds = load_dataset(s);
  CHECK(ds.train.column("age").is_numeric());  // still a number as a model input
  Encoder e = Encoder::fit(ds.train, ds.schema);
  CHECK(e.group_names(0) == Strings{"<25", ">=25"});
  CHECK(e.sensitive_bins(0) == std::vector<double>{25});
  CHECK(e.feature_names()[0] == "age");
  Encoded rows = e.transform(ds.train);
  CHECK(rows.sensitive[0].ids.to_vector<int64_t>() == std::vector<int64_t>{0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0});
  // Several cut points: groups in numeric order, a value on a cut point belongs above it.
  s.sensitive_bins = {{"age", {25, 60}}};
  Dataset three = load_dataset(s);
  Encoder e3 = Encoder::fit(three.train, three.schema);
  CHECK(e3.group_names(0) == Strings{"<25", "[25, 60)", ">=60"});
  CHECK(e3.transform(three.train).sensitive[0].values()[6] == ">=60");
  // The bins travel with the encoder.
  Encoder back = Encoder::from_json(e3.to_json());
  CHECK(back.sensitive_bins(0) == std::vector<double>{25, 60});
  CHECK(back.transform(three.train).sensitive[0].ids.to_vector<int64_t>() ==
        e3.transform(three.train).sensitive[0].ids.to_vector<int64_t>());
  // Forced categorical: one group per value, as asked.
  s.sensitive_bins.clear();
  s.categorical = {"age"};
  CHECK(Encoder::fit(whole_table(s), load_dataset(s).schema).group_names(0).size() == 12);
  // Bins on a column that is not numbers, or not sensitive, are errors.
  s.categorical.clear();
  s.sensitive = {"job"};
  s.sensitive_bins = {{"job", {1}}};
  check_throws<DataError>([&] { load_dataset(s); }, {"\"clerk\" is not a number", "binned sensitive column"});
  s.sensitive = {"sex"};
  check_throws<DataError>([&] { load_dataset(s); }, {"\"job\" has sensitive bins but is not a sensitive column"});
  s.sensitive_bins.clear();
  s.sensitive = {"sex", "job", "sex"};
  check_throws<DataError>([&] { load_dataset(s); }, {"sensitive column \"sex\" is named twice"});
}

TEST_CASE("source: parse_bins reads COLUMN:CUTS and rejects the rest") {
  CHECK(parse_bins("age:25") == std::pair<std::string, std::vector<double>>{"age", {25}});
  CHECK(parse_bins("a:b:1.5,3").first == "a:b");
  CHECK(parse_bins("a:b:1.5,3").second == std::vector<double>{1.5, 3});
  for (const char* bad : {"age", ":25", "age:", "age:x", "age:25,", "age:30,25", "age:25,25", "age:nan", "age:inf"}) {
    CAPTURE(bad);
    check_throws<ValueError>([&] { parse_bins(bad); }, {bad, "COLUMN:CUT"});
  }
}

TEST_CASE("source: a sensitive column can be audited without being a model input") {
  TempDir dir;
  DataSource s = people(dir);
  s.sensitive = {"sex", "job"};
  s.drop = {"sex"};  // Fairlearn's usual set-up: sex is not among the inputs
  Dataset ds = load_dataset(s);
  Encoder e = Encoder::fit(ds.train, ds.schema);
  CHECK(e.feature_names() == Strings{"age", "job=baker", "job=clerk", "job=smith"});
  CHECK(e.sensitive() == Strings{"sex", "job"});
  s.drop.clear();
  s.exclude_sensitive = true;  // none of them
  ds = load_dataset(s);
  CHECK(Encoder::fit(ds.train, ds.schema).feature_names() == Strings{"age"});
}

TEST_CASE("source: new rows without the label are scored as they come, typed as at training") {
  TempDir dir;
  DataSource s = people(dir);
  s.sensitive = {"sex"};
  Dataset ds = load_dataset(s);
  Encoder e = Encoder::fit(ds.train, ds.schema);
  // No label; a job never seen; a missing age; the sex column looks like numbers but stays groups.
  std::string fresh = dir.write("new.csv", "job;sex;age\n\"clerk\";2;40\n\"pilot\";1;33\n\"baker\";1;\n");
  NewRows rows = load_new_rows(fresh, ";", e.schema());
  CHECK(!rows.labelled);
  CHECK(rows.table.rows() == 3);
  Encoded x = e.transform_unlabelled(rows.table);
  CHECK(!x.y.defined());
  CHECK(x.kept_rows == std::vector<size_t>{0, 1});  // the row with a missing input cannot be scored
  CHECK(x.sensitive[0].values() == Strings{"2", "1"});
  CHECK(x.x.size(1) == static_cast<int64_t>(e.num_features()));
  // Without the sensitive column too (it is a feature here, so the encoder needs it).
  std::string bare = dir.write("bare.csv", "job;age\n\"clerk\";40\n");
  check_throws<DataError>([&] { e.transform_unlabelled(load_new_rows(bare, ";", e.schema()).table); }, {"unknown column \"sex\""});
  // The labelled path still wants the label.
  check_throws<DataError>([&] { e.transform(rows.table); }, {"unknown column \"y\""});
  // A group value training never saw, or none, still scores when the model does not read the
  // column: it gets an id after the training groups. (As an input, a missing sex drops the row.)
  std::string odd = dir.write("odd.csv", "job;sex;age\n\"clerk\";3;40\n\"smith\";;33\n\"baker\";1;50\n");
  CHECK(e.transform_unlabelled(load_new_rows(odd, ";", e.schema()).table).kept_rows == std::vector<size_t>{0, 2});
  DataSource audited = s;
  audited.drop = {"sex"};
  Dataset ads = load_dataset(audited);
  Encoder ae = Encoder::fit(ads.train, ads.schema);
  Encoded o = ae.transform_unlabelled(load_new_rows(odd, ";", ae.schema()).table);
  CHECK(o.kept_rows == std::vector<size_t>{0, 1, 2});
  CHECK(o.sensitive[0].groups == Strings{"1", "2", "3", ""});
  CHECK(o.sensitive[0].values() == Strings{"3", "", "1"});
  // typed_like: the same typing from a training table instead of an encoder.
  Schema like = typed_like(ds.schema, ds.train);
  CHECK(load_new_rows(fresh, ";", like).table.column("age").is_numeric());
  CHECK(!load_new_rows(fresh, ";", like).table.column("sex").is_numeric());
}

TEST_CASE("source: a sensitive column forced categorical stays so in new rows, whatever it holds") {
  TempDir dir;
  DataSource s = people(dir);
  s.sensitive = {"age"};
  s.categorical = {"age"};  // twelve number codes, one group each, as asked
  Dataset ds = load_dataset(s);
  Encoder e = Encoder::fit(ds.train, ds.schema);
  std::string fresh = dir.write("new.csv", "age;sex;job\n19;1;\"clerk\"\n23;2;\"smith\"\n25;1;\"clerk\"\n31;2;\"baker\"\n"
                                           "44;1;\"smith\"\n52;2;\"clerk\"\n61;1;\"baker\"\n18;2;\"smith\"\n37;1;\"clerk\"\n"
                                           "29;2;\"baker\"\n66;1;\"smith\"\n24;2;\"clerk\"\n");
  NewRows rows = load_new_rows(fresh, ";", e.schema());
  CHECK(!rows.table.column("age").is_numeric());
  CHECK(e.transform_unlabelled(rows.table).sensitive[0].values()[0] == "19");
}

TEST_CASE("source: a CSV read with the wrong delimiter says which one it probably is") {
  TempDir dir;
  DataSource s = people(dir);
  s.delimiter = ",";
  check_throws<DataError>([&] { load_dataset(s); }, {"people.csv", "the header has a single column", "try --delimiter ';'"});
  s.file = dir.write("quoted.csv", "\"a\";\"y\"\n1;0\n");
  check_throws<DataError>([&] { load_dataset(s); }, {"after a closing quote", "try --delimiter ';'"});
  s.file = dir.write("tabs.tsv", "a\tb\ty\n1\t2\t0\n");
  check_throws<DataError>([&] { load_dataset(s); }, {"try --delimiter '\\t'"});
  // ... and the hint works as written, as does "tab".
  for (const char* tab : {"\\t", "tab"}) {
    s.delimiter = tab;
    CHECK(load_dataset(s).train.column_names() == Strings{"a", "b", "y"});
  }
  s.delimiter = ";;";
  check_throws<ValueError>([&] { load_dataset(s); }, {"one character"});
}

TEST_CASE("source: ARFF files as law school and Dutch census publish them") {
  TempDir dir;
  DataSource law;
  law.file = dir.write("law.arff",
                       "@relation pandasdata\n@attribute lsat real\n@attribute racetxt {0, 1}\n@attribute tier {0, 1}\n"
                       "@attribute pass_bar {0, 1}\n@data\n"
                       "46.00,1,3,1\n32.00,0,1,0\n41.00,1,4,1\n29.00,0,2,0\n44.00,1,6,1\n35.00,1,1,0\n");
  law.label = "pass_bar";
  law.sensitive = {"racetxt"};
  Dataset ds = load_dataset(law);
  REQUIRE(ds.warnings.size() == 1);
  CHECK(ds.warnings[0].find("attribute \"tier\" declares {0, 1}") != std::string::npos);
  CHECK(!ds.train.column("tier").is_numeric());     // nominal, whatever its values look like
  CHECK(ds.train.column("lsat").is_numeric());
  CHECK(ds.train.column("pass_bar").is_numeric());  // a number label: 1 is positive by default
  Encoder e = Encoder::fit(ds.train, ds.schema);
  CHECK(e.transform(ds.train).y.to_vector<float>() == std::vector<float>{1, 0, 1, 0, 1, 0});
  CHECK(e.group_names(0) == Strings{"0", "1"});

  DataSource dutch;
  dutch.file = dir.write("dutch.ARFF",
                         "@relation dutch-weka.filters.unsupervised.attribute.Remove-R12\n\n"
                         "@attribute sex {2,1}\n@attribute edu {3,2,1}\n@attribute occupation {5_4_9,2_1}\n\n@data\n\n"
                         "1,3,2_1\n2,1,5_4_9\n1,2,2_1\n2,3,5_4_9\n");
  dutch.label = "occupation";
  dutch.sensitive = {"sex"};
  check_throws<DataError>([&] { Encoder::fit(load_dataset(dutch).train, load_dataset(dutch).schema); },
                          {"label column \"occupation\" is categorical", "2_1, 5_4_9"});
  dutch.positive = {"2_1"};
  Dataset d = load_dataset(dutch);
  Encoder de = Encoder::fit(d.train, d.schema);
  CHECK(de.group_names(0) == Strings{"1", "2"});
  CHECK(de.transform(d.train).y.to_vector<float>() == std::vector<float>{1, 0, 1, 0});
  CHECK(de.feature_names() == Strings{"sex=1", "sex=2", "edu=1", "edu=2", "edu=3"});
}

TEST_CASE("source: a DataSource survives JSON, and runs saved before ARFF support still load") {
  DataSource s;
  s.file = "law.arff";
  s.label = "pass_bar";
  s.sensitive = {"racetxt", "age"};
  s.sensitive_bins = {{"age", {25, 60}}};
  s.exclude_sensitive = true;
  s.drop = {"id"};
  s.delimiter = ";";
  DataSource back = data_source_from_json(to_json(s));
  CHECK(back.file == s.file);
  CHECK(back.sensitive_bins == s.sensitive_bins);
  CHECK(back.exclude_sensitive);
  CHECK(back.drop == s.drop);
  CHECK(back.delimiter == ";");
  CHECK(back.folds == 0);
  s.folds = 5;
  s.fold = 3;
  DataSource crossfit = data_source_from_json(to_json(s));
  CHECK(crossfit.folds == 5);
  CHECK(crossfit.fold == 3);
  nlohmann::json old = {{"data", "adult"}, {"csv", ""}, {"label", ""}, {"positive", nlohmann::json::array()},
                        {"sensitive", nlohmann::json::array()}, {"categorical", nlohmann::json::array()},
                        {"drop", nlohmann::json::array()}, {"delimiter", ","}, {"data_dir", ""},
                        {"validation_fraction", 0.1}, {"test_fraction", 0.2}};
  old["drop"] = {"fnlwgt"};  // saved by those versions, but never applied to a built-in dataset
  DataSource legacy = data_source_from_json(old);
  CHECK(legacy.name == "adult");
  CHECK(legacy.sensitive_bins.empty());
  CHECK(legacy.drop.empty());
  CHECK(legacy.folds == 0);  // saved before cross-fitting: the single split
  old.erase("label");
  check_throws<DataError>([&] { data_source_from_json(old); }, {"data source", "label"});
}

TEST_CASE("source: a built-in dataset takes the same options") {
  DataSource s;
  s.name = "german";
  s.sensitive = {"sex", "age"};
  s.sensitive_bins = {{"age", {25}}};  // AIF360's privileged group for German credit: age >= 25
  s.drop = {"sex"};
  Dataset ds = load_dataset(s);
  Encoder e = Encoder::fit(ds.train, ds.schema);
  CHECK(e.group_names(1) == Strings{"<25", ">=25"});
  for (const std::string& f : e.feature_names()) CHECK(f.rfind("sex=", 0) != 0);
  CHECK(e.transform(ds.train).sensitive.size() == 2);
}

TEST_CASE("source: CANDOR_DATA_DIR decides where the built-in datasets are read") {
  TempDir dir;
  const char* before = std::getenv("CANDOR_DATA_DIR");
  const std::string saved = before != nullptr ? before : "";
  setenv("CANDOR_DATA_DIR", dir.path().c_str(), 1);
  CHECK(default_data_dir() == dir.path());
  check_throws<DataError>([] { load_dataset({.name = "adult"}); }, {dir.path(), "adult"});
  if (before != nullptr) {
    setenv("CANDOR_DATA_DIR", saved.c_str(), 1);
  } else {
    unsetenv("CANDOR_DATA_DIR");
  }
  CHECK(default_data_dir() != dir.path());
}

TEST_CASE("source: cross-fitting tests every row once over the folds, and not Adult's own test file") {
  TempDir dir;
  DataSource s = people(dir);
  s.folds = 3;
  s.validation_fraction = 0.25;
  std::vector<double> tested_ages;
  for (int64_t fold = 0; fold < 3; ++fold) {
    s.fold = fold;
    Splits parts = load_splits(s, 4);
    CHECK(parts.train.rows() + parts.validation.rows() + parts.test.rows() == 12);
    CHECK(parts.validation.rows() > 0);
    for (double age : parts.test.column("age").numbers) tested_ages.push_back(age);
  }
  std::sort(tested_ages.begin(), tested_ages.end());
  std::vector<double> all_ages = whole_table(people(dir)).column("age").numbers;
  std::sort(all_ages.begin(), all_ages.end());
  CHECK(tested_ages == all_ages);  // the ages are distinct, so each person once
  s.fold = 3;
  check_throws<DataError>([&] { load_splits(s, 4); }, {"fold 3 of 3 folds"});
  check_throws<ValueError>([] { load_splits({.name = "adult", .folds = 5}, 0); }, {"adult has its own test file", "folds"});
}
