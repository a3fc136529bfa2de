#include "nn/text_data.h"

#include <algorithm>

#include <fmt/format.h>

#include "datasets/errors.h"
#include "engine/error.h"
#include "engine/ops/ops.h"

namespace candor::nn {

datasets::Encoder fit_text_label_encoder(const datasets::Table& train, const datasets::Schema& schema) {
  datasets::Schema labels_only = schema;
  labels_only.sensitive_as_features = false;
  for (const std::string& name : train.column_names()) {
    if (name != schema.label && name != schema.weight) labels_only.drop.push_back(name);
  }
  datasets::EncoderOptions options;
  options.allow_no_features = true;
  return datasets::Encoder::fit(train, labels_only, options);
}

datasets::Encoded encode_text(const datasets::Table& table, const datasets::Encoder& encoder,
                              const Gpt2Tokenizer& tokenizer, const std::string& text_column,
                              int64_t max_length, int64_t pad_id) {
  if (max_length < 1) throw ValueError(fmt::format("max_length must be at least 1, got {}", max_length));
  const datasets::Column& column = table.column(text_column);
  if (column.type != datasets::ColumnType::Categorical) {
    throw datasets::DataError(fmt::format("text column \"{}\" holds numbers, not text", text_column));
  }
  datasets::Encoded out = encoder.transform(table);
  std::vector<std::vector<int64_t>> rows;
  size_t longest = 0;
  for (size_t row : out.kept_rows) {
    std::vector<int64_t> ids = tokenizer.encode(column.values[row]);
    if (ids.empty()) throw datasets::DataError(fmt::format("row {}: column \"{}\" is empty", row + 1, text_column));
    if (static_cast<int64_t>(ids.size()) > max_length) ids.resize(static_cast<size_t>(max_length));
    longest = std::max(longest, ids.size());
    rows.push_back(std::move(ids));
  }
  std::vector<int64_t> flat(rows.size() * longest, pad_id);
  for (size_t i = 0; i < rows.size(); ++i) std::copy(rows[i].begin(), rows[i].end(), flat.begin() + i * longest);
  out.x = from_vector(flat, {static_cast<int64_t>(rows.size()), static_cast<int64_t>(longest)});
  return out;
}

int64_t text_pad_id(const Gpt2Tokenizer& tokenizer) {
  std::optional<int64_t> eos = tokenizer.token_id("<|endoftext|>");
  if (!eos) throw ValueError("the tokenizer's vocabulary has no \"<|endoftext|>\" token to pad with");
  return *eos;
}

}  // namespace candor::nn
