// The piecewise-linear encoding layer (nn/piecewise_linear.h) and the MLP built on it.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "datasets/builtin.h"
#include "datasets/csv.h"
#include "datasets/encoder.h"
#include "engine/engine.h"
#include "nn/layers.h"
#include "nn/piecewise_linear.h"
#include "nn/run.h"
#include "nn/tabular.h"
#include "tests/support/checks.h"
#include "tests/support/temp_dir.h"

using namespace candor;

namespace {

datasets::Schema schema() {
  datasets::Schema s;
  s.label = "label";
  s.positive_labels = {"yes"};
  s.sensitive = {"sex"};
  return s;
}

// Raw edges chosen to be easy to read: with numeric_bins 2, age's quantiles are 20, 40, 60 and
// gain's (0 an atom) 0 and 100. Standardisation is off, so encoded units are raw units.
datasets::Encoder small_encoder() {
  const char* csv =
      "age,job,gain,sex,label\n"
      "20,clerk,0,F,no\n"
      "30,smith,0,M,yes\n"
      "40,clerk,0,M,yes\n"
      "50,baker,100,F,no\n"
      "60,baker,0,M,yes\n";
  datasets::EncoderOptions o;
  o.numeric_bins = 2;
  o.standardize = false;
  return datasets::Encoder::fit(datasets::make_table(datasets::parse_csv(csv, {}), schema()), schema(), o);
}

}  // namespace

TEST_CASE("piecewise linear: each bin reads 0 below, 1 above and the position inside it") {
  const datasets::Encoder encoder = small_encoder();
  // Columns: age, job=baker, job=clerk, job=smith, gain, sex=F, sex=M.
  REQUIRE(encoder.num_features() == 7);
  nn::PiecewiseLinear layer(encoder);
  CHECK(layer.in_features() == 7);
  CHECK(layer.out_features() == 10);  // age's 2 bins, gain's 1
  const Tensor x = from_vector(std::vector<float>{25, 1, 0, 0, 0, 0, 1,  //
                                                  50, 0, 1, 0, 250, 1, 0,  //
                                                  10, 0, 0, 1, 50, 0, 1},
                               {3, 7});
  const std::vector<float> y = layer(x).to_vector<float>();
  const std::vector<float> want = {25, 1, 0, 0, 0,   0, 1, 0.25f, 0,    0,     //
                                   50, 0, 1, 0, 250, 1, 0, 1,     0.5f, 1,     //
                                   10, 0, 0, 1, 50,  0, 1, 0,     0,    0.5f};
  REQUIRE(y.size() == want.size());
  for (size_t i = 0; i < y.size(); ++i) CHECK_MESSAGE(y[i] == doctest::Approx(want[i]), "value " << i);

  testing::check_throws<ShapeError>([&] { layer(from_vector(std::vector<float>(6, 0.0f), {1, 6})); },
                                    {"PiecewiseLinear", "[N, 7]", "[1, 6]"});
}

TEST_CASE("piecewise linear: gradient w.r.t. the input in float64") {
  nn::PiecewiseLinear layer(small_encoder());
  layer.to(kFloat64);
  // Points inside bins (the slope there) and outside every bin (slope 0), away from the kinks.
  Tensor x = from_vector(std::vector<double>{25, 1, 0, 0, 30, 0, 1,  //
                                             47, 0, 1, 0, 150, 1, 0,  //
                                             12, 0, 0, 1, 63, 0.3, 0.7},
                         {3, 7});
  CHECK(testing::gradcheck("PiecewiseLinear w.r.t. x", [&](const std::vector<Tensor>& in) { return layer(in[0]); }, {x}));
}

TEST_CASE("piecewise linear: edges that float32 cannot tell apart are refused") {
  nlohmann::json j = small_encoder().to_json();
  j["features"][0]["edges"] = {1.0, 1.0 + 1e-12};
  const datasets::Encoder encoder = datasets::Encoder::from_json(j);
  testing::check_throws<ValueError>([&] { nn::PiecewiseLinear layer(encoder); }, {"\"age\"", "float32"});
}

TEST_CASE("piecewise linear: the MLP on it, its size, a checkpoint round trip, and other kinds refused") {
  testing::TempDir dir;
  const datasets::Encoder encoder = small_encoder();
  nn::RunConfig c;
  c.data.name = "synthetic";
  c.model.mlp.hidden = {5};
  c.model.numeric_bins = 2;
  auto model = nn::build_tabular_model(c.model, encoder, 3);
  auto sequential = std::dynamic_pointer_cast<nn::Sequential>(model);
  REQUIRE(sequential);
  CHECK(std::dynamic_pointer_cast<nn::PiecewiseLinear>((*sequential)[0]));
  const auto state = model->state_dict();
  CHECK(state.at("1.weight").shape() == Shape{5, 10});  // the 7 inputs and 3 bins
  int64_t held = 0;
  for (const auto& [name, t] : state) held += t.numel();
  CHECK(nn::tabular_parameter_count(c.model, encoder) == held);

  const std::string path = dir.file("model.safetensors");
  nn::save_checkpoint(path, state, c, encoder);
  const nn::LoadedRun run = nn::load_checkpoint(path);
  CHECK(run.config.model.numeric_bins == 2);
  const Tensor x = from_vector(std::vector<float>{25, 1, 0, 0, 0, 0, 1, 50, 0, 1, 0, 250, 1, 0}, {2, 7});
  model->eval();
  CHECK(run.model->forward(x).to_vector<float>() == model->forward(x).to_vector<float>());

  for (const std::string kind : {"logistic", "ft_transformer"}) {
    c.model.kind = kind;
    testing::check_throws<ValueError>([&] { nn::build_tabular_model(c.model, encoder, 0); }, {"numeric_bins", kind});
    testing::check_throws<ValueError>([&] { nn::tabular_parameter_count(c.model, encoder); }, {"numeric_bins", kind});
  }
}
