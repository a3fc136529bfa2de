// GPT-2 with a sequence classification head: it reads the last non-padding token, right padding
// does not change its logits, gradients reach both the head and the backbone, and bad ids throw.
#include <doctest/doctest.h>

#include <vector>

#include "engine/autograd.h"
#include "engine/ops/ops.h"
#include "nn/gpt2.h"
#include "tests/nn/tiny_gpt2.h"
#include "tests/support/checks.h"
#include "tests/support/gradcheck.h"

using namespace candor;
using namespace candor::nn;
using candor::testing::all_close;
using candor::testing::check_throws;

namespace {

constexpr int64_t kPad = 0;

Gpt2Config tiny_config() { return candor::testing::tiny_gpt2_config(40, 12); }

struct Models {
  Generator gen{7};
  Gpt2Model lm{tiny_config(), gen};
  Gpt2ForSequenceClassification classifier{lm.transformer, 3, kPad, gen};
};

}  // namespace

TEST_CASE("gpt2 classifier reads the hidden state of the last non-padding token") {
  Models m;
  m.lm.eval();
  Tensor ids = from_vector(std::vector<int64_t>{5, 9, 2, kPad, kPad, 7, 3, 1, 4, 8}, {2, 5});
  Tensor features = m.classifier.features(ids);  // [2, C]
  REQUIRE(features.shape() == Shape{2, 16});
  // Row 0 alone (no padding at all) at its last token, row 1 at its last token.
  Tensor row0 = m.lm.hidden_states(from_vector(std::vector<int64_t>{5, 9, 2}, {1, 3}));
  Tensor row1 = m.lm.hidden_states(from_vector(std::vector<int64_t>{7, 3, 1, 4, 8}, {1, 5}));
  all_close("row 0", reshape(slice(row0, 1, 2, 3), {16}), reshape(slice(features, 0, 0, 1), {16}), 1e-6, 1e-5);
  all_close("row 1", reshape(slice(row1, 1, 4, 5), {16}), reshape(slice(features, 0, 1, 2), {16}), 1e-6, 1e-5);
  Tensor logits = m.classifier(ids);
  CHECK(logits.shape() == Shape{2, 3});
  all_close("head", logits, matmul(features, transpose(m.classifier.score->weight, 0, 1)), 1e-6, 1e-5);
}

TEST_CASE("gpt2 classifier logits do not depend on right padding") {
  Models m;
  m.lm.eval();
  Tensor alone = m.classifier(from_vector(std::vector<int64_t>{11, 12, 13, 14}, {1, 4}));
  Tensor padded = m.classifier(from_vector(std::vector<int64_t>{11, 12, 13, 14, kPad, kPad, kPad}, {1, 7}));
  all_close("padded", padded, alone, 1e-6, 1e-5);
}

TEST_CASE("gpt2 classifier gradients reach the head and the backbone and match finite differences") {
  Models m;
  m.lm.eval();
  m.classifier.to(kFloat64);
  Tensor ids = from_vector(std::vector<int64_t>{3, 4, 5, kPad, 6, 7, 8, 9}, {2, 4});
  // The head weight as an input: logits = features @ W^T with the backbone fixed.
  Tensor features = m.classifier.features(ids).detach();
  candor::testing::gradcheck(
      "score head", [&](const std::vector<Tensor>& in) { return linear(in[0], in[1]); },
      {features, candor::testing::random_input({3, 16}, 1)});
  Tensor loss = sum(m.classifier(ids) * m.classifier(ids));
  loss.backward();
  CHECK(m.classifier.score->weight.grad().defined());
  Tensor wte_grad = m.classifier.transformer->wte->weight.grad();
  REQUIRE(wte_grad.defined());
  CHECK(sum(abs(wte_grad)).item<double>() > 0);
  // The padding token of row 0 is never read: its embedding row gets no gradient from row 0, and
  // no other row uses it.
  CHECK(sum(abs(slice(wte_grad, 0, kPad, kPad + 1))).item<double>() == 0.0);
}

TEST_CASE("gpt2 classifier rejects rows of padding only and ids that are not int64 [B, T]") {
  Models m;
  check_throws<ValueError>([&] { m.classifier(from_vector(std::vector<int64_t>{1, 2, kPad, kPad}, {2, 2})); },
                           {"row 1 is all padding"});
  check_throws<ValueError>([&] { m.classifier(zeros({2, 3})); }, {"expected ids [B, T] int64"});
  check_throws<ValueError>([&] { Gpt2ForSequenceClassification(m.lm.transformer, 0, kPad, m.gen); },
                           {"num_labels must be positive"});
}
