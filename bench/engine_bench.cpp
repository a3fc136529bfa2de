// Engine benchmarks: one JSON object per line and case, with the median time over repeats after
// warm-up and a derived rate. bench/engine_bench_torch.py measures the same cases in PyTorch.
//
//   engine_bench [--quick]
//
// Cases: sgemm (square 256, 1024, 2048), elementwise add of 16M floats, softmax over 4096x4096,
// and one training step of an MLP 104 -> 64 -> 64 -> 1 with BCE-with-logits (forward, backward,
// Adam update written out by hand) at batch 256 and 4096.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/engine.h"

using namespace candor;

namespace {

double median_seconds(const std::function<void()>& run, int warmup, int repeats) {
  for (int i = 0; i < warmup; ++i) run();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    run();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void report(const std::string& name, const std::string& shape, double seconds,
            const std::string& rate_name, double rate) {
  fmt::print("{{\"name\": \"{}\", \"shape\": \"{}\", \"threads\": {}, \"median_us\": {:.1f}, "
             "\"{}\": {:.2f}}}\n", name, shape, omp_get_max_threads(), seconds * 1e6, rate_name, rate);
  std::fflush(stdout);
}

// Adam (Kingma & Ba, 2015) on one parameter, written with raw loops: the optimizer module comes
// later, and the benchmark measures the engine.
struct AdamState {
  Tensor m, v;
};
void adam_update(Tensor& p, AdamState& s, int step, double lr = 1e-3) {
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  if (!s.m.defined()) {
    s.m = zeros_like(p);
    s.v = zeros_like(p);
  }
  float* w = p.data<float>();
  const float* g = p.grad().data<float>();
  float* m = s.m.data<float>();
  float* v = s.v.data<float>();
  double c1 = 1 - std::pow(b1, step), c2 = 1 - std::pow(b2, step);
  for (int64_t i = 0; i < p.numel(); ++i) {
    m[i] = static_cast<float>(b1 * m[i] + (1 - b1) * g[i]);
    v[i] = static_cast<float>(b2 * v[i] + (1 - b2) * g[i] * g[i]);
    w[i] -= static_cast<float>(lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps));
  }
  p.zero_grad();
}

void bench_mlp(int64_t batch, bool quick) {
  Generator gen(0);
  auto param = [&](Shape shape, double fan_in) {
    Tensor t = uniform(shape, -1 / std::sqrt(fan_in), 1 / std::sqrt(fan_in), kFloat32, &gen);
    t.requires_grad_();
    return t;
  };
  std::vector<Tensor> params = {param({104, 64}, 104), param({64}, 104), param({64, 64}, 64),
                                param({64}, 64),       param({64, 1}, 64), param({1}, 64)};
  std::vector<AdamState> states(params.size());
  Tensor x = randn({batch, 104}, kFloat32, &gen);
  Tensor y = bernoulli({batch, 1}, 0.3, kFloat32, &gen);
  int step = 0;
  auto train_step = [&] {
    Tensor h = relu(matmul(x, params[0]) + params[1]);
    h = relu(matmul(h, params[2]) + params[3]);
    Tensor logits = matmul(h, params[4]) + params[5];
    Tensor loss = binary_cross_entropy_with_logits(logits, y);
    loss.backward();
    ++step;
    for (size_t i = 0; i < params.size(); ++i) adam_update(params[i], states[i], step);
  };
  double s = median_seconds(train_step, 20, quick ? 20 : 200);
  report("mlp_step", fmt::format("{}x104-64-64-1", batch), s, "steps_per_s", 1 / s);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  for (int64_t n : {256, 1024, 2048}) {
    Tensor a = randn({n, n}), b = randn({n, n});
    double s = median_seconds([&] { matmul(a, b); }, 2, quick ? 3 : (n <= 1024 ? 20 : 5));
    report("sgemm", fmt::format("{}x{}x{}", n, n, n), s, "gflops", 2.0 * n * n * n / s / 1e9);
  }
  {
    int64_t n = 16 << 20;
    Tensor a = randn({n}), b = randn({n});
    double s = median_seconds([&] { add(a, b); }, 2, quick ? 3 : 20);
    report("add", fmt::format("{}", n), s, "gb_per_s", 3.0 * n * sizeof(float) / s / 1e9);
  }
  {
    Tensor x = randn({4096, 4096});
    double s = median_seconds([&] { softmax(x, -1); }, 2, quick ? 3 : 20);
    report("softmax", "4096x4096", s, "gb_per_s", 2.0 * x.numel() * sizeof(float) / s / 1e9);
  }
  bench_mlp(256, quick);
  bench_mlp(4096, quick);
  return 0;
}
