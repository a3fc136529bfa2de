// The layers models are built from, each a Module whose forward is one engine op (or a chain of
// them, for Sequential), and make_mlp. Parameters are float32; Module::to converts them.
// Names and defaults follow PyTorch's torch.nn, so checkpoints map one to one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/generator.h"
#include "nn/module.h"

namespace candor::nn {

// How Linear draws its weight [out, in]:
//   PyTorchDefault  weight kaiming_uniform_(a = sqrt(5)), i.e. U(+-1/sqrt(in)); bias U(+-1/sqrt(in))
//   KaimingUniform  weight He uniform for ReLU (a = 0), U(+-sqrt(6/in)); bias zeros
//   XavierUniform   weight U(+-sqrt(6/(in+out))); bias zeros
enum class Init { PyTorchDefault, KaimingUniform, XavierUniform };

class LoraAdapter;  // nn/lora.h

// y = x W^T + b, x [..., in] -> y [..., out]; weight [out, in], bias [out].
// With a LoRA adapter (nn/lora.h, usually added by apply_lora): y = x W^T + b + lora(x), unless
// the adapter is merged into W.
class Linear : public Module {
 public:
  Linear(int64_t in, int64_t out, Generator& gen, bool bias = true, Init init = Init::PyTorchDefault);
  Tensor forward(const Tensor& x) override;
  // Registers `adapter` as the child "lora" (its parameters become "lora.A", "lora.B") and
  // converts it to the weight's dtype. ValueError: null, sizes other than [in] -> [out], or the
  // layer already has one.
  void add_lora(std::shared_ptr<LoraAdapter> adapter);
  Tensor weight, bias;  // bias undefined when built without one
  std::shared_ptr<LoraAdapter> lora;  // null without an adapter
};

// Rows of weight [num, dim] picked by int64 ids of any shape: ids [...] -> [..., dim].
// weight ~ N(0, 1), as PyTorch.
class Embedding : public Module {
 public:
  Embedding(int64_t num, int64_t dim, Generator& gen);
  Tensor forward(const Tensor& ids) override;
  Tensor weight;
};

// Normalises over the trailing `normalized` dimensions; weight ones, bias zeros (when affine).
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized, double eps = 1e-5, bool elementwise_affine = true);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;  // undefined without elementwise_affine
  Shape normalized;
  double eps;
};

// Inverted dropout with probability p while training; the identity in eval mode. It owns a
// generator seeded from one draw of `gen`, so the module outlives the generator it was built with
// and a seed still fixes every mask.
class Dropout : public Module {
 public:
  Dropout(double p, Generator& gen);
  Tensor forward(const Tensor& x) override;
  Generator& generator() { return gen_; }
  double p;

 private:
  Generator gen_;
};

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
// approximate: "none" (exact, x * Phi(x)) or "tanh", as torch.nn.GELU.
class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none");
  Tensor forward(const Tensor& x) override;
  std::string approximate;
};
class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};
class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

// Applies its children in order; child i is named "i", as torch.nn.Sequential. Empty: identity.
class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> modules);
  void append(std::shared_ptr<Module> module);
  size_t size() const { return layers_.size(); }
  std::shared_ptr<Module> operator[](size_t i) const;  // IndexError past the end
  Tensor forward(const Tensor& x) override;

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

struct MlpOptions {
  std::vector<int64_t> hidden = {64, 64};
  std::string activation = "relu";  // relu | gelu | tanh
  double dropout = 0;               // after each activation when > 0
  Init init = Init::PyTorchDefault;
};

// Linear(in, h0), act, [Dropout], Linear(h0, h1), act, [Dropout], ..., Linear(h_last, out), as one
// Sequential: parameters are named "0.weight", "2.weight", ... (with dropout "0", "3", ...).
// Unknown activation, non-positive widths or dropout outside [0, 1) -> ValueError.
std::shared_ptr<Sequential> make_mlp(int64_t in, int64_t out, const MlpOptions& options, Generator& gen);

}  // namespace candor::nn
