#include "nn/tabular.h"

#include <fmt/format.h>

#include "engine/engine.h"
#include "nn/piecewise_linear.h"

namespace candor::nn {

std::vector<TabularToken> tabular_tokens(const datasets::Encoder& encoder) {
  std::vector<TabularToken> tokens;
  int64_t column = 0;
  for (const datasets::Encoder::Feature& f : encoder.features()) {
    if (f.type == datasets::ColumnType::Categorical && encoder.options().one_hot) {
      const auto width = static_cast<int64_t>(f.categories.size());
      tokens.push_back({TabularToken::Kind::Categorical, column, width, f.column});
      column += width;
    } else {
      tokens.push_back({TabularToken::Kind::Numeric, column, 1, f.column});
      column += 1;
    }
  }
  return tokens;
}

namespace {

void check_piecewise(const TabularModelSpec& spec, const datasets::Encoder& encoder) {
  if (encoder.options().numeric_bins > 0 && spec.kind != "mlp") {
    throw ValueError(fmt::format("the piecewise-linear encoding of numbers (numeric_bins) is for MLPs, not {}", spec.kind));
  }
}

}  // namespace

std::shared_ptr<Module> build_tabular_model(const TabularModelSpec& spec, const datasets::Encoder& encoder,
                                            uint64_t seed) {
  Generator gen(seed);
  const auto features = static_cast<int64_t>(encoder.num_features());
  check_piecewise(spec, encoder);
  if (encoder.options().numeric_bins > 0) {
    // PiecewiseLinear, then the MLP's layers: "0" has no parameters, the first Linear is "1".
    auto encoding = std::make_shared<PiecewiseLinear>(encoder);
    auto mlp = make_mlp(encoding->out_features(), 1, spec.mlp, gen);
    auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{encoding});
    for (size_t i = 0; i < mlp->size(); ++i) model->append((*mlp)[i]);
    return model;
  }
  if (spec.kind == "ft_transformer") return std::make_shared<FtTransformer>(tabular_tokens(encoder), features, spec.ft, gen);
  if (spec.kind == "logistic") return make_mlp(features, 1, MlpOptions{.hidden = {}}, gen);
  if (spec.kind != "mlp") throw ValueError(fmt::format("unknown model kind \"{}\" (mlp, ft_transformer, logistic)", spec.kind));
  return make_mlp(features, 1, spec.mlp, gen);
}

void set_logistic_weights(Module& model, const LogisticRegression& fit) {
  const auto features = static_cast<int64_t>(fit.coef.size());
  std::vector<float> weight(fit.coef.begin(), fit.coef.end());
  model.load_state_dict({{"0.weight", from_vector(weight, {1, features})},
                         {"0.bias", from_vector(std::vector<float>{static_cast<float>(fit.intercept)}, {1})}});
}

namespace {

// a * b + c in int64, or a ShapeError: the spec's sizes come from files.
int64_t mul_add(int64_t a, int64_t b, int64_t c = 0) {
  int64_t product = 0, sum = 0;
  if (__builtin_mul_overflow(a, b, &product) || __builtin_add_overflow(product, c, &sum)) {
    throw ShapeError(fmt::format("model size overflows: {} * {} + {} parameters", a, b, c));
  }
  return sum;
}

// The parameters of an FtTransformer (nn/ft_transformer.h), term by term as its constructor
// registers them.
int64_t ft_transformer_parameters(const FtTransformerConfig& c, const std::vector<TabularToken>& tokens) {
  c.validate();
  const int64_t d = c.d_token, f = c.d_ffn();
  int64_t n = 0;
  for (const TabularToken& t : tokens) {
    n = t.kind == TabularToken::Kind::Numeric ? mul_add(2, d, n)  // a numeric_weight and a numeric_bias row
                                              : mul_add(mul_add(t.count, d, d), 1, n);  // embedding [k, d], bias [d]
  }
  n = mul_add(1, d, n);                       // cls
  int64_t block = mul_add(mul_add(4, d, 4), d);  // attention: c_attn [d, 3d] + 3d, c_proj [d, d] + d
  block = mul_add(2, d, block);                 // ffn_norm
  block = mul_add(mul_add(d, 2, 2), f, block);  // ffn.linear_first [d, 2f] + 2f
  block = mul_add(mul_add(1, f, 1), d, block);  // ffn.linear_second [f, d] + d
  n = mul_add(c.n_blocks, block, n);
  n = mul_add(c.n_blocks - 1, mul_add(2, d), n);  // attention_norm, from the second block on
  n = mul_add(2, d, n);                          // head.norm
  return mul_add(mul_add(1, d, 1), c.outputs, n);  // head.linear [d, out] + out
}

}  // namespace

int64_t tabular_parameter_count(const TabularModelSpec& spec, const datasets::Encoder& encoder) {
  check_piecewise(spec, encoder);
  if (spec.kind == "ft_transformer") return ft_transformer_parameters(spec.ft, tabular_tokens(encoder));
  if (spec.kind != "mlp" && spec.kind != "logistic") {
    throw ValueError(fmt::format("unknown model kind \"{}\" (mlp, ft_transformer, logistic)", spec.kind));
  }
  int64_t n = 0, in = static_cast<int64_t>(encoder.num_features());
  if (encoder.options().numeric_bins > 0) {
    // PiecewiseLinear's buffers (a column, a lower edge and an inverse width per bin) and its
    // wider output.
    const int64_t bins = encoder.numeric_bin_count();
    n = mul_add(3, bins);
    in = mul_add(1, in, bins);
  }
  std::vector<int64_t> widths = spec.kind == "logistic" ? std::vector<int64_t>{} : spec.mlp.hidden;
  widths.push_back(1);
  for (int64_t out : widths) {
    if (out <= 0) throw ValueError(fmt::format("MLP: hidden widths must be positive, got {}", out));
    n = mul_add(mul_add(1, in, 1), out, n);  // weight [out, in] and bias [out]
    in = out;
  }
  return n;
}

}  // namespace candor::nn
