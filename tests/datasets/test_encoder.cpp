#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/encoder.h"
#include "datasets/errors.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::datasets;
using Strings = std::vector<std::string>;
using Missing = EncoderOptions::Missing;
using Unseen = EncoderOptions::Unseen;

namespace {

Table table(const std::string& csv, const Schema& schema) {
  return make_table(parse_csv(csv, CsvOptions{}), schema);
}

Schema credit_schema() {
  Schema s;
  s.label = "label";
  s.positive_labels = {"yes"};
  s.sensitive = {"sex"};
  return s;
}

// x as rows of floats.
std::vector<std::vector<float>> rows_of(const Tensor& x) {
  std::vector<float> flat = x.to_vector<float>();
  std::vector<std::vector<float>> out(static_cast<size_t>(x.size(0)));
  for (size_t i = 0; i < out.size(); ++i) {
    auto w = static_cast<size_t>(x.size(1));
    out[i].assign(flat.begin() + static_cast<std::ptrdiff_t>(i * w),
                  flat.begin() + static_cast<std::ptrdiff_t>((i + 1) * w));
  }
  return out;
}

const char* kTrain =
    "age,job,sex,label\n"
    "20,clerk,F,no\n"
    "30,smith,M,yes\n"
    "40,clerk,M,yes\n"
    "50,baker,F,no\n";

}  // namespace

TEST_CASE(
    "encoder: standardises with the training mean and std and one-hot encodes sorted categories") {
  Table train = table(kTrain, credit_schema());
  Encoder enc = Encoder::fit(train, credit_schema());
  CHECK(enc.feature_names() ==
        Strings{"age", "job=baker", "job=clerk", "job=smith", "sex=F", "sex=M"});
  CHECK(enc.group_names(0) == Strings{"F", "M"});
  const double mean = 35, sd = std::sqrt((225.0 + 25 + 25 + 225) / 4);  // ddof = 0
  Encoded e = enc.transform(train);
  CHECK(e.x.shape() == Shape{4, 6});
  CHECK(e.x.dtype() == kFloat32);
  auto x = rows_of(e.x);
  CHECK(x[0] == std::vector<float>{static_cast<float>((20 - mean) / sd), 0, 1, 0, 1, 0});
  CHECK(x[3] == std::vector<float>{static_cast<float>((50 - mean) / sd), 1, 0, 0, 1, 0});
  CHECK(e.y.to_vector<float>() == std::vector<float>{0, 1, 1, 0});
  REQUIRE(e.sensitive.size() == 1);
  CHECK(e.sensitive[0].name == "sex");
  CHECK(e.sensitive[0].ids.dtype() == kInt64);
  CHECK(e.sensitive[0].ids.to_vector<int64_t>() == std::vector<int64_t>{0, 1, 1, 0});
  CHECK(e.sensitive[0].values() == std::vector<std::string>{"F", "M", "M", "F"});
  CHECK(e.weight.to_vector<float>() == std::vector<float>{1, 1, 1, 1});
  CHECK(e.kept_rows == std::vector<size_t>{0, 1, 2, 3});

  // A test split is encoded with the training statistics, not its own.
  Table test = table("age,job,sex,label\n35,smith,F,yes\n100,clerk,M,no\n", credit_schema());
  auto xt = rows_of(enc.transform(test).x);
  CHECK(xt[0][0] == 0.0f);
  CHECK(xt[1][0] == static_cast<float>((100 - mean) / sd));
  // Fitting on the test split instead gives different inputs: the statistics do come from `fit`.
  CHECK(rows_of(Encoder::fit(test, credit_schema()).transform(test).x)[0][0] != 0.0f);
}

TEST_CASE("encoder: constant columns keep scale 1 and standardize off keeps raw values") {
  Table train = table("k,v,label,sex\n7,1,yes,F\n7,3,no,M\n", credit_schema());
  Encoder enc = Encoder::fit(train, credit_schema());
  auto x = rows_of(enc.transform(table("k,v,label,sex\n9,2,no,F\n", credit_schema())).x);
  CHECK(x[0][0] == 2.0f);  // (9 - 7) / 1
  CHECK(x[0][1] == 0.0f);  // (2 - 2) / 1
  EncoderOptions raw;
  raw.standardize = false;
  CHECK(rows_of(Encoder::fit(train, credit_schema(), raw).transform(train).x)[1][1] == 3.0f);
}

TEST_CASE("encoder: unseen categories are all zeros or an error and ordinal codes") {
  Table train = table(kTrain, credit_schema());
  Table test = table("age,job,sex,label\n30,pilot,M,no\n", credit_schema());
  auto x = rows_of(Encoder::fit(train, credit_schema()).transform(test).x);
  CHECK(std::vector<float>(x[0].begin() + 1, x[0].begin() + 4) == std::vector<float>{0, 0, 0});
  EncoderOptions strict;
  strict.unseen = Unseen::Error;
  Encoder enc = Encoder::fit(train, credit_schema(), strict);
  testing::check_throws<DataError>(
      [&] { enc.transform(test); },
      {"column \"job\" has category \"pilot\" (table row 0)", "baker, clerk, smith"});
  EncoderOptions ordinal;
  ordinal.one_hot = false;
  Encoder ord = Encoder::fit(train, credit_schema(), ordinal);
  CHECK(ord.feature_names() == Strings{"age", "job", "sex"});
  auto codes = rows_of(ord.transform(train).x)[1];  // smith, M
  CHECK(codes[1] == 2.0f);
  CHECK(codes[2] == 1.0f);
  CHECK(rows_of(ord.transform(test).x)[0][1] == -1.0f);
}

TEST_CASE(
    "encoder: missing values are dropped with their rows, or imputed from the training rows") {
  const char* csv =
      "age,job,sex,label\n"
      "10,clerk,F,no\n"
      "?,clerk,M,yes\n"
      "20,?,M,yes\n"
      "1000,smith,F,no\n"
      "30,clerk,F,yes\n"
      "40,clerk,?,no\n";
  Table train = table(csv, credit_schema());
  // Drop: rows 1 (age), 2 (job), 5 (sex) go; the statistics come from the kept rows only.
  Encoder drop = Encoder::fit(train, credit_schema());
  Encoded d = drop.transform(train);
  CHECK(d.kept_rows == std::vector<size_t>{0, 3, 4});
  double mean = (10 + 1000 + 30) / 3.0;
  double sd = std::sqrt(
      ((10 - mean) * (10 - mean) + (1000 - mean) * (1000 - mean) + (30 - mean) * (30 - mean)) / 3);
  CHECK(rows_of(d.x)[0][0] == static_cast<float>((10 - mean) / sd));

  // Impute: means over the present values of all usable rows; the most frequent category
  // (clerk: 3 of the 4 present). The row with a missing sensitive value is still dropped.
  EncoderOptions impute;
  impute.missing = Missing::Impute;
  impute.standardize = false;
  Encoder imp = Encoder::fit(train, credit_schema(), impute);
  Encoded i = imp.transform(train);
  CHECK(i.kept_rows == std::vector<size_t>{0, 1, 2, 3, 4});
  auto x = rows_of(i.x);
  CHECK(x[1][0] == static_cast<float>((10 + 20 + 1000 + 30) / 4.0));
  CHECK(std::vector<float>(x[2].begin() + 1, x[2].begin() + 3) ==
        std::vector<float>{1, 0});  // clerk
  // Tied counts: the first category in sorted order fills the gap.
  Table tied = table("age,job,sex,label\n1,b,F,yes\n2,a,M,no\n3,?,F,no\n", credit_schema());
  auto xt = rows_of(Encoder::fit(tied, credit_schema(), impute).transform(tied).x);
  CHECK(std::vector<float>(xt[2].begin() + 1, xt[2].begin() + 3) == std::vector<float>{1, 0});  // a
  // A missing label drops the row under either policy.
  Table unlabeled = table("age,job,sex,label\n5,clerk,F,?\n6,clerk,F,no\n", credit_schema());
  CHECK(imp.transform(unlabeled).kept_rows == std::vector<size_t>{1});
  CHECK(drop.transform(unlabeled).y.shape() == Shape{1});
}

TEST_CASE("encoder: labels and groups and weights and feature selection") {
  SUBCASE("numeric labels: nonzero is positive, or the listed values") {
    Schema s;
    s.label = "y";
    Table t = table("x,y\n1,0\n2,2\n3,1\n", s);
    CHECK(Encoder::fit(t, s).transform(t).y.to_vector<float>() == std::vector<float>{0, 1, 1});
    s.positive_labels = {"2"};
    CHECK(Encoder::fit(t, s).transform(t).y.to_vector<float>() == std::vector<float>{0, 1, 0});
    s.positive_labels = {"two"};
    testing::check_throws<DataError>(
        [&] { Encoder::fit(t, s); },
        {"positive label \"two\" is not a number, but label column \"y\" is numeric"});
  }
  SUBCASE("categorical labels need positive values that occur in training") {
    Schema s = credit_schema();
    Table t = table(kTrain, s);
    s.positive_labels = {};
    testing::check_throws<DataError>(
        [&] { Encoder::fit(t, s); },
        {"label column \"label\" is categorical", "(values: no, yes)"});
    s.positive_labels = {"Yes"};
    testing::check_throws<DataError>([&] { Encoder::fit(t, s); },
                                     {"no positive label (Yes) occurs"});
    s.positive_labels = {"yes", "yes."};  // Adult-style: the test split's spelling may be absent
    CHECK(Encoder::fit(t, s).transform(table("age,job,sex,label\n1,clerk,F,yes.\n", s)).y.item() ==
          1.0);
  }
  SUBCASE("group ids follow the sorted training values; unseen groups are an error") {
    Schema s = credit_schema();
    s.sensitive = {"sex", "job"};
    s.sensitive_as_features = false;
    Table t = table(kTrain, s);
    Encoder enc = Encoder::fit(t, s);
    CHECK(enc.feature_names() == Strings{"age"});
    CHECK(enc.group_names(1) == Strings{"baker", "clerk", "smith"});
    Encoded e = enc.transform(t);
    CHECK(e.sensitive[1].ids.to_vector<int64_t>() == std::vector<int64_t>{1, 2, 1, 0});
    testing::check_throws<IndexError>([&] { enc.group_names(2); },
                                      {"sensitive column index 2 is out of range"});
    testing::check_throws<DataError>(
        [&] { enc.transform(table("age,job,sex,label\n1,clerk,X,no\n", s)); },
        {"sensitive column \"sex\" has value \"X\" (table row 0)", "(groups: F, M)"});
  }
  SUBCASE("a weight column") {
    Schema s = credit_schema();
    s.weight = std::string("w");  // (GCC 12 -Wrestrict misfires on `= "w"`)
    Table t = table("age,sex,w,label\n1,F,0.5,yes\n2,M,2,no\n", s);
    Encoder enc = Encoder::fit(t, s);
    CHECK(enc.feature_names() == Strings{"age", "sex=F", "sex=M"});
    CHECK(enc.transform(t).weight.to_vector<float>() == std::vector<float>{0.5f, 2.0f});
    testing::check_throws<DataError>(
        [&] { enc.transform(table("age,sex,w,label\n1,F,-1,no\n", s)); },
        {"weight column \"w\" has value -1", "finite and >= 0"});
  }
  SUBCASE("dropped columns are no features") {
    Schema s = credit_schema();
    Table t = table(kTrain, s);
    s.drop = {"job"};
    CHECK(Encoder::fit(t, s).feature_names() == Strings{"age", "sex=F", "sex=M"});
  }
}

TEST_CASE("labels: binary_labels applies the encoder's rule before encoding") {
  Schema s;
  s.label = "y";
  s.positive_labels = {"1"};
  Table numeric = table("y\n1.0\n0\n?\n2\n", s);
  std::vector<double> y = binary_labels(numeric, s);
  CHECK(y[0] == 1);  // "1" matches 1.0 as a number
  CHECK(y[1] == 0);
  CHECK(std::isnan(y[2]));
  CHECK(y[3] == 0);
  s.positive_labels = {};
  CHECK(binary_labels(numeric, s)[3] == 1);  // nonzero
  Schema c = credit_schema();
  CHECK(binary_labels(table(kTrain, c), c) == std::vector<double>{0, 1, 1, 0});
  c.positive_labels = {};
  testing::check_throws<DataError>(
      [&] { binary_labels(table(kTrain, credit_schema()), c); },
      {"label column \"label\" is categorical: the schema must name its positive values"});
}

TEST_CASE("encoder: transform needs the fitted columns with their types") {
  Table train = table(kTrain, credit_schema());
  Encoder enc = Encoder::fit(train, credit_schema());
  testing::check_throws<DataError>(
      [&] { enc.transform(table("age,sex,label\n1,F,no\n", credit_schema())); },
      {"encoder (feature): unknown column \"job\" (columns: age, sex, label)"});
  Schema no_sex;
  no_sex.label = "label";
  testing::check_throws<DataError>([&] { enc.transform(table("age,job,label\n1,x,no\n", no_sex)); },
                                   {"encoder (sensitive): unknown column \"sex\""});
  Schema s = credit_schema();
  s.categorical = {"age"};
  testing::check_throws<DataError>(
      [&] { enc.transform(table(kTrain, s)); },
      {"column \"age\" is categorical here but was numeric when the encoder was fitted"});
  testing::check_throws<DataError>(
      [&] { Encoder::fit(table("age,sex,label\n?,F,yes\n", credit_schema()), credit_schema()); },
      {"no training rows left out of 1"});
}

TEST_CASE("encoder: JSON round trip is exact") {
  // Values whose mean and std are not short decimals.
  const char* csv =
      "a,b,job,sex,label\n"
      "0.1,1e-7,clerk,F,no\n"
      "0.2,3.3333333333333335,smith,M,yes\n"
      "0.7,?,clerk,M,yes\n"
      "1.3,2.0000000000000004,baker,F,no\n";
  Schema s = credit_schema();
  for (bool one_hot : {true, false}) {
    EncoderOptions o;
    o.one_hot = one_hot;
    o.missing = Missing::Impute;
    o.unseen = Unseen::Error;
    Table t = table(csv, s);
    Encoder enc = Encoder::fit(t, s, o);
    nlohmann::json j = enc.to_json();
    Encoder back = Encoder::from_json(nlohmann::json::parse(j.dump()));
    CHECK(back.to_json() == j);
    CHECK(back.feature_names() == enc.feature_names());
    CHECK(back.group_names(0) == enc.group_names(0));
    for (size_t f = 0; f < enc.features().size(); ++f) {
      CHECK(std::memcmp(&back.features()[f].mean, &enc.features()[f].mean, sizeof(double)) == 0);
      CHECK(std::memcmp(&back.features()[f].scale, &enc.features()[f].scale, sizeof(double)) == 0);
      CHECK(std::memcmp(&back.features()[f].fill, &enc.features()[f].fill, sizeof(double)) == 0);
    }
    Encoded a = enc.transform(t), b = back.transform(t);
    std::vector<float> xa = a.x.to_vector<float>(), xb = b.x.to_vector<float>();
    CHECK(std::memcmp(xa.data(), xb.data(), xa.size() * sizeof(float)) == 0);
    CHECK(a.y.to_vector<float>() == b.y.to_vector<float>());
    CHECK(back.options().unseen == Unseen::Error);
  }
}

TEST_CASE("encoder: from_json rejects bad documents with DataError") {
  Table t = table(kTrain, credit_schema());
  nlohmann::json good = Encoder::fit(t, credit_schema()).to_json();
  testing::check_throws<DataError>([] { Encoder::from_json(nlohmann::json::array()); },
                                   {"not a candor encoder"});
  nlohmann::json j = good;
  j["version"] = 99;
  testing::check_throws<DataError>([&] { Encoder::from_json(j); }, {"version 99 is not supported"});
  j["version"] = 1e30;  // once a float cast to int: undefined behaviour (found by fuzzing)
  testing::check_throws<DataError>([&] { Encoder::from_json(j); }, {"expected an integer", "1e+30"});
  j = good;
  j["features"][0].erase("scale");
  testing::check_throws<DataError>([&] { Encoder::from_json(j); }, {"encoder json:", "scale"});
  j = good;
  j["features"][0]["type"] = "text";
  testing::check_throws<DataError>([&] { Encoder::from_json(j); },
                                   {"unknown column type \"text\""});
  j = good;
  j["options"]["missing"] = "guess";
  testing::check_throws<DataError>([&] { Encoder::from_json(j); },
                                   {"unknown missing policy \"guess\" (drop, impute)"});
  j = good;
  j["features"][0]["scale"] = 0.0;
  testing::check_throws<DataError>([&] { Encoder::from_json(j); }, {"has scale 0"});
}

TEST_CASE("encoder: no feature column is an error unless allow_no_features, which gives x [N, 0]") {
  Schema s = credit_schema();
  s.sensitive_as_features = false;
  s.drop = {"age", "job"};
  Table train = table(kTrain, s);
  candor::testing::check_throws<DataError>([&] { Encoder::fit(train, s); },
                                           {"encoder: no feature columns", "label"});
  EncoderOptions options;
  options.allow_no_features = true;
  Encoder enc = Encoder::fit(train, s, options);
  Encoded e = enc.transform(train);
  CHECK(e.x.shape() == Shape{4, 0});
  CHECK(e.y.to_vector<float>() == std::vector<float>{0, 1, 1, 0});
  CHECK(e.sensitive.at(0).ids.to_vector<int64_t>() == std::vector<int64_t>{0, 1, 1, 0});
  CHECK(Encoder::from_json(enc.to_json()).transform(train).y.to_vector<float>() == e.y.to_vector<float>());
}

TEST_CASE("encoder: numeric_bins keeps quantile edges per number, in encoded units, and x unchanged") {
  const char* csv =
      "age,gain,job,sex,label\n"
      "20,0,clerk,F,no\n"
      "30,0,smith,M,yes\n"
      "40,0,clerk,M,yes\n"
      "50,100,baker,F,no\n"
      "60,0,baker,M,yes\n";
  Table train = table(csv, credit_schema());
  EncoderOptions binned;
  binned.numeric_bins = 2;
  const Encoder plain = Encoder::fit(train, credit_schema());
  const Encoder enc = Encoder::fit(train, credit_schema(), binned);
  CHECK(enc.transform(train).x.to_vector<float>() == plain.transform(train).x.to_vector<float>());
  // age: 20..60, mean 40, std sqrt(200); quantiles at floor(i * 4 / 2) = 20, 40, 60.
  const double age_sd = std::sqrt(200.0);
  const Encoder::Feature& age = enc.features()[0];
  REQUIRE(age.edges.size() == 3);
  CHECK(age.edges[0] == doctest::Approx(-20 / age_sd));
  CHECK(age.edges[1] == doctest::Approx(0.0));
  CHECK(age.edges[2] == doctest::Approx(20 / age_sd));
  // gain: 0 is an atom (4 of 5 rows); 100 the only other value: edges 0 and 100.
  const Encoder::Feature& gain = enc.features()[1];
  REQUIRE(gain.edges.size() == 2);
  CHECK(gain.edges[0] == doctest::Approx((0 - 20) / 40.0));
  CHECK(gain.edges[1] == doctest::Approx((100 - 20) / 40.0));
  CHECK(enc.features()[2].edges.empty());  // categorical
  CHECK(enc.numeric_bin_count() == 3);
  CHECK(plain.numeric_bin_count() == 0);

  const Encoder back = Encoder::from_json(nlohmann::json::parse(enc.to_json().dump()));
  CHECK(back.options().numeric_bins == 2);
  CHECK(back.features()[0].edges == age.edges);
  CHECK(back.to_json() == enc.to_json());

  // An encoder saved before numeric_bins existed reads as 0 bins.
  nlohmann::json old = plain.to_json();
  old["options"].erase("numeric_bins");
  CHECK(Encoder::from_json(old).options().numeric_bins == 0);

  nlohmann::json bad = enc.to_json();
  bad["options"]["numeric_bins"] = -3;
  testing::check_throws<DataError>([&] { Encoder::from_json(bad); }, {"numeric_bins -3", "[0, 1024]"});
  bad = enc.to_json();
  bad["features"][0]["edges"] = {1.0, 0.5};
  testing::check_throws<DataError>([&] { Encoder::from_json(bad); }, {"\"age\"", "bin edges", "increasing"});
  bad["features"][0]["edges"] = {0.0, std::numeric_limits<double>::infinity()};
  testing::check_throws<DataError>([&] { Encoder::from_json(bad); }, {"\"age\"", "finite"});

  for (int64_t bins : {int64_t{-1}, EncoderOptions::kMaxNumericBins + 1}) {
    EncoderOptions wrong;
    wrong.numeric_bins = bins;
    testing::check_throws<ValueError>([&] { Encoder::fit(train, credit_schema(), wrong); }, {"numeric_bins", "[0, 1024]"});
  }
}
