// Linear, Embedding, LayerNorm, Dropout and the activations: parameters and a one-op forward.
#include "nn/layers.h"

#include <fmt/format.h>

#include "engine/ops/ops.h"
#include "nn/init.h"
#include "nn/lora.h"

namespace candor::nn {

namespace {
void check_positive(int64_t value, const char* what, const char* layer) {
  if (value <= 0) throw ValueError(fmt::format("{}: {} must be positive, got {}", layer, what, value));
}
}  // namespace

Linear::Linear(int64_t in, int64_t out, Generator& gen, bool has_bias, Init init) {
  check_positive(in, "in_features", "Linear");
  check_positive(out, "out_features", "Linear");
  weight = register_parameter("weight", Tensor::empty({out, in}));  // [out, in]
  switch (init) {
    case Init::PyTorchDefault: kaiming_uniform_(weight, in, gen); break;
    case Init::KaimingUniform: kaiming_uniform_(weight, in, gen, 0.0); break;
    case Init::XavierUniform: xavier_uniform_(weight, in, out, gen); break;
  }
  if (!has_bias) return;
  bias = register_parameter("bias", Tensor::empty({out}));  // [out]
  if (init == Init::PyTorchDefault) {
    linear_bias_uniform_(bias, in, gen);
  } else {
    zeros_(bias);
  }
}

Tensor Linear::forward(const Tensor& x) {
  Tensor y = linear(x, weight, bias);  // [..., out]
  // LoRA (lora.h): h = W0 x + (alpha / r) B A x, unless the update is merged into W already
  if (lora && !lora->merged) y = y + (*lora)(x);
  return y;
}

void Linear::add_lora(std::shared_ptr<LoraAdapter> adapter) {
  detail::prepare_lora(adapter, lora != nullptr, weight.size(1), weight.size(0), weight.dtype(), "Linear");
  lora = register_module("lora", std::move(adapter));
  lora->train(is_training());
}

Embedding::Embedding(int64_t num, int64_t dim, Generator& gen) {
  check_positive(num, "num_embeddings", "Embedding");
  check_positive(dim, "embedding_dim", "Embedding");
  weight = register_parameter("weight", Tensor::empty({num, dim}));  // [V, C]
  normal_(weight, 0.0, 1.0, gen);
}

Tensor Embedding::forward(const Tensor& ids) { return embedding(weight, ids); }

LayerNorm::LayerNorm(Shape normalized_shape, double epsilon, bool elementwise_affine)
    : normalized(std::move(normalized_shape)), eps(epsilon) {
  if (normalized.empty()) throw ValueError("LayerNorm: the normalized shape must not be empty");
  for (int64_t s : normalized) check_positive(s, "every normalized dimension", "LayerNorm");
  if (!(eps > 0)) throw ValueError(fmt::format("LayerNorm: eps must be positive, got {}", eps));
  if (!elementwise_affine) return;
  weight = register_parameter("weight", ones(normalized));
  bias = register_parameter("bias", zeros(normalized));
}

Tensor LayerNorm::forward(const Tensor& x) { return layer_norm(x, normalized, weight, bias, eps); }

Dropout::Dropout(double probability, Generator& gen) : p(probability), gen_(gen.next_u64()) {
  if (!(p >= 0 && p <= 1)) throw ValueError(fmt::format("Dropout: p must be in [0, 1], got {}", p));
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, is_training(), &gen_); }

Tensor ReLU::forward(const Tensor& x) { return relu(x); }

GELU::GELU(std::string mode) : approximate(std::move(mode)) {
  if (approximate != "none" && approximate != "tanh") {
    throw ValueError(fmt::format("GELU: approximate must be \"none\" or \"tanh\", got \"{}\"", approximate));
  }
}

Tensor GELU::forward(const Tensor& x) { return gelu(x, approximate); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }

}  // namespace candor::nn
