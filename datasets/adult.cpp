// UCI Adult as published: adult.data (train) and adult.test (test), ", "-separated, no header.
#include <filesystem>

#include "datasets/builtin.h"

namespace candor::datasets {

namespace {
// The column names from adult.names, in file order; income is the label.
// clang-format off
const std::vector<std::string> kAdultColumns = {
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week",
    "native-country", "income"};
// clang-format on
}  // namespace

Dataset load_adult(const std::string& data_dir) {
  Dataset d;
  d.name = "adult";
  d.schema.label = "income";
  d.schema.positive_labels = {">50K", ">50K."};  // adult.test writes its labels with a final "."
  d.schema.sensitive = {"sex", "race"};
  CsvOptions options;
  options.header = false;
  options.column_names = kAdultColumns;  // "," with trimming reads the ", " separator; "?" missing
  std::filesystem::path dir = std::filesystem::path(data_dir) / "adult";
  d.train = make_table(read_csv((dir / "adult.data").string(), options), d.schema);
  // adult.test opens with "|1x3 Cross validator"; copies that removed it are read whole.
  std::string test_path = (dir / "adult.test").string();
  std::string test_text = read_text_file(test_path);
  options.skip_lines = !test_text.empty() && test_text[0] == '|' ? 1 : 0;
  d.test = make_table(parse_csv(test_text, options, test_path), d.schema, d.train);
  return d;
}

}  // namespace candor::datasets
