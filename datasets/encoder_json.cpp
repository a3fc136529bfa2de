// Encoder <-> JSON. Numbers are JSON doubles, which nlohmann writes in their shortest
// round-trip form, so a parsed copy encodes bit for bit as the original.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "datasets/encoder.h"
#include "datasets/errors.h"
#include "datasets/json_integer.h"

namespace candor::datasets {

namespace {

constexpr const char* kFormat = "candor.encoder";
constexpr int kVersion = 1;

std::string type_string(ColumnType type) {
  return type == ColumnType::Numeric ? "numeric" : "categorical";
}

ColumnType parse_type(const std::string& s) {
  if (s == "numeric") return ColumnType::Numeric;
  if (s == "categorical") return ColumnType::Categorical;
  throw DataError(
      fmt::format("encoder json: unknown column type \"{}\" (numeric, categorical)", s));
}

template <typename E>
E parse_enum(const std::string& s, const char* what,
             std::initializer_list<std::pair<const char*, E>> options) {
  std::string known;
  for (const auto& [name, value] : options) {
    if (s == name) return value;
    known += (known.empty() ? "" : ", ") + std::string(name);
  }
  throw DataError(fmt::format("encoder json: unknown {} \"{}\" ({})", what, s, known));
}

bool increasing_finite(const std::vector<double>& v) {
  return std::adjacent_find(v.begin(), v.end(), [](double a, double b) { return !(b > a); }) == v.end() &&
         std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

}  // namespace

nlohmann::json Encoder::to_json() const {
  using Missing = EncoderOptions::Missing;
  using Unseen = EncoderOptions::Unseen;
  nlohmann::json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["options"] = {{"missing", options_.missing == Missing::Drop ? "drop" : "impute"},
                  {"unseen", options_.unseen == Unseen::Ignore ? "ignore" : "error"},
                  {"standardize", options_.standardize},
                  {"one_hot", options_.one_hot},
                  {"numeric_bins", options_.numeric_bins}};
  j["label"] = {
      {"column", label_}, {"type", type_string(label_type_)}, {"positive", positive_labels_}};
  j["sensitive"] = nlohmann::json::array();
  for (size_t s = 0; s < sensitive_.size(); ++s) {
    j["sensitive"].push_back({{"column", sensitive_[s]}, {"groups", groups_[s]}});
    if (bins_.count(sensitive_[s])) j["sensitive"].back()["bins"] = bins_.at(sensitive_[s]);
  }
  j["weight"] = weight_;
  j["features"] = nlohmann::json::array();
  for (const Feature& f : features_) {
    nlohmann::json jf = {{"column", f.column}, {"type", type_string(f.type)}};
    if (f.type == ColumnType::Numeric) {
      jf["mean"] = f.mean;
      jf["scale"] = f.scale;
      jf["fill"] = f.fill;
      if (!f.edges.empty()) jf["edges"] = f.edges;
    } else {
      jf["categories"] = f.categories;
      jf["fill"] = f.fill_category;
    }
    j["features"].push_back(jf);
  }
  return j;
}

Encoder Encoder::from_json(const nlohmann::json& j) {
  using Missing = EncoderOptions::Missing;
  using Unseen = EncoderOptions::Unseen;
  Encoder e;
  try {
    if (!j.is_object() || j.value("format", "") != kFormat) {
      throw DataError(
          fmt::format("encoder json: not a candor encoder (expected \"format\": \"{}\")", kFormat));
    }
    int version = json_integer<int>(j.at("version"));
    if (version != kVersion) {
      throw DataError(fmt::format("encoder json: version {} is not supported (this build reads {})",
                                  version, kVersion));
    }
    const nlohmann::json& o = j.at("options");
    e.options_.missing =
        parse_enum<Missing>(o.at("missing").get<std::string>(), "missing policy",
                            {{"drop", Missing::Drop}, {"impute", Missing::Impute}});
    e.options_.unseen = parse_enum<Unseen>(o.at("unseen").get<std::string>(), "unseen policy",
                                           {{"ignore", Unseen::Ignore}, {"error", Unseen::Error}});
    e.options_.standardize = o.at("standardize").get<bool>();
    e.options_.one_hot = o.at("one_hot").get<bool>();
    e.options_.numeric_bins = o.contains("numeric_bins") ? json_integer<int64_t>(o.at("numeric_bins")) : 0;  // absent before
    if (e.options_.numeric_bins < 0 || e.options_.numeric_bins > EncoderOptions::kMaxNumericBins) {
      throw DataError(fmt::format("encoder json: numeric_bins {} is outside [0, {}]", e.options_.numeric_bins,
                                  EncoderOptions::kMaxNumericBins));
    }
    const nlohmann::json& label = j.at("label");
    e.label_ = label.at("column").get<std::string>();
    e.label_type_ = parse_type(label.at("type").get<std::string>());
    e.positive_labels_ = label.at("positive").get<std::vector<std::string>>();
    for (const nlohmann::json& s : j.at("sensitive")) {
      e.sensitive_.push_back(s.at("column").get<std::string>());
      e.groups_.push_back(s.at("groups").get<std::vector<std::string>>());
      if (s.contains("bins")) {
        std::vector<double> cuts = s.at("bins").get<std::vector<double>>();
        if (cuts.empty() || !increasing_finite(cuts) || cuts.size() + 1 != e.groups_.back().size()) {
          throw DataError(fmt::format("encoder json: sensitive column \"{}\" has bad bins", e.sensitive_.back()));
        }
        e.bins_[e.sensitive_.back()] = cuts;
      }
    }
    e.weight_ = j.at("weight").get<std::string>();
    for (const nlohmann::json& jf : j.at("features")) {
      Feature f;
      f.column = jf.at("column").get<std::string>();
      f.type = parse_type(jf.at("type").get<std::string>());
      if (f.type == ColumnType::Numeric) {
        f.mean = jf.at("mean").get<double>();
        f.scale = jf.at("scale").get<double>();
        f.fill = jf.at("fill").get<double>();
        if (jf.contains("edges")) f.edges = jf.at("edges").get<std::vector<double>>();
        if (!increasing_finite(f.edges)) {
          throw DataError(fmt::format("encoder json: feature \"{}\" has bin edges that are not finite and increasing",
                                      f.column));
        }
        if (!(f.scale > 0)) {
          throw DataError(fmt::format("encoder json: feature \"{}\" has scale {} (must be > 0)",
                                      f.column, f.scale));
        }
      } else {
        f.categories = jf.at("categories").get<std::vector<std::string>>();
        f.fill_category = jf.at("fill").get<std::string>();
      }
      e.features_.push_back(std::move(f));
    }
  } catch (const nlohmann::json::exception& err) {
    throw DataError(fmt::format("encoder json: {}", err.what()));
  }
  e.finish();
  return e;
}

}  // namespace candor::datasets
