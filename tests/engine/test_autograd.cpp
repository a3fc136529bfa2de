// The autograd engine: accumulation, grad mode, detach, freed graphs, the functional grad() with
// create_graph (second derivatives, Hessian-vector products, gradient penalties), diamonds and
// very deep graphs. Expected values come from calculus or from finite differences.
#include <pthread.h>

#include <cmath>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "tests/support/checks.h"
#include "tests/support/gradcheck.h"

using namespace candor;
using namespace candor::testing;

namespace {

Tensor f64(const std::vector<double>& values, const Shape& shape) {
  return from_vector(values, shape);
}

}  // namespace

TEST_CASE("autograd: gradcheck through broadcasting arithmetic and batched matmul") {
  // Broadcast operands get their gradient summed back to their own shape.
  auto f = [](const std::vector<Tensor>& x) { return tanh(x[0] * x[1] + x[0]); };
  CHECK(gradcheck("tanh(a*b+a)", f, {random_input({3, 4}, 1), random_input({4}, 2)}));
  CHECK(gradgradcheck("tanh(a*b+a)", f, {random_input({3, 4}, 1), random_input({4}, 2)}));
  // matmul with a batch on either side.
  auto m = [](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); };
  CHECK(
      gradcheck("matmul [2,3,4]@[4,5]", m, {random_input({2, 3, 4}, 1), random_input({4, 5}, 2)}));
  CHECK(gradgradcheck("matmul [3,4]@[2,4,5]", m,
                      {random_input({3, 4}, 1), random_input({2, 4, 5}, 2)}));
  CHECK(gradcheck("matmul [2,1,3,4]@[3,4,2]", m,
                  {random_input({2, 1, 3, 4}, 3), random_input({3, 4, 2}, 4)}));
  CHECK(gradcheck("matmul vector", m, {random_input({4}, 5), random_input({4, 3}, 6)}));
}

TEST_CASE("autograd: gradients accumulate on leaves across backward calls") {
  Tensor x = f64({1, -2, 3}, {3}).requires_grad_();
  Tensor y = sum(x * x);  // dy/dx = 2x
  CHECK_FALSE(x.grad().defined());
  y.backward({}, /*retain_graph=*/true);
  all_close("first backward", x.grad(), f64({2, -4, 6}, {3}), 0);
  y.backward();
  all_close("accumulated", x.grad(), f64({4, -8, 12}, {3}), 0);
  // A different graph adds into the same .grad.
  sum(x * 5.0).backward();
  all_close("third backward", x.grad(), f64({9, -3, 17}, {3}), 0);
  // The gradient is not part of any graph after a plain backward.
  CHECK_FALSE(x.grad().requires_grad());
  CHECK(x.is_leaf());
  CHECK_FALSE(y.is_leaf());
}

TEST_CASE("autograd: zero_grad drops the accumulated gradient") {
  Tensor x = f64({1, 2}, {2}).requires_grad_();
  Tensor y = sum(x * x * x);  // 3x^2
  y.backward({}, true);
  all_close("before", x.grad(), f64({3, 12}, {2}), 0);
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
  y.backward();
  all_close("after zero_grad", x.grad(), f64({3, 12}, {2}), 0);
}

TEST_CASE("autograd: NoGradGuard records nothing and restores grad mode") {
  Tensor x = f64({1, 2}, {2}).requires_grad_();
  CHECK(grad_mode_enabled());
  Tensor y;
  {
    NoGradGuard guard;
    CHECK_FALSE(grad_mode_enabled());
    y = exp(x * 2.0) + x;
    {
      NoGradGuard nested;
      CHECK_FALSE(grad_mode_enabled());
    }
    CHECK_FALSE(grad_mode_enabled());  // the nested guard restores "off", not "on"
  }
  CHECK(grad_mode_enabled());
  CHECK_FALSE(y.requires_grad());
  CHECK(y.grad_fn() == nullptr);
  all_close("value still computed", y, f64({std::exp(2.0) + 1, std::exp(4.0) + 2}, {2}), 1e-12);
  check_throws<AutogradError>([&] { sum(y).backward(); }, {"backward", "does not require grad"});
  // Recording resumes after the guard.
  Tensor z = x * 2.0;
  CHECK(z.requires_grad());
  CHECK(z.grad_fn() != nullptr);
  CHECK(z.grad_fn()->name == "mul");
}

TEST_CASE("autograd: detach cuts the graph but shares the data") {
  Tensor x = f64({1, 2, 3}, {3}).requires_grad_();
  Tensor d = x.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
  CHECK(d.raw_data() == x.raw_data());  // same storage, no copy
  // y = x * detach(x): only the first factor carries a gradient, so dy/dx = x (not 2x).
  sum(x * x.detach()).backward();
  all_close("grad through detach", x.grad(), f64({1, 2, 3}, {3}), 0);
  // Detaching an intermediate stops the gradient there.
  x.zero_grad();
  Tensor h = x * 3.0;
  sum(h.detach() * h + x).backward();
  // d/dx [3x * 3x_const + x] = 3 * 3x + 1
  all_close("detached intermediate", x.grad(), f64({10, 19, 28}, {3}), 0);
}

TEST_CASE("autograd: backward with an explicit upstream gradient on a non-scalar") {
  Tensor x = f64({1, 2, 3, 4, 5, 6}, {2, 3}).requires_grad_();
  Tensor y = x * x;  // [2, 3]
  Tensor g = f64({1, 0, -1, 0.5, 2, 3}, {2, 3});
  y.backward(g);
  // x.grad = g * 2x (a vector-Jacobian product)
  all_close("vjp", x.grad(), f64({2, 0, -6, 4, 20, 36}, {2, 3}), 0);
  // The upstream gradient must have the output's shape.
  Tensor x2 = f64({1, 2, 3, 4, 5, 6}, {2, 3}).requires_grad_();
  check_throws<ShapeError>(
      [&] {
        (x2 * 2.0).backward(ones({3, 2}, kFloat64));
      },
      {"backward", "[3, 2]", "[2, 3]"});
}

TEST_CASE("autograd: a second backward without retain_graph throws") {
  Tensor x = f64({1, 2}, {2}).requires_grad_();
  Tensor y = sum(exp(x) * x);
  y.backward();
  check_throws<AutogradError>([&] { y.backward(); }, {"freed", "retain_graph"});
  // The gradient from the first call is intact.
  all_close("first grad", x.grad(), f64({2 * std::exp(1.0), 3 * std::exp(2.0)}, {2}), 1e-12);
  // A new graph over a freed one: z reuses y's freed part, which must also throw.
  Tensor z = y * 2.0;
  check_throws<AutogradError>([&] { z.backward(); }, {"freed", "retain_graph"});
}

TEST_CASE("autograd: backward on a non-scalar without a gradient throws naming the shape") {
  Tensor x = ones({2, 3}, kFloat64).requires_grad_();
  Tensor y = x * 2.0;
  check_throws<AutogradError>([&] { y.backward(); }, {"backward", "[2, 3]", "one-element"});
  // A one-element tensor of any rank is fine.
  Tensor s = sum(y, {0, 1}, true);  // [1, 1]
  s.backward();
  all_close("one-element [1, 1]", x.grad(), full({2, 3}, 2.0, kFloat64), 0);
}

TEST_CASE("autograd: requires_grad_ on an integer tensor throws DTypeError") {
  Tensor i = arange(4);
  check_throws<DTypeError>([&] { i.requires_grad_(); }, {"requires_grad", "int64"});
  CHECK_FALSE(i.requires_grad());
  // requires_grad_(false) on an integer tensor is harmless.
  i.requires_grad_(false);
  CHECK_FALSE(i.requires_grad());
  // Turning gradients off on a non-leaf is refused.
  Tensor x = ones({2}).requires_grad_();
  Tensor y = x * 2.0;
  check_throws<AutogradError>([&] { y.requires_grad_(false); }, {"non-leaf", "detach"});
}

TEST_CASE("autograd: grad with create_graph gives second derivatives") {
  Tensor x = f64({1, 2, -3, 0.5}, {4}).requires_grad_();
  Tensor y = sum(x * x * x);
  std::vector<Tensor> g = grad({y}, {x}, {}, false, /*create_graph=*/true);
  all_close("d/dx x^3 = 3x^2", g[0], f64({3, 12, 27, 0.75}, {4}), 1e-14);
  CHECK(g[0].requires_grad());
  CHECK_FALSE(x.grad().defined());  // grad() does not touch .grad
  std::vector<Tensor> g2 = grad({sum(g[0])}, {x}, {}, false, true);
  all_close("d2/dx2 x^3 = 6x", g2[0], f64({6, 12, -18, 3}, {4}), 1e-14);
  std::vector<Tensor> g3 = grad({sum(g2[0])}, {x});
  all_close("d3/dx3 x^3 = 6", g3[0], f64({6, 6, 6, 6}, {4}), 1e-14);
  // Second derivatives through unary ops: d2/dx2 sin-free example tanh: tanh'' = -2 tanh (1 -
  // tanh^2).
  Tensor t = f64({0.3, -1.1}, {2}).requires_grad_();
  auto gt = grad({sum(tanh(t))}, {t}, {}, false, true);
  auto gtt = grad({sum(gt[0])}, {t});
  std::vector<double> expected;
  for (double v : {0.3, -1.1})
    expected.push_back(-2 * std::tanh(v) * (1 - std::tanh(v) * std::tanh(v)));
  all_close("tanh''", gtt[0], f64(expected, {2}), 1e-14);
  // backward(create_graph=true) leaves a differentiable .grad.
  Tensor u = f64({2}, {1}).requires_grad_();
  sum(u * u * u).backward({}, false, true);
  CHECK(u.grad().requires_grad());
  Tensor gu = u.grad();
  u.zero_grad();
  sum(gu).backward();
  all_close("second derivative through .grad", u.grad(), f64({12}, {1}), 1e-14);
}

namespace {
// A small MLP loss: mean((tanh(X W1 + b1) W2 - t)^2), X [5, 3], W1 [3, 4], b1 [4], W2 [4, 2], t [5,
// 2].
struct Mlp {
  Tensor X = random_input({5, 3}, 31, -1, 1);
  Tensor t = random_input({5, 2}, 32, -1, 1);
  Tensor b1 = random_input({4}, 33, -0.5, 0.5);
  Tensor W2 = random_input({4, 2}, 34, -1, 1);
  Tensor loss(const Tensor& W1) const {
    return mean(pow(matmul(tanh(matmul(X, W1) + b1), W2) - t, 2.0));
  }
  // d loss / d W1, outside any graph.
  Tensor gradient(const Tensor& W1) const {
    Tensor w = W1.detach().clone().requires_grad_();
    return grad({loss(w)}, {w})[0];
  }
};
}  // namespace

TEST_CASE("autograd: Hessian-vector product of an MLP loss matches finite differences") {
  Mlp mlp;
  Tensor W1 = random_input({3, 4}, 35, -1, 1).requires_grad_();
  Tensor v = random_input({3, 4}, 36, -1, 1);
  // H v = d/dW1 <d loss/dW1, v>
  Tensor g = grad({mlp.loss(W1)}, {W1}, {}, false, true)[0];
  Tensor hv = grad({sum(g * v)}, {W1})[0];
  // (grad(W1 + h v) - grad(W1 - h v)) / 2h
  const double h = 1e-5;
  Tensor base = W1.detach();
  Tensor fd = (mlp.gradient(base + v * h) - mlp.gradient(base - v * h)) / (2 * h);
  all_close("Hv", hv, fd, 1e-7, 1e-5);
  // The product is not trivially zero.
  CHECK(sum(abs(hv)).item() > 1e-3);
  // Symmetry of the Hessian: <u, H v> = <v, H u>.
  Tensor u = random_input({3, 4}, 37, -1, 1);
  Tensor g2 = grad({mlp.loss(W1)}, {W1}, {}, false, true)[0];
  Tensor hu = grad({sum(g2 * u)}, {W1})[0];
  CHECK(std::abs(sum(u * hv).item() - sum(v * hu).item()) < 1e-12);
}

TEST_CASE("autograd: a gradient penalty gets a gradient with respect to the weights") {
  // pen(W, x) = || d/dx sum(tanh(x W)) ||^2: a second-order quantity (as in WGAN-GP).
  auto penalty = [](const std::vector<Tensor>& in) {
    Tensor x = in[0].requires_grad() ? in[0] : in[0].detach().clone().requires_grad_();
    Tensor W = in[1];
    Tensor out = sum(tanh(matmul(x, W)));
    Tensor gx = grad({out}, {x}, {}, true, /*create_graph=*/true)[0];  // [4, 3]
    return sum(gx * gx);
  };
  Tensor x = random_input({4, 3}, 41).requires_grad_();
  Tensor W = random_input({3, 5}, 42).requires_grad_();
  Tensor pen = penalty({x, W});
  CHECK(pen.requires_grad());
  pen.backward();
  REQUIRE(W.grad().defined());
  CHECK(sum(abs(W.grad())).item() > 1e-3);
  // Against finite differences, for W and for x.
  CHECK(
      gradcheck("gradient penalty", penalty, {random_input({4, 3}, 41), random_input({3, 5}, 42)}));
  // Closed form for one element: with s = 1 - tanh(x W)^2, d/dx sum(tanh(xW)) = s W^T,
  // pen = sum_ij (sum_k s_ik W_jk)^2. Check the value.
  std::vector<double> xs = x.detach().to_vector(), ws = W.detach().to_vector();
  double expected = 0;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 3; ++j) {
      double gij = 0;
      for (int k = 0; k < 5; ++k) {
        double z = 0;
        for (int l = 0; l < 3; ++l) z += xs[i * 3 + l] * ws[l * 5 + k];
        gij += (1 - std::tanh(z) * std::tanh(z)) * ws[j * 5 + k];
      }
      expected += gij * gij;
    }
  }
  CHECK(std::abs(pen.item() - expected) < 1e-12 * (1 + expected));
}

TEST_CASE("autograd: grad on an unused input throws unless allow_unused") {
  Tensor x = f64({1, 2}, {2}).requires_grad_();
  Tensor unused = f64({3}, {1}).requires_grad_();
  Tensor y = sum(x * 2.0);
  check_throws<AutogradError>(
      [&] {
        grad({y}, {x, unused}, {}, true);
      },
      {"grad", "input 1", "not used", "allow_unused"});
  auto g = grad({y}, {x, unused}, {}, false, false, /*allow_unused=*/true);
  REQUIRE(g.size() == 2);
  all_close("used", g[0], f64({2, 2}, {2}), 0);
  CHECK_FALSE(g[1].defined());
  // Inputs must require grad at all.
  Tensor plain = f64({1}, {1});
  Tensor y2 = sum(x * 3.0);
  check_throws<AutogradError>([&] { grad({y2}, {plain}); },
                              {"grad", "input 0", "does not require grad"});
}

TEST_CASE("autograd: grad with respect to an intermediate tensor") {
  Tensor x = f64({1, 2}, {2}).requires_grad_();
  Tensor h = x * 3.0;     // intermediate
  Tensor y = sum(h * h);  // dy/dh = 2h = 6x
  auto g = grad({y}, {h, x});
  all_close("dy/dh", g[0], f64({6, 12}, {2}), 0);
  all_close("dy/dx", g[1], f64({18, 36}, {2}), 0);
}

TEST_CASE("autograd: diamond graphs sum the gradients of every path") {
  Tensor x = f64({1, -2, 0.5}, {3}).requires_grad_();
  // x used twice in one op
  sum(x * x).backward();
  all_close("x * x", x.grad(), f64({2, -4, 1}, {3}), 0);
  x.zero_grad();
  // two branches joining: y = (2x) * (3x) = 6x^2 -> 12x
  Tensor a = x * 2.0, b = x * 3.0;
  sum(a * b).backward();
  all_close("branches", x.grad(), f64({12, -24, 6}, {3}), 0);
  x.zero_grad();
  // a shared intermediate used on several paths: h = x^2; y = h + h * h + exp(h)
  // dy/dx = (1 + 2h + exp(h)) * 2x
  Tensor h = x * x;
  sum(h + h * h + exp(h)).backward();
  std::vector<double> expected;
  for (double v : {1.0, -2.0, 0.5}) expected.push_back((1 + 2 * v * v + std::exp(v * v)) * 2 * v);
  all_close("shared intermediate", x.grad(), f64(expected, {3}), 1e-13);
  // Several outputs at once: backward({y1, y2}) sums their contributions.
  x.zero_grad();
  Tensor y1 = sum(x * 2.0), y2 = sum(x * x);
  backward({y1, y2});
  all_close("two outputs", x.grad(), f64({4, -2, 3}, {3}), 0);
}

namespace {
// Runs f on a thread with a 1 MiB stack, so that anything whose stack use grows with the depth
// of the graph (recursive backward, recursive destruction of the graph) overflows there whatever
// the build type, instead of passing in Release by luck. Exceptions are carried back.
void run_on_small_stack(const std::function<void()>& f) {
  struct Job {
    const std::function<void()>* f;
    std::exception_ptr error;
  } job{&f, nullptr};
  auto trampoline = [](void* p) -> void* {
    auto* j = static_cast<Job*>(p);
    try {
      (*j->f)();
    } catch (...) {
      j->error = std::current_exception();
    }
    return nullptr;
  };
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 1 << 20);
  pthread_t thread;
  REQUIRE(pthread_create(&thread, &attr, trampoline, &job) == 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  if (job.error) std::rethrow_exception(job.error);
}
}  // namespace

TEST_CASE("autograd: a chain of 100000 ops backprops without stack overflow") {
  const int kOps = 100000;
  const double c = 1.00001;
  Tensor x = f64({1.0, 2.0}, {2}).requires_grad_();
  bool had_grad_fn = false;
  Tensor retained_grad;
  run_on_small_stack([&] {
    {
      Tensor y = x;
      for (int i = 0; i < kOps; ++i) y = (i % 2 == 0) ? y * c : y + 1e-3;
      // y = c^(N/2) x + ..., so dy/dx = c^(N/2) for each element.
      sum(y).backward();
      had_grad_fn = y.grad_fn() != nullptr;
    }  // the graph (100000 nodes) is destroyed here, too
    // Destroying a long graph that was never run must not overflow the stack either.
    {
      Tensor y = x;
      for (int i = 0; i < kOps; ++i) y = y + 1.0;
    }
    // Nor a graph kept by retain_graph, whose backward closures also hold their inputs (the
    // previous link of the chain), and then dropped. y = z^(N+1), so at z = 1 dy/dz = N + 1.
    {
      Tensor z = f64({1.0}, {1}).requires_grad_();
      Tensor y = z;
      for (int i = 0; i < kOps; ++i) y = y * z;
      sum(y).backward({}, /*retain_graph=*/true);
      retained_grad = z.grad();
    }
  });
  CHECK(had_grad_fn);
  double expected = std::pow(c, kOps / 2);
  all_close("deep chain grad", x.grad(), f64({expected, expected}, {2}), 0, 1e-10);
  all_close("retained chain grad", retained_grad, f64({kOps + 1.0}, {1}), 0);
}

TEST_CASE("autograd: each leaf's gradient owns its buffer") {
  // add hands one gradient tensor to both operands; .grad must not alias it.
  Tensor a = ones({3}).requires_grad_(), b = ones({3}).requires_grad_();
  sum(a + b).backward();
  a.grad().data<float>()[0] = 5.0f;
  CHECK(b.grad().data<float>()[0] == 1.0f);
  // An explicit upstream gradient is not aliased either.
  Tensor x = ones({2}).requires_grad_();
  Tensor upstream = full({2}, 2.0);
  (x * 1.0).backward(upstream);
  x.grad().data<float>()[1] = 7.0f;
  CHECK(upstream.data<float>()[1] == 2.0f);
  // Nor when the leaf is the output, or its gradient is a view of the upstream one.
  Tensor leaf = ones({2}).requires_grad_();
  leaf.backward(upstream);
  leaf.grad().data<float>()[0] = 9.0f;
  CHECK(upstream.data<float>()[0] == 2.0f);
  Tensor square = ones({2, 2}).requires_grad_();
  Tensor flat_upstream = full({4}, 3.0);
  reshape(square, {4}).backward(flat_upstream);
  square.grad().data<float>()[3] = 8.0f;
  CHECK(flat_upstream.data<float>()[3] == 3.0f);
  // A gradient computed for this leaf alone is its .grad, with the right values.
  Tensor w = full({3}, 2.0).requires_grad_();
  sum(w * w).backward();
  CHECK(w.grad().to_vector<float>() == std::vector<float>{4, 4, 4});
}

TEST_CASE("autograd: a later gradient is added in place unless the old one is held elsewhere") {
  Tensor x = f64({1, -2, 3}, {3}).requires_grad_();
  sum(x * x).backward();  // 2x
  const double* buffer = x.grad().data<double>();  // the handle is dropped at once
  sum(x * 5.0).backward();
  all_close("added", x.grad(), f64({7, 1, 11}, {3}), 0);
  CHECK(x.grad().data<double>() == buffer);  // no new buffer as large as the parameter

  // A gradient the user holds is never written: the sum is a new tensor.
  Tensor held = x.grad();
  sum(x * 2.0).backward();
  all_close("held keeps its values", held, f64({7, 1, 11}, {3}), 0);
  all_close("new sum", x.grad(), f64({9, 3, 13}, {3}), 0);
  CHECK(x.grad().data<double>() != held.data<double>());
  // Nor is a view of it (another tensor on the same buffer).
  Tensor view = reshape(x.grad(), {3, 1});
  sum(x * 1.0).backward();
  all_close("view keeps its values", view, f64({9, 3, 13}, {3, 1}), 0);
  all_close("sum beside the view", x.grad(), f64({10, 4, 14}, {3}), 0);

  // A gradient with a graph (create_graph) is not changed in place under its graph by a plain
  // backward: the sum is a new tensor without one.
  Tensor w = f64({2}, {1}).requires_grad_();
  backward({sum(w * w * w)}, {}, false, /*create_graph=*/true);  // 3w^2 = 12, with a graph
  CHECK(w.grad().requires_grad());
  sum(w * 1.0).backward();
  all_close("plain sum", w.grad(), f64({13}, {1}), 0);
  CHECK_FALSE(w.grad().requires_grad());
  // And a create_graph backward onto a plain gradient makes a new sum with a graph.
  backward({sum(w * w)}, {}, false, /*create_graph=*/true);  // + 2w = 4
  all_close("sum with a graph", w.grad(), f64({17}, {1}), 0);
  CHECK(w.grad().requires_grad());
  w.zero_grad();  // that graph holds w, which holds .grad: drop it, or neither is freed (as in PyTorch)

  // The tied case: one parameter used twice in one graph gets the sum of both paths.
  Tensor t = f64({1, 2, 3, 4}, {2, 2}).requires_grad_();
  Tensor picked = index_select(t, 0, from_vector(std::vector<int64_t>{1, 1}, {2}));
  sum(matmul(picked, t)).backward();
  // y = sum(P t) with P = [t[1]; t[1]]. Through the right factor dy/dt = P^T 1: row i is
  // 2 t[1, i] = (6, 6), (8, 8). Through the lookup each row of P gets the row sums of t, (3, 7),
  // and both go to row 1: + (6, 14).
  all_close("tied", t.grad(), f64({6, 6, 8 + 6, 8 + 14}, {2, 2}), 0);
}
