// Sequential and the MLP built from it.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nn/layers.h"

namespace candor::nn {

Sequential::Sequential(std::vector<std::shared_ptr<Module>> modules) {
  for (auto& m : modules) append(std::move(m));
}

void Sequential::append(std::shared_ptr<Module> module) {
  if (!module) throw ValueError(fmt::format("Sequential::append: module {} is null", layers_.size()));
  layers_.push_back(register_module(std::to_string(layers_.size()), std::move(module)));
}

std::shared_ptr<Module> Sequential::operator[](size_t i) const {
  if (i >= layers_.size()) {
    throw IndexError(fmt::format("Sequential: index {} out of range for {} modules", i, layers_.size()));
  }
  return layers_[i];
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (auto& layer : layers_) y = layer->forward(y);
  return y;
}

namespace {
std::shared_ptr<Module> make_activation(const std::string& name) {
  if (name == "relu") return std::make_shared<ReLU>();
  if (name == "gelu") return std::make_shared<GELU>();
  if (name == "tanh") return std::make_shared<Tanh>();
  throw ValueError(fmt::format("make_mlp: unknown activation \"{}\" (relu, gelu, tanh)", name));
}
}  // namespace

std::shared_ptr<Sequential> make_mlp(int64_t in, int64_t out, const MlpOptions& options, Generator& gen) {
  if (in <= 0 || out <= 0) {
    throw ValueError(fmt::format("make_mlp: input and output sizes must be positive, got {} and {}", in, out));
  }
  for (int64_t h : options.hidden) {
    if (h <= 0) {
      throw ValueError(fmt::format("make_mlp: hidden widths must be positive, got {}",
                                   fmt::join(options.hidden, ",")));
    }
  }
  if (!(options.dropout >= 0 && options.dropout < 1)) {
    throw ValueError(fmt::format("make_mlp: dropout must be in [0, 1), got {}", options.dropout));
  }
  make_activation(options.activation);  // reject an unknown name before drawing any weight
  auto mlp = std::make_shared<Sequential>();
  int64_t width = in;
  for (int64_t h : options.hidden) {
    mlp->append(std::make_shared<Linear>(width, h, gen, true, options.init));
    mlp->append(make_activation(options.activation));
    if (options.dropout > 0) mlp->append(std::make_shared<Dropout>(options.dropout, gen));
    width = h;
  }
  mlp->append(std::make_shared<Linear>(width, out, gen, true, options.init));
  return mlp;
}

}  // namespace candor::nn
