#include "nn/tabular.h"

#include <fmt/format.h>

#include "engine/error.h"

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

std::shared_ptr<Module> build_tabular_model(const TabularModelSpec& spec, const datasets::Encoder& encoder,
                                            uint64_t seed) {
  Generator gen(seed);
  const auto features = static_cast<int64_t>(encoder.num_features());
  if (spec.kind == "ft_transformer") return std::make_shared<FtTransformer>(tabular_tokens(encoder), features, spec.ft, gen);
  if (spec.kind != "mlp") throw ValueError(fmt::format("unknown model kind \"{}\" (mlp, ft_transformer)", spec.kind));
  return make_mlp(features, 1, spec.mlp, gen);
}

}  // namespace candor::nn
