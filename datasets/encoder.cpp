#include "datasets/encoder.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "datasets/errors.h"
#include "datasets/quantile_edges.h"
#include "engine/ops/ops.h"

namespace candor::datasets {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

const char* type_name(ColumnType type) {
  return type == ColumnType::Numeric ? "numeric" : "categorical";
}

// Column `name` of `table`, or DataError `encoder (label): unknown column "income" (columns: ...)`.
const Column& need(const Table& table, const std::string& name, const char* role) {
  if (!table.has_column(name)) {
    throw unknown_column(name, table.column_names(), fmt::format("encoder ({})", role));
  }
  return table.column(name);
}

// Mean and population standard deviation (ddof = 0) of the non-missing values at `rows`.
std::pair<double, double> mean_std(const Column& c, const std::vector<size_t>& rows) {
  double sum = 0, n = 0;
  for (size_t r : rows) {
    if (!c.missing[r]) sum += c.numbers[r], n += 1;
  }
  if (n == 0) {
    throw DataError(
        fmt::format("encoder: numeric column \"{}\" has no value in the training rows", c.name));
  }
  double mean = sum / n, squares = 0;
  for (size_t r : rows) {
    if (!c.missing[r]) squares += (c.numbers[r] - mean) * (c.numbers[r] - mean);
  }
  const double std = std::sqrt(squares / n);
  if (!std::isfinite(mean) || !std::isfinite(std)) {
    // Values near the double's range (1e308) overflow the sums: the encoder could not be saved or
    // used, so the column is refused here, before any training.
    double largest = 0;
    for (size_t r : rows) {
      if (!c.missing[r]) largest = std::max(largest, std::abs(c.numbers[r]));
    }
    throw DataError(fmt::format("encoder: numeric column {} holds values as large as {:g}: its mean or standard "
                                "deviation overflows; rescale the column",
                                quote_value(c.name), largest));
  }
  return {mean, std};
}

// Sorted distinct non-missing values at `rows`, and the most frequent (ties: first in order).
std::pair<std::vector<std::string>, std::string> categories_of(const Column& c,
                                                               const std::vector<size_t>& rows) {
  std::map<std::string, size_t> counts;
  for (size_t r : rows) {
    if (!c.missing[r]) ++counts[c.values[r]];
  }
  std::vector<std::string> sorted;
  std::string most;
  size_t best = 0;
  for (const auto& [value, count] : counts) {
    sorted.push_back(value);
    if (count > best) best = count, most = value;
  }
  return {sorted, most};
}

std::unordered_map<std::string, int64_t> index_of(const std::vector<std::string>& values) {
  std::unordered_map<std::string, int64_t> index;
  for (size_t i = 0; i < values.size(); ++i) index[values[i]] = static_cast<int64_t>(i);
  return index;
}

}  // namespace

Encoder Encoder::fit(const Table& train, const Schema& schema, const EncoderOptions& options) {
  if (schema.label.empty()) throw DataError("encoder: the schema names no label column");
  if (options.numeric_bins < 0 || options.numeric_bins > EncoderOptions::kMaxNumericBins) {
    throw ValueError(fmt::format("encoder: numeric_bins must be in [0, {}], got {}", EncoderOptions::kMaxNumericBins,
                                 options.numeric_bins));
  }
  Encoder e;
  e.options_ = options;
  e.label_ = schema.label;
  e.label_type_ = need(train, schema.label, "label").type;
  e.positive_labels_ = schema.positive_labels;
  e.sensitive_ = schema.sensitive;
  e.bins_ = schema.sensitive_bins;
  e.weight_ = schema.weight;
  for (const Column& c : train.columns()) {
    bool input = c.name != schema.label && c.name != schema.weight &&
                 !contains(schema.drop, c.name) &&
                 (schema.sensitive_as_features || !contains(schema.sensitive, c.name));
    if (input) e.features_.push_back(Feature{c.name, c.type, 0, 1, 0, {}, {}, ""});
  }
  if (e.features_.empty() && !options.allow_no_features) {
    throw DataError(
        fmt::format("encoder: no feature columns (columns: {})", join_names(train.column_names())));
  }
  e.check_columns(train, true);
  std::vector<size_t> rows = e.usable_rows(train, true);
  if (rows.empty()) {
    throw DataError(
        fmt::format("encoder: no training rows left out of {} after dropping rows with "
                    "missing values",
                    train.rows()));
  }

  const Column& label = train.column(e.label_);
  if (!label.is_numeric()) {
    auto [values, most] = categories_of(label, rows);
    if (e.positive_labels_.empty()) {
      throw DataError(
          fmt::format("encoder: label column \"{}\" is categorical: the schema must "
                      "name its positive values (values: {})",
                      e.label_, join_names(values)));
    }
    bool any = std::any_of(values.begin(), values.end(),
                           [&](const std::string& v) { return contains(e.positive_labels_, v); });
    if (!any) {
      throw DataError(
          fmt::format("encoder: no positive label ({}) occurs in label column \"{}\" "
                      "of the training rows (values: {})",
                      join_names(e.positive_labels_), e.label_, join_names(values)));
    }
  }
  for (const std::string& s : e.sensitive_) {
    auto bins = e.bins_.find(s);
    e.groups_.push_back(bins != e.bins_.end() ? bin_labels(bins->second) : categories_of(train.column(s), rows).first);
  }

  for (Feature& f : e.features_) {
    const Column& c = train.column(f.column);
    if (f.type == ColumnType::Numeric) {
      auto [mean, std] = mean_std(c, rows);
      f.fill = mean;
      if (options.standardize) f.mean = mean, f.scale = std > 0 ? std : 1.0;
      if (options.numeric_bins > 0) {
        std::vector<double> values;
        for (size_t r : rows) {
          if (!c.missing[r]) values.push_back(c.numbers[r]);
        }
        // In encoded units; an edge too close to the last to differ from it in float32 (the
        // model's precision) is dropped, so every bin has a finite slope there.
        for (double edge : quantile_edges(std::move(values), options.numeric_bins)) {
          const double encoded = (edge - f.mean) / f.scale;
          if (f.edges.empty() || distinct_in_float32(f.edges.back(), encoded)) f.edges.push_back(encoded);
        }
      }
    } else {
      std::tie(f.categories, f.fill_category) = categories_of(c, rows);
      if (f.categories.empty()) {
        throw DataError(
            fmt::format("encoder: categorical column \"{}\" has no value in the "
                        "training rows",
                        f.column));
      }
    }
  }
  e.finish();
  return e;
}

void Encoder::finish() {
  feature_names_.clear();
  for (const Feature& f : features_) {
    if (f.type == ColumnType::Categorical && options_.one_hot) {
      for (const std::string& v : f.categories) feature_names_.push_back(f.column + "=" + v);
    } else {
      feature_names_.push_back(f.column);
    }
  }
  label_rule_ = LabelRule(label_, label_type_, positive_labels_);
}

void Encoder::check_columns(const Table& table, bool labelled) const {
  auto check_type = [&](const Column& c, ColumnType fitted) {
    if (c.type != fitted) {
      throw DataError(
          fmt::format("encoder: column \"{}\" is {} here but was {} when the encoder "
                      "was fitted (type the table like the training table: "
                      "make_table(raw, schema, train))",
                      c.name, type_name(c.type), type_name(fitted)));
    }
  };
  if (labelled) check_type(need(table, label_, "label"), label_type_);
  for (const std::string& s : sensitive_) {
    if (!labelled && !table.has_column(s)) continue;
    const bool binned = bins_.count(s) > 0;
    if (need(table, s, "sensitive").is_numeric() != binned) {
      throw DataError(fmt::format("encoder: sensitive column \"{}\" must be {} (type the table with make_table "
                                  "and the encoder's schema())",
                                  s, binned ? "numeric: it is binned" : "categorical"));
    }
  }
  if (!weight_.empty() && (labelled || table.has_column(weight_)) && !need(table, weight_, "weight").is_numeric()) {
    throw DataError(fmt::format("encoder: weight column \"{}\" must be numeric", weight_));
  }
  for (const Feature& f : features_) check_type(need(table, f.column, "feature"), f.type);
}

std::vector<size_t> Encoder::usable_rows(const Table& table, bool labelled) const {
  // Rows to score need their inputs only: a missing group label or weight does not stop scoring.
  std::vector<const Column*> required;
  if (labelled) {
    required.push_back(&table.column(label_));
    for (const std::string& s : sensitive_) required.push_back(&table.column(s));
    if (!weight_.empty()) required.push_back(&table.column(weight_));
  }
  if (options_.missing == EncoderOptions::Missing::Drop) {
    for (const Feature& f : features_) required.push_back(&table.column(f.column));
  }
  std::vector<size_t> rows;
  for (size_t r = 0; r < table.rows(); ++r) {
    if (std::none_of(required.begin(), required.end(),
                     [&](const Column* c) { return c->missing[r]; })) {
      rows.push_back(r);
    }
  }
  return rows;
}

Encoded Encoder::transform(const Table& table) const { return encode(table, true); }

Encoded Encoder::transform_unlabelled(const Table& table) const { return encode(table, false); }

Encoded Encoder::encode(const Table& table, bool labelled) const {
  check_columns(table, labelled);
  Encoded out;
  out.kept_rows = usable_rows(table, labelled);
  const std::vector<size_t>& rows = out.kept_rows;
  const auto n = static_cast<int64_t>(rows.size());
  const size_t width = feature_names_.size();

  // x: [N, F], filled one input column at a time; `offset` is the column's first feature.
  std::vector<float> x(rows.size() * width, 0.0f);
  size_t offset = 0;
  for (const Feature& f : features_) {
    const Column& c = table.column(f.column);
    if (f.type == ColumnType::Numeric) {
      for (size_t i = 0; i < rows.size(); ++i) {
        double v = c.missing[rows[i]] ? f.fill : c.numbers[rows[i]];
        x[i * width + offset] = static_cast<float>((v - f.mean) / f.scale);
      }
      ++offset;
      continue;
    }
    auto index = index_of(f.categories);
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string& v = c.missing[rows[i]] ? f.fill_category : c.values[rows[i]];
      auto it = index.find(v);
      if (it == index.end() && options_.unseen == EncoderOptions::Unseen::Error) {
        throw DataError(
            fmt::format("encoder: column \"{}\" has category \"{}\" (table row {}) that "
                        "the training rows do not have (categories: {})",
                        f.column, v, rows[i], join_names(f.categories)));
      }
      if (options_.one_hot) {
        if (it != index.end()) x[i * width + offset + static_cast<size_t>(it->second)] = 1.0f;
      } else {
        x[i * width + offset] = it != index.end() ? static_cast<float>(it->second) : -1.0f;
      }
    }
    offset += options_.one_hot ? f.categories.size() : 1;
  }
  out.x = from_vector(x, {n, static_cast<int64_t>(width)});

  if (labelled) {
    const Column& label = table.column(label_);
    std::vector<float> y(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) y[i] = label_rule_(label, rows[i]);
    out.y = from_vector(y, {n});
  }

  for (size_t s = 0; s < sensitive_.size(); ++s) {
    if (!table.has_column(sensitive_[s])) continue;  // unlabelled rows without it (check_columns)
    const Column& c = table.column(sensitive_[s]);
    const auto bins = bins_.find(sensitive_[s]);
    // New rows to score may show a group training never saw, or none (a missing value, named
    // ""): they get ids after the training groups. Labelled rows may not (the ids must mean
    // what they meant in training).
    std::vector<std::string> groups = groups_[s];
    auto index = index_of(groups);
    auto id_of = [&](const std::string& value, size_t row) {
      auto it = index.find(value);
      if (it != index.end()) return it->second;
      if (labelled) {
        throw DataError(fmt::format("encoder: sensitive column \"{}\" has value \"{}\" (table row {}) that the "
                                    "training rows do not have (groups: {})",
                                    sensitive_[s], value, row, join_names(groups_[s])));
      }
      groups.push_back(value);
      return index[value] = static_cast<int64_t>(groups.size() - 1);
    };
    std::vector<int64_t> ids(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      const size_t row = rows[i];
      if (c.missing[row]) {
        ids[i] = id_of("", row);
      } else {
        ids[i] = bins != bins_.end() ? bin_of(bins->second, c.numbers[row]) : id_of(c.values[row], row);
      }
    }
    out.sensitive.push_back({sensitive_[s], groups, from_vector(ids, {n})});
  }

  std::vector<float> weight(rows.size(), 1.0f);
  if (!weight_.empty() && table.has_column(weight_)) {
    const Column& w = table.column(weight_);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (w.missing[rows[i]]) continue;  // only new rows get here with a missing weight: it stays 1
      double v = w.numbers[rows[i]];
      if (!(v >= 0) || !std::isfinite(v)) {
        throw DataError(
            fmt::format("encoder: weight column \"{}\" has value {} (table row {}); "
                        "weights must be finite and >= 0",
                        weight_, v, rows[i]));
      }
      weight[i] = static_cast<float>(v);
    }
  }
  out.weight = from_vector(weight, {n});
  return out;
}

int64_t Encoder::numeric_bin_count() const {
  int64_t bins = 0;
  for (const Feature& f : features_) {
    if (f.edges.size() > 1) bins += static_cast<int64_t>(f.edges.size()) - 1;
  }
  return bins;
}

std::vector<double> Encoder::sensitive_bins(size_t sensitive_index) const {
  auto it = bins_.find(sensitive_.at(sensitive_index));
  return it == bins_.end() ? std::vector<double>{} : it->second;
}

Schema Encoder::schema() const {
  Schema s;
  s.label = label_;
  s.positive_labels = positive_labels_;
  s.sensitive = sensitive_;
  s.sensitive_bins = bins_;
  s.weight = weight_;
  (label_type_ == ColumnType::Numeric ? s.numeric : s.categorical).push_back(label_);
  // Group labels stay categories (number codes included); binned ones are numbers (sensitive_bins).
  for (const std::string& name : sensitive_) {
    if (!bins_.count(name)) s.categorical.push_back(name);
  }
  for (const Feature& f : features_) {
    bool sensitive = std::find(sensitive_.begin(), sensitive_.end(), f.column) != sensitive_.end();
    if (!sensitive) (f.type == ColumnType::Numeric ? s.numeric : s.categorical).push_back(f.column);
  }
  s.sensitive_as_features = std::all_of(sensitive_.begin(), sensitive_.end(), [&](const std::string& name) {
    return std::any_of(features_.begin(), features_.end(), [&](const Feature& f) { return f.column == name; });
  });
  return s;
}

const std::vector<std::string>& Encoder::group_names(size_t sensitive_index) const {
  if (sensitive_index >= groups_.size()) {
    throw IndexError(
        fmt::format("encoder: sensitive column index {} is out of range ({} sensitive "
                    "columns)",
                    sensitive_index, groups_.size()));
  }
  return groups_[sensitive_index];
}

}  // namespace candor::datasets
