// Lab 01: autograd by hand. One neuron, L(w, b) = (tanh(w x + b) - y)^2; its gradient from the
// graph, by hand and by finite differences, then a second derivative through the same graph.
#include <cmath>

#include <fmt/format.h>

#include "engine/engine.h"
#include "engine/threads.h"

using namespace candor;

int main(int, char** argv) {
  passive_threads_by_default(argv);  // idle threads sleep instead of spinning: kind to a shared machine
  const double x = 1.5, y = 0.2;
  Tensor w = scalar(0.8, kFloat64).requires_grad_();
  Tensor b = scalar(-0.3, kFloat64).requires_grad_();
  auto loss_at = [&](const Tensor& weight) { return pow(tanh(weight * x + b) - y, 2.0); };

  // 1. The graph: each op records a node; backward walks them from L to the leaves.
  Tensor loss = loss_at(w);
  fmt::print("L = {:.10f}; the graph, from L back to w:", loss.item());
  for (auto node = loss.grad_fn(); node != nullptr; node = node->edges.at(0).node) fmt::print(" {}", node->name);
  fmt::print("\n");

  // 2. dL/dw three ways.
  loss.backward();
  const double t = std::tanh(0.8 * x - 0.3);
  const double by_hand = 2 * (t - y) * (1 - t * t) * x;
  fmt::print("dL/dw by autograd    = {:.12f}\n", w.grad().item());
  fmt::print("dL/dw by hand        = {:.12f}   (2 (t - y) (1 - t^2) x)\n", by_hand);
  for (double h : {1e-2, 1e-4, 1e-6, 1e-9, 1e-12}) {
    const double central = (loss_at(scalar(0.8 + h, kFloat64)).item() - loss_at(scalar(0.8 - h, kFloat64)).item()) / (2 * h);
    fmt::print("finite differences, h = {:.0e}: {:.12f}   error {:.2e}\n", h, central, std::abs(central - by_hand));
  }

  // 3. A second derivative: keep the first backward in the graph (create_graph) and differentiate again.
  Tensor fresh = scalar(0.8, kFloat64).requires_grad_();
  Tensor first = grad({loss_at(fresh)}, {fresh}, {}, true, true)[0];
  Tensor second = grad({first}, {fresh})[0];
  const double h = 1e-5;
  auto slope = [&](double at) {
    Tensor p = scalar(at, kFloat64).requires_grad_();
    return grad({loss_at(p)}, {p})[0].item();
  };
  fmt::print("d2L/dw2 by autograd  = {:.10f}\n", second.item());
  fmt::print("d2L/dw2 by finite differences of the gradient = {:.10f}\n", (slope(0.8 + h) - slope(0.8 - h)) / (2 * h));
  return 0;
}
