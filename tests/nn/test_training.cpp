// End to end: an MLP trained with Adam (with clipping and a cosine schedule) on a linearly
// separable synthetic task fits it.
#include <cmath>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "nn/schedule.h"

using namespace candor;
using namespace candor::nn;

TEST_CASE("training: an MLP with Adam separates two classes (loss < 0.1)") {
  Generator gen(123);
  // x [N, 2] ~ N(0, 1), label y = [x0 + x1 > 0], then pushed 0.5 away from the boundary.
  const int64_t n = 256;
  std::vector<float> xs = randn({n, 2}, kFloat32, &gen).to_vector<float>();
  std::vector<float> ys(n);
  for (int64_t i = 0; i < n; ++i) {
    ys[i] = xs[2 * i] + xs[2 * i + 1] > 0 ? 1.0f : 0.0f;
    float shift = (2 * ys[i] - 1) * 0.5f / std::sqrt(2.0f);
    xs[2 * i] += shift;
    xs[2 * i + 1] += shift;
  }
  Tensor x = from_vector(xs, {n, 2});
  Tensor y = from_vector(ys, {n, 1});

  auto model = make_mlp(2, 1, {.hidden = {16, 16}}, gen);
  Adam opt(model->parameters(), {.lr = 0.02});
  Schedule schedule{.kind = "cosine", .base_lr = 0.02, .warmup_steps = 10, .total_steps = 300};
  double first = 0, last = 0;
  for (int64_t step = 0; step < 300; ++step) {
    opt.set_lr(schedule.lr_at(step));
    opt.zero_grad();
    Tensor loss = binary_cross_entropy_with_logits((*model)(x), y);
    loss.backward();
    clip_grad_norm(opt.params(), 5.0);
    opt.step();
    if (step == 0) first = loss.item();
    last = loss.item();
  }
  INFO("first loss " << first << ", last " << last);
  CHECK(first > 0.5);
  CHECK(last < 0.1);
  model->eval();
  std::vector<float> logits = (*model)(x).to_vector<float>();
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) correct += (logits[i] > 0) == (ys[i] > 0.5f);
  CHECK(correct == n);
}
