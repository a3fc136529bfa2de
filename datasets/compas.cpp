// ProPublica's COMPAS two-year recidivism data (compas-scores-two-years.csv), with the filter and
// the model inputs of ProPublica's analysis (propublica/compas-analysis, "Machine Bias", 2016).
// Not shipped: ProPublica states no licence, so the user supplies the file.
#include <filesystem>

#include <fmt/format.h>

#include "datasets/builtin.h"
#include "datasets/errors.h"

namespace candor::datasets {

namespace {

const char* kCompasFile = "compas-scores-two-years.csv";

// ProPublica's logistic-regression inputs and the label. priors_count is the first of the
// header's two priors_count columns (the second is read as "priors_count.1").
// clang-format off
const std::vector<std::string> kCompasColumns = {
    "sex", "age", "age_cat", "race", "juv_fel_count", "juv_misd_count", "juv_other_count",
    "priors_count", "c_charge_degree", "two_year_recid"};
// clang-format on

std::string find_compas(const std::string& data_dir) {
  namespace fs = std::filesystem;
  fs::path direct = fs::path(data_dir) / kCompasFile;
  fs::path nested = fs::path(data_dir) / "compas" / kCompasFile;
  std::error_code ec;
  if (fs::exists(direct, ec)) return direct.string();
  if (fs::exists(nested, ec)) return nested.string();
  throw DataError(
      fmt::format("compas: found neither \"{}\" nor \"{}\"; candor does not ship "
                  "COMPAS (ProPublica states no licence): download {} from "
                  "github.com/propublica/compas-analysis and pass its directory",
                  direct.string(), nested.string(), kCompasFile));
}

// ProPublica's filter (R, dplyr): -30 <= days_b_screening_arrest <= 30, is_recid != -1,
// c_charge_degree != "O", score_text != "N/A". As in R, a missing number fails its test.
std::vector<size_t> propublica_rows(const RawTable& raw) {
  size_t days = raw.column_index("days_b_screening_arrest"), recid = raw.column_index("is_recid");
  size_t degree = raw.column_index("c_charge_degree"), score = raw.column_index("score_text");
  auto number = [&](size_t col, size_t row, double& value) {
    if (raw.missing[col][row]) return false;
    if (!parse_number(raw.cells[col][row], value)) {
      throw DataError(fmt::format("{}: column \"{}\": \"{}\" is not a number", raw.where(row),
                                  raw.names[col], raw.cells[col][row]));
    }
    return true;
  };
  std::vector<size_t> rows;
  for (size_t r = 0; r < raw.rows(); ++r) {
    double d, is_recid;
    bool keep = number(days, r, d) && d >= -30 && d <= 30;
    keep = keep && number(recid, r, is_recid) && is_recid != -1;
    keep = keep && raw.cells[degree][r] != "O" && raw.cells[score][r] != "N/A";
    if (keep) rows.push_back(r);
  }
  return rows;
}

// The columns `names` of `raw`, at rows `rows`.
RawTable subset(const RawTable& raw, const std::vector<std::string>& names,
                const std::vector<size_t>& rows) {
  RawTable out;
  out.source = raw.source;
  out.names = names;
  for (const std::string& name : names) {
    size_t c = raw.column_index(name);
    out.cells.emplace_back();
    out.missing.emplace_back();
    for (size_t r : rows) {
      out.cells.back().push_back(raw.cells[c][r]);
      out.missing.back().push_back(raw.missing[c][r]);
    }
  }
  for (size_t r : rows) out.lines.push_back(raw.lines[r]);
  return out;
}

}  // namespace

Dataset load_compas(const std::string& data_dir) {
  RawTable raw = read_csv(find_compas(data_dir), CsvOptions{});
  Dataset d;
  d.name = "compas";
  d.schema.label = "two_year_recid";  // numeric 0/1: 1 (rearrested within two years) is y = 1
  d.schema.sensitive = {"race", "sex"};
  d.schema.categorical = {"age_cat", "c_charge_degree"};
  d.train = make_table(subset(raw, kCompasColumns, propublica_rows(raw)), d.schema);
  return d;
}

}  // namespace candor::datasets
