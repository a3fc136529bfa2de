// Engine benchmarks: one JSON object per line and case, with the median time over repeats after
// warm-up and a derived rate. bench/engine_bench_torch.py measures the same cases in PyTorch.
//
//   engine_bench [--quick] [--only NAME]   (NAME: sgemm, add, softmax, mlp_step)
//
// Cases: sgemm (square 256, 1024, 2048), elementwise add of 16M floats, softmax over 4096x4096,
// and one training step of an MLP 104 -> 64 -> 64 -> 1 with BCE-with-logits (forward, backward,
// Adam update written out by hand) at batch 256 and 4096.
#include <omp.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <Eigen/Core>

#include "bench/timing.h"
#include "engine/engine.h"
#include "engine/threads.h"

using namespace candor;
using candor::bench::median_seconds;
using candor::bench::peak_rss_mb;

namespace {

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
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  if (!s.m.defined()) {
    s.m = zeros_like(p);
    s.v = zeros_like(p);
  }
  using Array = Eigen::Map<Eigen::ArrayXf>;
  Array w(p.data<float>(), p.numel()), m(s.m.data<float>(), p.numel()), v(s.v.data<float>(), p.numel());
  Eigen::Map<const Eigen::ArrayXf> g(p.grad().data<float>(), p.numel());
  // w -= lr * m_hat / (sqrt(v_hat) + eps), with the bias corrections folded into two constants.
  auto step_size = static_cast<float>(lr / (1 - std::pow(0.9, step)));
  auto inv_sqrt_c2 = static_cast<float>(1 / std::sqrt(1 - std::pow(0.999, step)));
  m = b1 * m + (1 - b1) * g;
  v = b2 * v + (1 - b2) * g.square();
  w -= step_size * m / (v.sqrt() * inv_sqrt_c2 + eps);
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
    // Each layer is addmm(b, x, W), as torch.nn.Linear computes it (the GEMM starts from the bias).
    Tensor h = relu(addmm(params[1], x, params[0]));
    h = relu(addmm(params[3], h, params[2]));
    Tensor logits = addmm(params[5], h, params[4]);
    Tensor loss = binary_cross_entropy_with_logits(logits, y);
    loss.backward();
    ++step;
    for (size_t i = 0; i < params.size(); ++i) adam_update(params[i], states[i], step);
  };
  double s = median_seconds(train_step, 20, quick ? 20 : 1000);
  report("mlp_step", fmt::format("{}x104-64-64-1", batch), s, "steps_per_s", 1 / s);
}

}  // namespace

int main(int argc, char** argv) {
  candor::passive_threads_by_default(argv);  // as the candor command does (engine/threads.h)
  bool quick = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
  }
  auto wanted = [&](const char* name) { return only.empty() || only == name; };
  for (int64_t n : {256, 1024, 2048}) {
    if (!wanted("sgemm")) break;
    Tensor a = randn({n, n}), b = randn({n, n});
    double s = median_seconds([&] { matmul(a, b); }, 2, quick ? 3 : (n <= 1024 ? 20 : 5));
    report("sgemm", fmt::format("{}x{}x{}", n, n, n), s, "gflops", 2.0 * n * n * n / s / 1e9);
  }
  if (wanted("add")) {
    int64_t n = 16 << 20;
    Tensor a = randn({n}), b = randn({n});
    double s = median_seconds([&] { add(a, b); }, 2, quick ? 3 : 20);
    report("add", fmt::format("{}", n), s, "gb_per_s", 3.0 * n * sizeof(float) / s / 1e9);
  }
  if (wanted("softmax")) {
    Tensor x = randn({4096, 4096});
    double s = median_seconds([&] { softmax(x, -1); }, 2, quick ? 3 : 20);
    report("softmax", "4096x4096", s, "gb_per_s", 2.0 * x.numel() * sizeof(float) / s / 1e9);
  }
  if (wanted("mlp_step")) {
    bench_mlp(256, quick);
    bench_mlp(4096, quick);
  }
  return 0;
}
