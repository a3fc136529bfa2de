// The CUDA backend's GEMM, layer kernels, attention and random fills against the CPU backend's:
// each case calls the kernel table of both devices directly on the same inputs. Cases that need
// a GPU pass without checking anything on a machine without one (tests/support/gpu.h).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "engine/backend.h"
#include "engine/engine.h"
#include "engine/philox.h"
#include "tests/support/gpu.h"

using namespace candor;
using namespace candor::testing;

namespace {

Backend& cpu_backend() { return backend_for(Device::CPU); }
Tensor on_gpu(const Tensor& t) { return t.to(Device::CUDA); }
Tensor empty_on(const Shape& shape, DType dtype, Device device) {
  return Tensor::empty(shape, dtype, device);
}
// Uninitialised outputs of one shape on the CPU and on the GPU.
std::pair<Tensor, Tensor> outputs(const Shape& shape, DType dtype) {
  return {empty_on(shape, dtype, Device::CPU), empty_on(shape, dtype, Device::CUDA)};
}
// Relative tolerance of a GPU-against-CPU comparison: rounding of the dtype, a few operations deep.
double tolerance(DType dtype) { return dtype == kFloat64 ? 1e-12 : 1e-5; }

// C = op(A) op(B) on both devices for batch entries of A and B packed or broadcast (stride 0);
// with `accumulate`, C += op(A) op(B) from the same random C.
void check_gemm(DType dtype, bool trans_a, bool trans_b, bool broadcast_a, bool broadcast_b,
                int64_t m, int64_t n, int64_t k, double rel, bool accumulate = false) {
  Generator gen(7);
  const int64_t batch = 3;
  Backend::Gemm g;
  g.batch = batch;
  g.m = m;
  g.n = n;
  g.k = k;
  g.trans_a = trans_a;
  g.trans_b = trans_b;
  g.stride_a = broadcast_a ? 0 : m * k;
  g.stride_b = broadcast_b ? 0 : k * n;
  g.stride_c = m * n;
  g.accumulate = accumulate;
  Tensor a = randn({broadcast_a ? 1 : batch, trans_a ? k : m, trans_a ? m : k}, kFloat64, &gen);
  Tensor b = randn({broadcast_b ? 1 : batch, trans_b ? n : k, trans_b ? k : n}, kFloat64, &gen);
  if (dtype == kInt64) {  // small integers: exact products
    a = (a * 4.0).to(kInt64);
    b = (b * 4.0).to(kInt64);
  } else {
    a = a.to(dtype);
    b = b.to(dtype);
  }
  Tensor c_start = (randn({batch, m, n}, kFloat64, &gen) * 4.0).to(dtype);
  Tensor c_cpu = c_start.clone();
  Tensor c_gpu = on_gpu(c_start);
  cpu_backend().gemm(g, a, b, c_cpu);
  cuda::backend().gemm(g, on_gpu(a), on_gpu(b), c_gpu);
  INFO("gemm " << dtype_name(dtype) << (trans_a ? " A^T" : " A") << (trans_b ? " B^T" : " B")
                << (broadcast_a ? ", A broadcast" : "") << (broadcast_b ? ", B broadcast" : "")
                << (accumulate ? ", accumulated" : ""));
  check_matches_cpu(c_gpu, c_cpu, rel);
}

void check_softmax(const Tensor& x, int64_t axis, bool log, double rel) {
  Tensor y_cpu = empty_on(x.shape(), x.dtype(), Device::CPU);
  Tensor y_gpu = empty_on(x.shape(), x.dtype(), Device::CUDA);
  cpu_backend().softmax(x, axis, log, y_cpu);
  cuda::backend().softmax(on_gpu(x), axis, log, y_gpu);
  INFO((log ? "log_softmax" : "softmax") << " along axis " << axis);
  check_matches_cpu(y_gpu, y_cpu, rel);
  // The fused backward from the same output and a random gradient.
  Generator gen(11);
  Tensor g = randn(x.shape(), kFloat64, &gen).to(x.dtype());
  Tensor dx_cpu = empty_on(x.shape(), x.dtype(), Device::CPU);
  Tensor dx_gpu = empty_on(x.shape(), x.dtype(), Device::CUDA);
  cpu_backend().softmax_backward(g, y_cpu, axis, log, dx_cpu);
  cuda::backend().softmax_backward(on_gpu(g), on_gpu(y_cpu), axis, log, dx_gpu);
  check_matches_cpu(dx_gpu, dx_cpu, rel, "backward");
}

void check_layer_norm(DType dtype, int64_t rows, int64_t cols, bool affine) {
  Generator gen(11);
  Tensor x = (randn({rows, cols}, kFloat64, &gen) * 2.0 + 0.5).to(dtype);
  Tensor w = affine ? randn({cols}, kFloat64, &gen).to(dtype) : Tensor();
  Tensor b = affine ? randn({cols}, kFloat64, &gen).to(dtype) : Tensor();
  Tensor grad = randn({rows, cols}, kFloat64, &gen).to(dtype);
  const double rel = tolerance(dtype);
  INFO("layer_norm " << dtype_name(dtype) << " [" << rows << ", " << cols << "]"
                     << (affine ? " with weight and bias" : ""));

  auto [y_cpu, y_gpu] = outputs({rows, cols}, dtype);
  auto [mean_cpu, mean_gpu] = outputs({rows}, dtype);
  auto [rstd_cpu, rstd_gpu] = outputs({rows}, dtype);
  cpu_backend().layer_norm(x, w, b, 1e-5, y_cpu, mean_cpu, rstd_cpu);
  cuda::backend().layer_norm(on_gpu(x), affine ? on_gpu(w) : Tensor(),
                             affine ? on_gpu(b) : Tensor(), 1e-5, y_gpu, mean_gpu, rstd_gpu);
  check_matches_cpu(y_gpu, y_cpu, rel, "out");
  check_matches_cpu(mean_gpu, mean_cpu, rel, "mean");
  check_matches_cpu(rstd_gpu, rstd_cpu, rel, "rstd");

  // The backward from the CPU's statistics, so both devices start from the same numbers.
  auto [dx_cpu, dx_gpu] = outputs({rows, cols}, dtype);
  Tensor dw_cpu = affine ? empty_on({cols}, dtype, Device::CPU) : Tensor();
  Tensor db_cpu = affine ? empty_on({cols}, dtype, Device::CPU) : Tensor();
  Tensor dw_gpu = affine ? empty_on({cols}, dtype, Device::CUDA) : Tensor();
  Tensor db_gpu = affine ? empty_on({cols}, dtype, Device::CUDA) : Tensor();
  cpu_backend().layer_norm_backward(grad, x, w, mean_cpu, rstd_cpu, dx_cpu, dw_cpu, db_cpu);
  cuda::backend().layer_norm_backward(on_gpu(grad), on_gpu(x), affine ? on_gpu(w) : Tensor(),
                                      on_gpu(mean_cpu), on_gpu(rstd_cpu), dx_gpu, dw_gpu, db_gpu);
  // float32 gradients sum products of two rounded numbers over every row: a looser bound.
  const double rel_grad = dtype == kFloat64 ? 1e-12 : 1e-4;
  check_matches_cpu(dx_gpu, dx_cpu, rel_grad, "dx");
  if (affine) {
    check_matches_cpu(dw_gpu, dw_cpu, rel_grad, "dweight");
    check_matches_cpu(db_gpu, db_cpu, rel_grad, "dbias");
  }
}

// Attention weights and their backward for q [B, H, T, D], k [B, H, S, D].
void check_attention(DType dtype, int64_t B, int64_t H, int64_t T, int64_t S, int64_t D,
                     bool causal, const Tensor& mask_values) {
  Generator gen(13);
  Tensor q = randn({B, H, T, D}, kFloat64, &gen).to(dtype);
  Tensor k = randn({B, H, S, D}, kFloat64, &gen).to(dtype);
  Tensor grad = randn({B, H, T, S}, kFloat64, &gen).to(dtype);
  Tensor mask = mask_values.defined() ? mask_values.to(dtype) : Tensor();
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  const double rel = tolerance(dtype);
  INFO("attention " << dtype_name(dtype) << " T " << T << " S " << S << (causal ? " causal" : "")
                    << (mask.defined() ? " with padding" : ""));
  auto [p_cpu, p_gpu] = outputs({B, H, T, S}, dtype);
  cpu_backend().attention_weights(q, k, scale, causal, mask, p_cpu);
  const Tensor mask_gpu = mask.defined() ? on_gpu(mask) : Tensor();
  cuda::backend().attention_weights(on_gpu(q), on_gpu(k), scale, causal, mask_gpu, p_gpu);
  check_matches_cpu(p_gpu, p_cpu, rel, "weights");

  auto [dq_cpu, dq_gpu] = outputs({B, H, T, D}, dtype);
  auto [dk_cpu, dk_gpu] = outputs({B, H, S, D}, dtype);
  cpu_backend().attention_weights_backward(grad, p_cpu, q, k, scale, causal, mask, dq_cpu, dk_cpu);
  cuda::backend().attention_weights_backward(on_gpu(grad), on_gpu(p_cpu), on_gpu(q), on_gpu(k),
                                             scale, causal, mask_gpu, dq_gpu, dk_gpu);
  check_matches_cpu(dq_gpu, dq_cpu, rel, "dq");
  check_matches_cpu(dk_gpu, dk_cpu, rel, "dk");
}

void check_random(RandomKind kind, DType dtype, double a, double b, double rel) {
  Generator gen(0x5eed);
  const uint64_t counter = 17;
  const int64_t n = 70000;  // more than one grid-stride pass of some threads
  auto [out_cpu, out_gpu] = outputs({n}, dtype);
  cpu_backend().random(kind, gen, counter, a, b, out_cpu);
  cuda::backend().random(kind, gen, counter, a, b, out_gpu);
  check_matches_cpu(out_gpu, out_cpu, rel, "random kind " + std::to_string(static_cast<int>(kind)) +
                                               " " + dtype_name(dtype));
}

void check_random_integers(int64_t low, uint64_t range) {
  Generator gen(0x5eed);
  const uint64_t counter = 17;
  auto [out_cpu, out_gpu] = outputs({70000}, kInt64);
  cpu_backend().random_integers(gen, counter, low, range, out_cpu);
  cuda::backend().random_integers(gen, counter, low, range, out_gpu);
  check_matches_cpu(out_gpu, out_cpu, 0, "random integers from " + std::to_string(low));
}

}  // namespace

TEST_CASE("cuda backend: gemm matches the CPU for transposes and broadcast batches") {
  if (!have_gpu()) return;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (int broadcast = 0; broadcast < 3; ++broadcast) {
        const bool ba = broadcast == 1, bb = broadcast == 2;
        check_gemm(kFloat32, ta, tb, ba, bb, 5, 7, 4, 1e-5);
        check_gemm(kFloat32, ta, tb, ba, bb, 67, 45, 64, 1e-5);
        check_gemm(kFloat64, ta, tb, ba, bb, 67, 45, 64, 1e-12);
        check_gemm(kInt64, ta, tb, ba, bb, 9, 6, 11, 0);
        check_gemm(kFloat32, ta, tb, ba, bb, 67, 45, 64, 1e-5, true);
        check_gemm(kInt64, ta, tb, ba, bb, 9, 6, 11, 0, true);
      }
    }
  }
  // An empty sum (k = 0) is zeros.
  Tensor a = empty_on({1, 3, 0}, kFloat32, Device::CUDA);
  Tensor b = empty_on({1, 0, 2}, kFloat32, Device::CUDA);
  Tensor c = full({1, 3, 2}, 5.0, kFloat32).to(Device::CUDA);
  Backend::Gemm g;
  g.m = 3;
  g.n = 2;
  g.k = 0;
  cuda::backend().gemm(g, a, b, c);
  CHECK(c.cpu().to_vector<float>() == std::vector<float>(6, 0.0f));
  // ... and adds nothing when accumulated.
  Tensor kept = full({1, 3, 2}, 5.0, kFloat32).to(Device::CUDA);
  g.accumulate = true;
  cuda::backend().gemm(g, a, b, kept);
  CHECK(kept.cpu().to_vector<float>() == std::vector<float>(6, 5.0f));
}

TEST_CASE("cuda backend: gemm with TF32 allowed is close, and off again by default") {
  if (!have_gpu()) return;
  CHECK_FALSE(cuda::allow_tf32());
  cuda::set_allow_tf32(true);
  CHECK(cuda::allow_tf32());
  // TF32 keeps 10 mantissa bits of each factor: about 1e-3 relative per product.
  check_gemm(kFloat32, false, true, false, false, 67, 45, 64, 5e-2);
  cuda::set_allow_tf32(false);
  check_gemm(kFloat32, false, true, false, false, 67, 45, 64, 1e-5);
}

TEST_CASE("cuda backend: softmax and log-softmax, and their backward, along the first, middle and last axis") {
  if (!have_gpu()) return;
  for (DType dtype : {kFloat32, kFloat64}) {
    Generator gen(3);
    Tensor x = (randn({4, 5, 300}, kFloat64, &gen) * 3.0).to(dtype);
    for (int64_t axis : {0, 1, 2}) {
      for (bool log : {false, true}) check_softmax(x, axis, log, tolerance(dtype));
    }
  }
  // One dominant class in a GPT-2-sized vocabulary: the small terms' sum must keep its digits.
  Generator gen(5);
  std::vector<float> logits = randn({2, 50257}, kFloat32, &gen).to_vector<float>();
  logits[123] = 40.0f;
  logits[50257 + 9] = -std::numeric_limits<float>::infinity();  // one -inf entry: weight 0
  Tensor x = from_vector(logits, {2, 50257});
  check_softmax(x, 1, false, 1e-5);
  check_softmax(x, 1, true, 1e-5);
}

TEST_CASE("cuda backend: layer norm and its backward, with and without weight and bias") {
  if (!have_gpu()) return;
  for (DType dtype : {kFloat32, kFloat64}) {
    for (bool affine : {false, true}) {
      check_layer_norm(dtype, 130, 300, affine);  // > 64 rows: several partial-sum blocks
      check_layer_norm(dtype, 3, 5, affine);
    }
  }
}

TEST_CASE("cuda backend: GELU (tanh form) and its backward") {
  if (!have_gpu()) return;
  for (DType dtype : {kFloat32, kFloat64}) {
    Generator gen(17);
    Tensor x = (randn({1000}, kFloat64, &gen) * 3.0).to(dtype);
    Tensor grad = randn({1000}, kFloat64, &gen).to(dtype);
    auto [y_cpu, y_gpu] = outputs({1000}, dtype);
    cpu_backend().gelu_tanh(x, y_cpu);
    cuda::backend().gelu_tanh(on_gpu(x), y_gpu);
    check_matches_cpu(y_gpu, y_cpu, tolerance(dtype), "gelu");
    auto [d_cpu, d_gpu] = outputs({1000}, dtype);
    cpu_backend().gelu_tanh_backward(grad, x, d_cpu);
    cuda::backend().gelu_tanh_backward(on_gpu(grad), on_gpu(x), d_gpu);
    check_matches_cpu(d_gpu, d_cpu, tolerance(dtype), "gelu backward");
  }
}

TEST_CASE("cuda backend: attention weights, causal and padded, and their backward") {
  if (!have_gpu()) return;
  // Batch 0 pads its last two keys; batch 1 pads every key (uniform weights).
  std::vector<double> pad(2 * 9, 0.0);
  pad[7] = pad[8] = 1;
  for (int j = 9; j < 18; ++j) pad[j] = 1;
  Tensor mask = from_vector(pad, {2, 9});
  for (DType dtype : {kFloat32, kFloat64}) {
    for (bool causal : {false, true}) {
      check_attention(dtype, 2, 3, 7, 9, 16, causal, Tensor());
      check_attention(dtype, 2, 3, 7, 9, 16, causal, mask);
      check_attention(dtype, 1, 2, 5, 300, 8, causal, Tensor());  // rows longer than a block
    }
  }
}

TEST_CASE("cuda backend: random fills equal the CPU's, block for block") {
  if (!have_gpu()) return;
  for (DType dtype : {kFloat32, kFloat64}) {
    check_random(RandomKind::Uniform, dtype, -2.0, 3.0, 0);
    check_random(RandomKind::Bernoulli, dtype, 0.3, 0, 0);
  }
  // CUDA's log and cos may round differently from glibc's in the last bit of a double.
  check_random(RandomKind::Normal, kFloat64, 0.5, 2.0, 1e-15);
  check_random(RandomKind::Normal, kFloat32, 0.5, 2.0, 1e-6);
  check_random_integers(-5, 12);
  check_random_integers(0, uint64_t{1} << 62);  // beyond double's 53 bits
  check_random_integers(INT64_MIN, UINT64_MAX);  // all of int64 but its largest value
}

TEST_CASE("cuda backend: TF32 is off by default, and allowing it needs a CUDA build") {
  CHECK_FALSE(cuda::allow_tf32());
  if (!cuda::built_with_cuda()) {
    CHECK_THROWS_AS(cuda::set_allow_tf32(true), DeviceError);
    return;
  }
  cuda::set_allow_tf32(true);
  CHECK(cuda::allow_tf32());
  cuda::set_allow_tf32(false);
  CHECK_FALSE(cuda::allow_tf32());
}

TEST_CASE("philox.h: Random123's known answers, and the generator's blocks") {
  // Random123's kat_vectors, "philox4x32 10": counter, key -> output.
  auto words = [](const philox::Words& w) { return std::vector<uint32_t>(w.w, w.w + 4); };
  CHECK(words(philox::rounds10({{0, 0, 0, 0}}, 0, 0)) ==
        std::vector<uint32_t>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  const philox::Words pi_digits{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}};
  CHECK(words(philox::rounds10(pi_digits, 0xa4093822, 0x299f31d0)) ==
        std::vector<uint32_t>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
  Generator gen(0x0123456789abcdefULL);
  auto from_gen = gen.block(0x1122334455667788ULL);
  CHECK(words(philox::block(gen.seed(), 0x1122334455667788ULL)) ==
        std::vector<uint32_t>(from_gen.begin(), from_gen.end()));
  // Uniform samples round once: the fused a + (b - a) u, whatever the compiler's contraction.
  const philox::Words w = philox::block(1, 2);
  const double u = philox::uniform_double(w.w[0], w.w[1]);
  CHECK(philox::uniform_in(-2.0, 3.0, w) == std::fma(5.0, u, -2.0));
}
