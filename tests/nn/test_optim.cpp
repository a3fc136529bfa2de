// Optimizers against their update rules, written out independently here in double: three steps on
// a small parameter with a different fixed gradient each step. And gradient-norm clipping.
#include <omp.h>

#include <cmath>
#include <memory>
#include <vector>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "nn/optim.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::nn;

namespace {

using Trace = std::vector<std::vector<double>>;  // parameter values after each step

const std::vector<double> kP0 = {0.5, -1.0, 2.0, 0.0};
const std::vector<double> kG0 = {0.1, -0.2, 0.3, -0.05};
// The gradient given at step t (1-based).
double grad_at(size_t i, int t) { return kG0[i] * (1 + 0.5 * (t - 1)); }

Tensor make_param(DType dtype) { return from_vector(kP0, {4}).to(dtype).requires_grad_(); }

void give_grad(Tensor& p, int t) {
  std::vector<double> g;
  for (size_t i = 0; i < kG0.size(); ++i) g.push_back(grad_at(i, t));
  p.set_grad(from_vector(g, {4}).to(p.dtype()));
}

Trace run(Optimizer& opt, Tensor& p, int steps = 3) {
  Trace trace;
  for (int t = 1; t <= steps; ++t) {
    give_grad(p, t);
    opt.step();
    trace.push_back(p.to_vector<double>());
  }
  return trace;
}

void check_trace(const Trace& actual, const Trace& expected, double rel) {
  REQUIRE(actual.size() == expected.size());
  for (size_t t = 0; t < actual.size(); ++t) {
    for (size_t i = 0; i < actual[t].size(); ++i) {
      INFO("step " << t + 1 << ", element " << i);
      CHECK(actual[t][i] == doctest::Approx(expected[t][i]).epsilon(rel).scale(1.0));
    }
  }
}

// torch.optim.SGD's documented algorithm.
Trace sgd_reference(const SgdOptions& o) {
  std::vector<double> p = kP0, b(p.size());
  Trace trace;
  for (int t = 1; t <= 3; ++t) {
    for (size_t i = 0; i < p.size(); ++i) {
      double g = grad_at(i, t);
      if (o.weight_decay != 0) g = g + o.weight_decay * p[i];
      if (o.momentum != 0) {
        if (t > 1) {
          b[i] = o.momentum * b[i] + (1 - o.dampening) * g;
        } else {
          b[i] = g;
        }
        if (o.nesterov) {
          g = g + o.momentum * b[i];
        } else {
          g = b[i];
        }
      }
      p[i] = p[i] - o.lr * g;
    }
    trace.push_back(p);
  }
  return trace;
}

// torch.optim.Adam's and AdamW's documented algorithms, with the bias-corrected moments.
Trace adam_reference(const AdamOptions& o, bool adamw) {
  std::vector<double> p = kP0, m(p.size(), 0.0), v(p.size(), 0.0);
  Trace trace;
  for (int t = 1; t <= 3; ++t) {
    for (size_t i = 0; i < p.size(); ++i) {
      double g = grad_at(i, t);
      if (adamw) {
        p[i] = p[i] - o.lr * o.weight_decay * p[i];
      } else if (o.weight_decay != 0) {
        g = g + o.weight_decay * p[i];
      }
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
      double m_hat = m[i] / (1 - std::pow(o.beta1, t));
      double v_hat = v[i] / (1 - std::pow(o.beta2, t));
      p[i] = p[i] - o.lr * m_hat / (std::sqrt(v_hat) + o.eps);
    }
    trace.push_back(p);
  }
  return trace;
}

}  // namespace

TEST_CASE("SGD: plain, momentum, dampening, Nesterov and weight decay follow torch.optim.SGD") {
  std::vector<SgdOptions> variants = {
      {.lr = 0.1},
      {.lr = 0.1, .momentum = 0.9},
      {.lr = 0.1, .momentum = 0.9, .dampening = 0.3},
      {.lr = 0.1, .momentum = 0.9, .nesterov = true},
      {.lr = 0.05, .momentum = 0.8, .weight_decay = 0.1},
      {.lr = 0.05, .weight_decay = 0.2},
      {.lr = 0.05, .momentum = 0.5, .weight_decay = 0.1, .nesterov = true},
  };
  for (DType dtype : {kFloat64, kFloat32}) {
    for (size_t k = 0; k < variants.size(); ++k) {
      INFO("variant " << k << ", " << dtype_name(dtype));
      Tensor p = make_param(dtype);
      SGD opt({p}, variants[k]);
      check_trace(run(opt, p), sgd_reference(variants[k]), dtype == kFloat64 ? 1e-12 : 1e-6);
    }
  }
}

TEST_CASE("SGD: momentum and Nesterov expanded by hand over three steps") {
  const double lr = 0.1, mu = 0.9;
  for (bool nesterov : {false, true}) {
    Tensor p = make_param(kFloat64);
    SGD opt({p}, {.lr = lr, .momentum = mu, .nesterov = nesterov});
    Trace trace = run(opt, p);
    for (size_t i = 0; i < kP0.size(); ++i) {
      double g1 = grad_at(i, 1), g2 = grad_at(i, 2), g3 = grad_at(i, 3);
      double b1 = g1, b2 = mu * g1 + g2, b3 = mu * mu * g1 + mu * g2 + g3;
      double total = nesterov ? (g1 + mu * b1) + (g2 + mu * b2) + (g3 + mu * b3) : b1 + b2 + b3;
      CHECK(trace[2][i] == doctest::Approx(kP0[i] - lr * total).epsilon(1e-12));
    }
  }
}

TEST_CASE("Adam and AdamW follow torch.optim.Adam / AdamW, and their weight decays differ") {
  std::vector<AdamOptions> variants = {
      {.lr = 0.1},
      {.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-3},
      {.lr = 0.1, .weight_decay = 0.1},
  };
  for (DType dtype : {kFloat64, kFloat32}) {
    double rel = dtype == kFloat64 ? 1e-12 : 1e-6;
    for (size_t k = 0; k < variants.size(); ++k) {
      INFO("variant " << k << ", " << dtype_name(dtype));
      Tensor p = make_param(dtype);
      Adam adam({p}, variants[k]);
      check_trace(run(adam, p), adam_reference(variants[k], false), rel);
      Tensor q = make_param(dtype);
      AdamW adamw({q}, variants[k]);
      check_trace(run(adamw, q), adam_reference(variants[k], true), rel);
      CHECK(adam.step_count(0) == 3);
    }
  }
  // With decay the two differ clearly (L2 through the moments vs decoupled shrinkage).
  AdamOptions o{.lr = 0.1, .weight_decay = 0.1};
  Trace l2 = adam_reference(o, false), decoupled = adam_reference(o, true);
  CHECK(std::abs(l2[2][2] - decoupled[2][2]) > 1e-3);
}

TEST_CASE("AdamW over many parameters: chunks in parallel give the same bits as one thread, "
          "and each chunk matches the single-parameter update") {
  // Sizes that cut into several 32768-element chunks and leave small parameters between them.
  const std::vector<int64_t> sizes = {70000, 100, 40000, 7, 33000};
  auto run_with = [&](int threads, bool together) {
    omp_set_num_threads(threads);
    Generator gen(5);
    std::vector<Tensor> params;
    for (int64_t n : sizes) params.push_back(randn({n}, kFloat32, &gen).requires_grad_());
    std::vector<Tensor> grads;
    for (int64_t n : sizes) grads.push_back(randn({n}, kFloat32, &gen));
    std::vector<std::unique_ptr<AdamW>> optimizers;
    if (together) {
      optimizers.push_back(std::make_unique<AdamW>(params, AdamWOptions{.lr = 0.01}));
    } else {
      for (Tensor& p : params) optimizers.push_back(std::make_unique<AdamW>(std::vector<Tensor>{p}, AdamWOptions{.lr = 0.01}));
    }
    for (int step = 0; step < 2; ++step) {
      for (size_t i = 0; i < params.size(); ++i) params[i].set_grad(grads[i] * (1.0 + step));
      for (auto& o : optimizers) o->step();
    }
    std::vector<std::vector<float>> out;
    for (Tensor& p : params) out.push_back(p.to_vector<float>());
    return out;
  };
  int saved = omp_get_max_threads();
  auto one = run_with(1, true), two = run_with(2, true), separate = run_with(1, false);
  omp_set_num_threads(saved);
  CHECK(one == two);
  CHECK(one == separate);
}

TEST_CASE("Adam: with a constant gradient every step moves lr * g / (|g| + eps)") {
  // m_hat = g and v_hat = g^2 exactly once bias-corrected, so p_t = p_0 - t lr g / (|g| + eps).
  Tensor p = make_param(kFloat64);
  Adam adam({p}, {.lr = 0.01, .eps = 1e-3});
  for (int t = 1; t <= 3; ++t) {
    p.set_grad(from_vector(kG0, {4}));
    adam.step();
  }
  std::vector<double> v = p.to_vector<double>();
  for (size_t i = 0; i < v.size(); ++i) {
    CHECK(v[i] == doctest::Approx(kP0[i] - 3 * 0.01 * kG0[i] / (std::abs(kG0[i]) + 1e-3)).epsilon(1e-12));
  }
  // AdamW shrinks first: p_t = (1 - lr wd) p_{t-1} - lr g / (|g| + eps).
  Tensor q = make_param(kFloat64);
  AdamW adamw({q}, AdamWOptions{.lr = 0.01, .eps = 1e-3, .weight_decay = 0.5});
  std::vector<double> expected = kP0;
  for (int t = 1; t <= 3; ++t) {
    q.set_grad(from_vector(kG0, {4}));
    adamw.step();
    for (size_t i = 0; i < expected.size(); ++i) {
      expected[i] = (1 - 0.01 * 0.5) * expected[i] - 0.01 * kG0[i] / (std::abs(kG0[i]) + 1e-3);
    }
  }
  std::vector<double> w = q.to_vector<double>();
  for (size_t i = 0; i < w.size(); ++i) CHECK(w[i] == doctest::Approx(expected[i]).epsilon(1e-12));
}

TEST_CASE("AdamW defaults to weight_decay 0.01, and explicit AdamOptions are taken as given") {
  Tensor p = make_param(kFloat32);
  CHECK(AdamW({p}).options().weight_decay == 0.01);
  CHECK(AdamW({p}, AdamOptions{}).options().weight_decay == 0);
  CHECK(Adam({p}).options().weight_decay == 0);
  CHECK(Adam({p}).lr() == 1e-3);
  CHECK(SGD({p}).lr() == 0.01);
}

TEST_CASE("optimizers skip parameters without a gradient and frozen ones") {
  Tensor a = make_param(kFloat64), b = make_param(kFloat64), frozen = make_param(kFloat64);
  frozen.set_grad(ones({4}, kFloat64));
  frozen.requires_grad_(false);
  Adam adam({a, b, frozen}, {.lr = 0.1});
  give_grad(a, 1);
  adam.step();
  CHECK(a.to_vector<double>() != kP0);
  CHECK(b.to_vector<double>() == kP0);
  CHECK(frozen.to_vector<double>() == kP0);
  CHECK(adam.step_count(1) == 0);
  CHECK(adam.step_count(2) == 0);
  // b's first update, one step later, is a first Adam step: lr * g / (|g| + eps).
  give_grad(b, 1);
  adam.step();
  std::vector<double> v = b.to_vector<double>();
  for (size_t i = 0; i < v.size(); ++i) {
    CHECK(v[i] == doctest::Approx(kP0[i] - 0.1 * kG0[i] / (std::abs(kG0[i]) + 1e-8)).epsilon(1e-12));
  }
  CHECK(adam.step_count(0) == 2);
  CHECK(adam.step_count(1) == 1);

  SGD sgd({a, frozen}, {.lr = 1.0, .momentum = 0.9});
  sgd.step();  // a has the gradient from before; frozen is skipped
  CHECK(frozen.to_vector<double>() == kP0);
  sgd.zero_grad();
  CHECK_FALSE(a.grad().defined());
  std::vector<double> before = a.to_vector<double>();
  sgd.step();  // nothing has a gradient now
  CHECK(a.to_vector<double>() == before);
}

TEST_CASE("optimizer: the learning rate can change between steps") {
  Tensor p = make_param(kFloat64);
  SGD opt({p}, {.lr = 0.1});
  opt.set_lr(0.5);
  CHECK(opt.lr() == 0.5);
  give_grad(p, 1);
  opt.step();
  CHECK(p.to_vector<double>()[1] == doctest::Approx(kP0[1] - 0.5 * kG0[1]).epsilon(1e-12));
}

TEST_CASE("optimizer: bad options and parameters are errors") {
  Tensor p = make_param(kFloat32);
  testing::check_throws<ValueError>([&] { SGD({p}, {.lr = 0.1, .nesterov = true}); }, {"SGD", "Nesterov"});
  testing::check_throws<ValueError>([&] { SGD({p}, {.lr = -1}); }, {"lr", "-1"});
  testing::check_throws<ValueError>([&] { SGD({p}, {.momentum = -0.5}); }, {"SGD", "momentum"});
  testing::check_throws<ValueError>([&] { Adam({p}, {.beta2 = 1.0}); }, {"Adam", "betas"});
  testing::check_throws<ValueError>([&] { AdamW({p}, AdamWOptions{.weight_decay = -1}); }, {"AdamW", "weight_decay"});
  testing::check_throws<ValueError>([&] { Adam({}, {}); }, {"empty parameter list"});
  testing::check_throws<ValueError>([&] { Adam({p, p}, {}); }, {"parameter 1", "[4]", "twice"});
  testing::check_throws<DTypeError>([&] { SGD({zeros({2}, kInt64)}); }, {"parameter 0", "int64"});
  SGD opt({p});
  testing::check_throws<ValueError>([&] { opt.set_lr(-0.1); }, {"set_lr"});
  Tensor q = make_param(kFloat64);
  q.set_grad(zeros({4}, kFloat32));
  SGD mixed({q});
  testing::check_throws<ValueError>([&] { mixed.step(); }, {"parameter 0", "float64", "float32"});
}

TEST_CASE("clip_grad_norm: returns the total norm and scales all gradients together") {
  Tensor a = zeros({2}, kFloat64).requires_grad_(), b = zeros({1}, kFloat64).requires_grad_();
  Tensor none = zeros({3}, kFloat64).requires_grad_();  // no gradient: skipped
  a.set_grad(from_vector(std::vector<double>{3, 4}, {2}));
  b.set_grad(from_vector(std::vector<double>{12}, {1}));
  // Norm sqrt(9 + 16 + 144) = 13; below max_norm nothing changes.
  Tensor a_grad = a.grad();
  CHECK(clip_grad_norm({a, b, none}, 20) == doctest::Approx(13).epsilon(1e-15));
  CHECK(a.grad().is_same(a_grad));
  CHECK(clip_grad_norm({a, b, none}, 6.5) == doctest::Approx(13).epsilon(1e-15));
  double scale = 6.5 / (13 + 1e-6);
  CHECK(a.grad().to_vector<double>()[0] == doctest::Approx(3 * scale).epsilon(1e-15));
  CHECK(a.grad().to_vector<double>()[1] == doctest::Approx(4 * scale).epsilon(1e-15));
  CHECK(b.grad().to_vector<double>()[0] == doctest::Approx(12 * scale).epsilon(1e-15));
  CHECK_FALSE(none.grad().defined());
  // The clipped norm is max_norm (up to the 1e-6 guard).
  CHECK(clip_grad_norm({a, b}, 100) == doctest::Approx(6.5).epsilon(1e-6));
  testing::check_throws<ValueError>([&] { clip_grad_norm({a}, -1); }, {"clip_grad_norm", "-1"});
}

TEST_CASE("clip_grad_norm: gradients that share storage are each scaled once") {
  // The backward of x + y hands the same gradient tensor to both leaves.
  Tensor x = zeros({2}).requires_grad_(), y = zeros({2}).requires_grad_();
  (x + y).backward(from_vector(std::vector<float>{3, 4}, {2}));
  double norm = clip_grad_norm({x, y}, 1.0);
  CHECK(norm == doctest::Approx(std::sqrt(50.0)));
  double scale = 1.0 / (std::sqrt(50.0) + 1e-6);
  for (const Tensor& t : {x, y}) {
    CHECK(t.grad().to_vector<double>()[0] == doctest::Approx(3 * scale).epsilon(1e-6));
    CHECK(t.grad().to_vector<double>()[1] == doctest::Approx(4 * scale).epsilon(1e-6));
  }
}

TEST_CASE("optimizers: a gradient on another device than its parameter is refused, naming both") {
  Tensor p = ones({3}).requires_grad_();
  // A gradient whose device field says CUDA (its data stays on the host; no kernel reads it).
  auto impl = std::make_shared<TensorImpl>(*zeros({3}).impl());
  impl->device = Device::CUDA;
  p.set_grad(Tensor(impl));
  for (int adam = 0; adam < 2; ++adam) {
    std::unique_ptr<Optimizer> opt;
    if (adam) opt = std::make_unique<Adam>(std::vector<Tensor>{p});
    else opt = std::make_unique<SGD>(std::vector<Tensor>{p});
    candor::testing::check_throws<DeviceError>([&] { opt->step(); },
                                               {"optimizer: parameter 0 is on cpu but its gradient is on cuda"});
  }
  CHECK(p.to_vector<double>() == std::vector<double>{1, 1, 1});
}
