// A tour of the engine (./build/examples/engine_tour): train a small MLP on a seeded synthetic task with plain gradient descent, then take a
// second-order gradient (a gradient penalty) through the same graph machinery.
#include <cstdio>

#include <fmt/format.h>

#include "engine/engine.h"

using namespace candor;

int main() {
  Generator gen(42);
  // 1024 points in 2-D; the label is whether the point lies inside the unit circle.
  Tensor x = uniform({1024, 2}, -1.5, 1.5, kFloat32, &gen);           // [N, 2]
  Tensor y = cast(lt(sum(x * x, {1}, true), scalar(1.0)), kFloat32);  // [N, 1]

  auto param = [&](Shape shape) { return (randn(shape, kFloat32, &gen) * 0.5).detach().requires_grad_(); };
  Tensor w1 = param({2, 32}), b1 = zeros({32}).requires_grad_();
  Tensor w2 = param({32, 1}), b2 = zeros({1}).requires_grad_();
  auto model = [&](const Tensor& in) { return matmul(tanh(matmul(in, w1) + b1), w2) + b2; };

  fmt::print("training a 2-32-1 MLP on 'inside the unit circle' (1024 points, seed 42)\n");
  for (int step = 0; step <= 500; ++step) {
    Tensor loss = binary_cross_entropy_with_logits(model(x), y);
    loss.backward();
    NoGradGuard no_grad;
    for (Tensor* p : {&w1, &b1, &w2, &b2}) {
      Tensor updated = *p - p->grad() * 0.5;
      std::copy_n(updated.data<float>(), p->numel(), p->data<float>());
      p->zero_grad();
    }
    if (step % 100 == 0) fmt::print("  step {:3d}  loss {:.4f}\n", step, loss.item());
  }
  Tensor accuracy = mean(cast(eq(gt(model(x), scalar(0.0)), y), kFloat32));
  fmt::print("training accuracy: {:.3f}\n", accuracy.item());

  // Second order: the gradient penalty ||d loss / d x||^2 is itself differentiated with respect
  // to the weights (create_graph=true keeps the first backward in the graph).
  Tensor xs = narrow(x, 0, 0, 4).detach().requires_grad_();
  Tensor loss = binary_cross_entropy_with_logits(model(xs), narrow(y, 0, 0, 4));
  Tensor dx = grad({loss}, {xs}, {}, true, true)[0];
  Tensor penalty = sum(dx * dx);
  penalty.backward();
  fmt::print("gradient penalty {:.6f}; its gradient reaches w1: |d/dw1| = {:.6f}\n", penalty.item(),
             sqrt(sum(w1.grad() * w1.grad())).item());
  fmt::print("{}\n", dx.detach().to_string());
  return 0;
}
