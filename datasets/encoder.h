// Turns a typed Table into tensors: features x, labels y, sensitive group ids and sample weights.
// An Encoder is fitted on the training split only and then applied unchanged to every split, so
// no statistic of the validation or test rows leaks into the model's inputs.
//
// Features are the table's columns in table order, minus the label, the weight column, the
// schema's dropped columns and (unless `sensitive_as_features`) the sensitive columns.
// - numeric: (x - mean) / std with the training mean and std (ddof = 0; a constant column keeps
//   scale 1), or the raw value without `standardize`. Feature name: the column name.
// - categorical, one-hot: one 0/1 feature per category seen in training, categories sorted
//   (byte order) for determinism; names "workclass=Private". An unseen category gives all zeros
//   (Unseen::Ignore) or a DataError (Unseen::Error).
// - categorical, ordinal (`one_hot` false): the category's index in the sorted list, -1 for an
//   unseen one under Ignore; never standardised. Name: the column name.
// - numeric_bins > 0: each numeric feature also keeps the edges of up to that many quantile bins
//   of its training values (datasets/quantile_edges.h), in encoded units, for a model that encodes
//   the number piecewise-linearly (nn/piecewise_linear.h). x itself is the same either way.
// Missing values: Missing::Drop drops the row (kept_rows lists the survivors); Missing::Impute
// fills features with the training mean (numeric) or most frequent category (ties: the first in
// sorted order). Rows whose label, sensitive value or weight is missing are dropped either way.
// Labels: y = 1 when the label is one of schema.positive_labels; numeric labels with no positive
// labels given: y = 1 when the value is not 0 (see LabelRule in labels.h).
// Group ids: index of the value in the sorted sensitive values seen in training; an unseen value
// at transform is a DataError naming value and column. A binned sensitive column (numeric, with
// cut points c_1 < ... < c_k) has the groups "<c_1", "[c_1, c_2)", ..., ">=c_k" in that order,
// and a row's id is the number of cut points <= its value.
// Sensitive columns the schema drops, or all of them without `sensitive_as_features`, are group
// labels only, not features (Fairlearn's usual set-up: audit by an attribute the model never sees).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/labels.h"
#include "datasets/sensitive.h"
#include "datasets/table.h"
#include "engine/tensor.h"

namespace candor::datasets {

struct EncoderOptions {
  enum class Missing { Drop, Impute } missing = Missing::Drop;
  enum class Unseen { Ignore, Error } unseen = Unseen::Ignore;
  bool standardize = true;
  bool one_hot = true;  // false: ordinal codes
  int64_t numeric_bins = 0;  // > 0: fit quantile bin edges for each numeric feature (see above)
  static constexpr int64_t kMaxNumericBins = 1024;
  // A schema that leaves no feature column is a DataError (usually a mistake), unless this is
  // set: then x is [N, 0] and the encoder serves the label, group ids and weights only (a text
  // model builds its x from token ids).
  bool allow_no_features = false;
};

struct Encoded {
  Tensor x;                       // [N, F] float32
  Tensor y;                       // [N] float32, 0/1
  std::vector<SensitiveFeature> sensitive;  // per sensitive column: group ids [N] and names
  Tensor weight;                  // [N] float32, ones unless the schema names a weight column
  std::vector<size_t> kept_rows;  // the table rows these N rows came from
};

class Encoder {
 public:
  // One input column's encoding, fitted on the training rows.
  struct Feature {
    std::string column;
    ColumnType type = ColumnType::Numeric;
    double mean = 0, scale = 1;           // numeric: (x - mean) / scale
    double fill = 0;                      // numeric: imputed value (training mean)
    std::vector<double> edges;            // numeric, numeric_bins > 0: bin edges, encoded units
    std::vector<std::string> categories;  // categorical: sorted training values
    std::string fill_category;            // categorical: imputed value (most frequent)
  };

  static Encoder fit(const Table& train, const Schema& schema, const EncoderOptions& options = {});
  // Needs every column the encoder was fitted on (DataError naming a missing one), with the
  // same types.
  Encoded transform(const Table& table) const;
  // New rows to score, which need not have the label: y is left undefined, and only a missing
  // input drops a row (a missing label, group or weight does not). Sensitive columns the table
  // lacks (and the model does not read) are left out of `sensitive`; a group value training never
  // saw, or a missing one (named ""), gets an id after the training groups.
  Encoded transform_unlabelled(const Table& table) const;
  // The schema this encoder was fitted with (label, positive labels, sensitive columns and bins,
  // weight) with every column it reads forced to the type it had at fit (sensitive ones
  // categorical unless binned): type a new file with make_unlabelled_table(raw, schema()).
  Schema schema() const;

  const std::vector<std::string>& feature_names() const { return feature_names_; }
  size_t num_features() const { return feature_names_.size(); }
  const std::vector<Feature>& features() const { return features_; }
  const std::string& label() const { return label_; }
  const std::vector<std::string>& sensitive() const { return sensitive_; }
  // The cut points of a binned sensitive column (empty for a categorical one).
  std::vector<double> sensitive_bins(size_t sensitive_index) const;
  // Group id -> value for sensitive column `sensitive_index`, e.g. {"Female", "Male"}.
  const std::vector<std::string>& group_names(size_t sensitive_index) const;
  const EncoderOptions& options() const { return options_; }
  // The piecewise-linear bins of all numeric features together: sum of (edges - 1).
  int64_t numeric_bin_count() const;

  // Everything transform needs, as JSON (stored in checkpoint metadata); from_json(to_json())
  // encodes exactly as the original. Bad JSON throws DataError.
  nlohmann::json to_json() const;
  static Encoder from_json(const nlohmann::json& json);

 private:
  Encoded encode(const Table& table, bool labelled) const;
  std::vector<size_t> usable_rows(const Table& table, bool labelled) const;
  void check_columns(const Table& table, bool labelled) const;
  void finish();  // derives feature_names_ and label_rule_ from the fitted state

  EncoderOptions options_;
  std::string label_;
  ColumnType label_type_ = ColumnType::Numeric;
  std::vector<std::string> positive_labels_;
  LabelRule label_rule_;
  std::vector<std::string> sensitive_;
  std::vector<std::vector<std::string>> groups_;
  std::map<std::string, std::vector<double>> bins_;  // binned sensitive columns' cut points
  std::string weight_;
  std::vector<Feature> features_;
  std::vector<std::string> feature_names_;
};

}  // namespace candor::datasets
