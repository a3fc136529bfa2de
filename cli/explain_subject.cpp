#include "cli/explain_subject.h"

#include <cmath>

#include <fmt/format.h>

#include "cli/ebm_run.h"
#include "datasets/encoder.h"
#include "explain/posthoc/table_inputs.h"
#include "nn/run.h"

namespace candor::cli {

namespace {

std::string number_text(double v) { return std::isnan(v) ? "missing" : fmt::format("{:.6g}", v); }

// A standardised number back in raw units; float32 inputs leave ~1e-7 * scale of noise, so a raw
// 0 would read -6.2e-06 without the snap.
double raw_number(double encoded, double mean, double scale) {
  const double v = encoded * scale + mean;
  return std::abs(v) < 1e-5 * scale ? 0.0 : v;
}

ExplainSubject network_subject(const std::string& folder, const std::string& split, const std::string& adapter) {
  auto run = std::make_shared<nn::LoadedRun>(nn::load_run(folder, adapter));
  const datasets::Splits splits = datasets::load_splits(nn::run_data(*run), run->config.seed);
  const datasets::Encoded train = run->encoder.transform(splits.train);
  const datasets::Encoded data = run->encoder.transform(datasets::split_by_name(splits, split));

  ExplainSubject s;
  s.kind = run->config.model.kind;
  s.train = explain::matrix_from_tensor(train.x);
  s.rows = explain::matrix_from_tensor(data.x);
  s.y = data.y.to_vector<double>();
  s.sensitive = data.sensitive;
  s.players = explain::players_of(run->encoder);
  s.displays = explain::displays_of(run->encoder);
  s.network = [model = run->model](const Tensor& x) { return model->forward(x); };
  s.logit = explain::predictor_of(s.network, kFloat32);
  s.to_float64 = [model = run->model] { model->to(kFloat64); };
  // Players in encoder feature order; the encoder features with columns, by name.
  std::vector<datasets::Encoder::Feature> features;
  for (const auto& f : run->encoder.features()) {
    for (const auto& p : s.players) {
      if (p.name == f.column) features.push_back(f);
    }
  }
  const bool one_hot = run->encoder.options().one_hot;
  s.value_text = [features, players = s.players, one_hot](const explain::Matrix& m, size_t row, size_t p) {
    const auto& f = features[p];
    const auto& columns = players[p].columns;
    if (f.type == datasets::ColumnType::Numeric) return number_text(raw_number(m(row, columns[0]), f.mean, f.scale));
    if (!one_hot) {
      const double code = m(row, columns[0]);
      return code >= 0 && code < static_cast<double>(f.categories.size()) ? f.categories[static_cast<size_t>(code)]
                                                                           : std::string("(unseen)");
    }
    for (size_t i = 0; i < columns.size(); ++i) {
      if (m(row, columns[i]) == 1.0) return f.categories[i];
    }
    return std::string("(unseen)");
  };
  s.owner = run;
  return s;
}

ExplainSubject ebm_subject(const std::string& folder, const std::string& split) {
  auto run = std::make_shared<LoadedEbm>(load_ebm_run(folder));
  datasets::EncoderOptions options;
  options.missing = datasets::EncoderOptions::Missing::Impute;
  options.allow_no_features = true;
  // The encoder gives the labels and groups of the rows it keeps (those with a label and groups).
  const datasets::Encoder encoder = datasets::Encoder::fit(run->splits.train, run->splits.schema, options);
  const datasets::Table& table = datasets::split_by_name(run->splits, split);
  const datasets::Encoded data = encoder.transform(table);
  const datasets::Table kept = table.select_rows(data.kept_rows);
  const explain::TableInputs inputs =
      explain::TableInputs::fit({&run->splits.train, &kept}, explain::ebm_columns(run->model));

  ExplainSubject s;
  s.kind = "ebm";
  s.train = inputs.encode(run->splits.train);
  s.rows = inputs.encode(kept);
  s.y = data.y.to_vector<double>();
  s.sensitive = data.sensitive;
  s.players = inputs.players();
  for (size_t j = 0; j < s.players.size(); ++j) {
    explain::PlayerDisplay d;
    d.categorical = !inputs.is_numeric(j);
    if (d.categorical) d.categories = inputs.categories(j);
    s.displays.push_back(d);
  }
  s.logit = explain::ebm_predictor(run->model, inputs);
  s.value_text = [inputs](const explain::Matrix& m, size_t row, size_t p) {
    const datasets::Column c = inputs.decode(m.take_rows({row})).columns()[p];
    if (c.missing[0]) return std::string("missing");
    return c.is_numeric() ? number_text(c.numbers[0]) : c.values[0];
  };
  s.owner = run;
  return s;
}

}  // namespace

void use_float64(ExplainSubject& subject) {
  if (!subject.to_float64) throw Error(fmt::format("a {} model has no float64 form", subject.kind));
  subject.to_float64();
  subject.logit = explain::predictor_of(subject.network, kFloat64);
}

ExplainSubject load_explain_subject(const std::string& run, const std::string& split, const std::string& adapter) {
  if (is_ebm_run(run)) {
    if (!adapter.empty()) throw Error("an EBM run takes no --adapter");
    return ebm_subject(run, split);
  }
  return network_subject(run, split, adapter);
}

}  // namespace candor::cli
