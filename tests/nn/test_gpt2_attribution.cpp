// Integrated gradients on a GPT-2 classifier give per-token attributions: the gradient is taken
// with respect to the token embeddings (forward_embeddings), each token is one player (its n_embd
// columns), and the attributions add up to the change in the logit from the baseline.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "engine/error.h"
#include "engine/ops/ops.h"
#include "explain/posthoc/gradients.h"
#include "nn/gpt2.h"
#include "tests/nn/tiny_gpt2.h"

using namespace candor;
using namespace candor::nn;

namespace {

constexpr int64_t kPad = 0;

struct TokenAttribution {
  std::vector<double> per_token;
  double delta;
};

// Integrated gradients of label `label`'s logit for one row of ids [1, T], from all-zero token
// embeddings, in float64.
TokenAttribution attribute(Gpt2ForSequenceClassification& classifier, const Tensor& ids, int64_t label) {
  const int64_t T = ids.size(1), C = classifier.transformer->config.n_embd;
  const Tensor embeddings = (*classifier.transformer->wte)(ids).detach();  // [1, T, C]
  const explain::TensorFunction logit = [&](const Tensor& flat) {  // [N, T * C] -> [N, 1]
    const int64_t n = flat.size(0);
    const Tensor rows_ids = expand(ids, {n, T});
    return slice(classifier.forward_embeddings(rows_ids, reshape(flat, {n, T, C})), 1, label, label + 1);
  };
  explain::Matrix row(1, static_cast<size_t>(T * C));
  row.values = embeddings.to_vector<double>();
  std::vector<explain::Player> tokens;
  for (int64_t t = 0; t < T; ++t) {
    explain::Player p{"token " + std::to_string(t), {}};
    for (int64_t c = 0; c < C; ++c) p.columns.push_back(static_cast<size_t>(t * C + c));
    tokens.push_back(p);
  }
  explain::IntegratedGradientsOptions options;
  options.steps = 64;
  options.gradient.dtype = kFloat64;
  const explain::Background zero{explain::Matrix(1, row.cols), {1.0}};
  const explain::IntegratedGradients ig = explain::integrated_gradients(logit, row, zero, options);
  const explain::Matrix per_token = explain::sum_by_player(ig.attributions, tokens);
  return {per_token.values, ig.delta[0]};
}

}  // namespace

TEST_CASE("gpt2 classifier: integrated gradients per token add up to the logit's change; padding gets 0") {
  Generator gen(3);
  Gpt2Model lm(candor::testing::tiny_gpt2_config(40, 12), gen);
  Gpt2ForSequenceClassification classifier(lm.transformer, 2, kPad, gen);
  lm.eval();
  classifier.to(kFloat64);
  const Tensor ids = from_vector(std::vector<int64_t>{11, 5, 23, 7, kPad, kPad}, {1, 6});
  const TokenAttribution a = attribute(classifier, ids, 1);
  REQUIRE(a.per_token.size() == 6);
  CHECK(std::abs(a.delta) < 1e-6);  // completeness: the quadrature's error only
  CHECK(a.per_token[4] == 0.0);     // right padding is masked and never read by the head
  CHECK(a.per_token[5] == 0.0);
  double spread = 0;
  for (int t = 0; t < 4; ++t) spread += std::abs(a.per_token[static_cast<size_t>(t)]);
  CHECK(spread > 0);
  // forward_embeddings on wte(ids) is the ordinary forward.
  const Tensor direct = classifier(ids), via = classifier.forward_embeddings(ids, (*lm.transformer->wte)(ids));
  CHECK(direct.to_vector<double>() == via.to_vector<double>());
  CHECK_THROWS_AS(classifier.forward_embeddings(ids, zeros({1, 5, 16}, kFloat64)), ValueError);
}
