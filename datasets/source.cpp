#include "datasets/source.h"

#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "datasets/arff.h"
#include "datasets/csv.h"
#include "datasets/data_dir.h"
#include "datasets/errors.h"
#include "datasets/labels.h"
#include "datasets/split.h"

namespace candor::datasets {

nlohmann::json to_json(const DataSource& d) {
  return {{"name", d.name}, {"file", d.file}, {"label", d.label}, {"positive", d.positive},
          {"sensitive", d.sensitive}, {"sensitive_bins", d.sensitive_bins},
          {"exclude_sensitive", d.exclude_sensitive}, {"categorical", d.categorical}, {"drop", d.drop},
          {"delimiter", d.delimiter}, {"data_dir", d.data_dir},
          {"validation_fraction", d.validation_fraction}, {"test_fraction", d.test_fraction},
          {"folds", d.folds}, {"fold", d.fold}};
}

DataSource absolute_paths(DataSource source) {
  if (!source.file.empty()) source.file = std::filesystem::absolute(source.file).lexically_normal().string();
  if (!source.data_dir.empty()) source.data_dir = std::filesystem::absolute(source.data_dir).lexically_normal().string();
  return source;
}

DataSource data_source_from_json(const nlohmann::json& j) {
  try {
    DataSource d;
    // Runs written before ARFF support name the built-in "data" and the user's file "csv".
    d.name = j.contains("name") ? j.at("name") : j.at("data");
    d.file = j.contains("file") ? j.at("file") : j.at("csv");
    d.label = j.at("label");
    d.positive = j.at("positive").get<std::vector<std::string>>();
    d.sensitive = j.at("sensitive").get<std::vector<std::string>>();
    d.sensitive_bins = j.value("sensitive_bins", std::map<std::string, std::vector<double>>{});
    d.exclude_sensitive = j.value("exclude_sensitive", false);
    d.categorical = j.at("categorical").get<std::vector<std::string>>();
    d.drop = j.at("drop").get<std::vector<std::string>>();
    d.delimiter = j.at("delimiter");
    d.data_dir = j.at("data_dir");
    d.validation_fraction = j.at("validation_fraction");
    d.test_fraction = j.at("test_fraction");
    d.folds = j.value("folds", int64_t{0});  // runs before cross-fitting have neither
    d.fold = j.value("fold", int64_t{0});
    if (!j.contains("name") && !d.name.empty()) {
      // Those runs saved --categorical and --drop for a built-in dataset but did not apply them.
      d.categorical.clear();
      d.drop.clear();
    }
    return d;
  } catch (const nlohmann::json::exception& e) {
    throw DataError(fmt::format("data source: {}", e.what()));
  }
}

std::pair<std::string, std::vector<double>> parse_bins(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return ValueError(fmt::format("sensitive bins \"{}\": {} (expected COLUMN:CUT[,CUT...], e.g. age:25)", text, why));
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) throw bad("no column name before ':'");
  std::vector<double> cuts;
  std::string rest = text.substr(colon + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t comma = rest.find(',', start);
    std::string piece = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    double value = 0;
    if (!parse_number(piece, value)) throw bad(fmt::format("\"{}\" is not a finite number", piece));
    if (!cuts.empty() && !(value > cuts.back())) throw bad("cut points must increase");
    cuts.push_back(value);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return {text.substr(0, colon), cuts};
}

namespace {

bool is_arff(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".arff";
}

CsvOptions csv_options(const std::string& delimiter) {
  CsvOptions options;
  if (delimiter == "\\t" || delimiter == "tab") {
    options.delimiter = '\t';
  } else if (delimiter.size() == 1) {
    options.delimiter = delimiter[0];
  } else {
    throw ValueError(fmt::format("the CSV delimiter must be one character (or \\t), got \"{}\"", delimiter));
  }
  return options;
}

bool contains(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// An ARFF file: nominal attributes are categorical whatever their values look like (Dutch census
// codes sex as {2,1}), except the label, which is read as a number when it is one (law school's
// pass_bar {0, 1}: 1 is positive unless `positive` says otherwise).
Dataset load_arff(const std::string& path, Schema schema) {
  ArffFile arff = read_arff(path);
  for (const ArffAttribute& a : arff.attributes) {
    if (a.kind == ArffAttribute::Kind::Nominal && a.name != schema.label && !schema.sensitive_bins.count(a.name) &&
        !contains(schema.categorical, a.name)) {
      schema.categorical.push_back(a.name);
    }
  }
  Dataset d;
  d.name = std::filesystem::path(path).stem().string();
  d.schema = schema;
  d.train = make_table(arff.table, schema);
  d.warnings = arff.warnings;
  return d;
}

}  // namespace

Dataset load_dataset(const DataSource& s) {
  if (!s.file.empty() && !s.name.empty()) throw ValueError("give either a built-in dataset or a file, not both");
  if (!s.file.empty()) {
    if (s.label.empty()) throw ValueError(fmt::format("{}: say which column is the label", s.file));
    Schema schema;
    schema.label = s.label;
    schema.positive_labels = s.positive;
    schema.sensitive = s.sensitive;
    schema.categorical = s.categorical;
    schema.drop = s.drop;
    schema.sensitive_bins = s.sensitive_bins;
    schema.sensitive_as_features = !s.exclude_sensitive;
    if (is_arff(s.file)) return load_arff(s.file, schema);
    return load_csv(s.file, schema, csv_options(s.delimiter));
  }
  if (s.name.empty()) throw ValueError("say which data to use: a built-in dataset or a file");
  Dataset ds = load_builtin(s.name, s.data_dir.empty() ? default_data_dir() : s.data_dir);
  if (!s.sensitive.empty() || !s.sensitive_bins.empty() || !s.drop.empty() || !s.categorical.empty()) {
    // The built-in's columns, retyped under the user's choices.
    Schema& schema = ds.schema;
    if (!s.sensitive.empty()) schema.sensitive = s.sensitive;
    schema.sensitive_bins = s.sensitive_bins;
    for (const std::string& c : s.categorical) schema.categorical.push_back(c);
    for (const std::string& c : s.drop) schema.drop.push_back(c);
    ds.train = make_table(to_raw(ds.train), schema, ds.train);
    if (ds.test) ds.test = make_table(to_raw(*ds.test), schema, ds.train);
  }
  if (s.exclude_sensitive) ds.schema.sensitive_as_features = false;
  return ds;
}

Splits load_splits(const DataSource& source, uint64_t seed) {
  Dataset ds = load_dataset(source);
  Splits s;
  s.schema = ds.schema;
  s.warnings = ds.warnings;
  Table all = ds.train.drop_missing_rows();
  const bool own_test = ds.test.has_value();
  const std::vector<double> labels = binary_labels(all, ds.schema);
  if (source.folds != 0 && own_test) {
    throw ValueError(fmt::format("{} has its own test file: folds do not apply", source.name));
  }
  Split split = source.folds != 0
                    ? stratified_fold_split(labels, source.folds, source.fold, source.validation_fraction, seed)
                    : stratified_split(labels, source.validation_fraction, own_test ? 0.0 : source.test_fraction, seed);
  s.train = all.select_rows(split.train);
  s.validation = all.select_rows(split.validation);
  s.test = own_test ? ds.test->drop_missing_rows() : all.select_rows(split.test);
  return s;
}

NewRows load_new_rows(const std::string& path, const std::string& delimiter, const Schema& schema) {
  NewRows rows;
  RawTable raw;
  if (is_arff(path)) {
    ArffFile arff = read_arff(path);
    raw = std::move(arff.table);
    rows.warnings = std::move(arff.warnings);
  } else {
    raw = read_csv(path, csv_options(delimiter));
  }
  rows.labelled = raw.has_column(schema.label);
  rows.table = make_unlabelled_table(raw, schema);
  return rows;
}

Schema typed_like(Schema schema, const Table& like) {
  for (const Column& c : like.columns()) {
    if (contains(schema.sensitive, c.name) || contains(schema.numeric, c.name) || contains(schema.categorical, c.name)) {
      continue;
    }
    (c.is_numeric() ? schema.numeric : schema.categorical).push_back(c.name);
  }
  return schema;
}

const Table& split_by_name(const Splits& splits, const std::string& name) {
  if (name == "train") return splits.train;
  if (name == "validation") return splits.validation;
  if (name == "test") return splits.test;
  throw ValueError(fmt::format("unknown split \"{}\" (train, validation, test)", name));
}

}  // namespace candor::datasets
