// Module: the tree that models are built from. A module owns named parameters (trainable
// tensors), named buffers (non-trainable state) and named child modules; every tensor in the tree
// has a dotted name ("layers.0.weight") built from the names along its path, as in PyTorch. The
// names are what checkpoints, freezing patterns and error messages speak.
//
//   class Block : public Module {
//    public:
//     Block(Generator& gen) { fc = register_module("fc", std::make_shared<Linear>(4, 4, gen)); }
//     Tensor forward(const Tensor& x) override { return relu((*fc)(x)); }
//     std::shared_ptr<Linear> fc;
//   };
//
// Registered tensors are handles: the member (`fc->weight`) and the registry share one tensor,
// so freezing, loading and optimizer steps are seen through both.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/error.h"
#include "engine/tensor.h"

namespace candor::nn {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  // A module is a node of a tree that others hold by pointer: copying would silently share or
  // split its parameters, so it is not allowed.
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }

  // Parameters by dotted name: a module's own, in registration order, then each child's, as
  // PyTorch. A tensor registered under two names (tied weights) is listed once, by its first.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  // The parameters that require grad (what an optimizer trains), in named_parameters() order.
  std::vector<Tensor> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  // The direct children, in registration order.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  // Every descendant (not the module itself) by dotted name, depth first in registration order, a
  // parent before its children ("h", "h.0", "h.0.attn", ...), as PyTorch's named_modules() minus
  // its leading root entry. A module registered under two names is listed once, by its first.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules() const;

  // Training mode (dropout active) or evaluation mode, set on the whole subtree.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Freezes (requires_grad off, gradient dropped) or unfreezes every parameter whose dotted name
  // matches `pattern`, where '*' matches any run of characters, dots included ("layers.0.*",
  // "*.bias"). Returns how many names matched; none is a ValueError naming the pattern.
  size_t freeze(const std::string& pattern);
  size_t unfreeze(const std::string& pattern);

  // Parameters and buffers by dotted name (every name, tied ones included). The tensors are
  // detached from autograd but share their data with the module.
  std::map<std::string, Tensor> state_dict() const;

  struct LoadReport {
    std::vector<std::string> missing;     // in the module, not in the state
    std::vector<std::string> unexpected;  // in the state, not in the module
    std::vector<std::string> mismatched;  // in both, with another shape or dtype
  };
  // Copies the state's values into the module's tensors (their storage: every handle sees them).
  // strict: any missing, unexpected or mismatched name throws StateDictError listing them all.
  // Not strict: loads the names present in both and reports the rest; a shape or dtype mismatch
  // still throws. Nothing is copied when it throws.
  LoadReport load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);

  // Drops every parameter's gradient (frozen ones included), as PyTorch's set_to_none=True.
  void zero_grad();
  // Converts every parameter and buffer to `dtype` in place (the handles stay the same tensors,
  // their gradients are dropped): model.to(kFloat64) for gradient checks.
  void to(DType dtype);
  // Where the module's parameters are: the first one's device (the CPU for a module without any).
  Device device() const;
  // Moves every parameter and buffer (integer ones too) to `device` in place, the same way:
  // model.to(Device::CUDA) before building its optimizer, as in PyTorch.
  void to(Device device);

 protected:
  // Registers a floating-point tensor as a trainable parameter (requires_grad on; a tensor with
  // a graph is detached first) and returns the stored handle, to keep as a member.
  Tensor& register_parameter(const std::string& name, Tensor value);
  Tensor& register_buffer(const std::string& name, Tensor value);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }

 private:
  using Visitor = std::function<void(const std::string& name, Tensor& t)>;
  void add_child(const std::string& name, std::shared_ptr<Module> child);
  void check_new_name(const std::string& name, const char* what) const;
  // Calls f on every parameter (or buffer) of the subtree with its dotted name, in order.
  void visit_parameters(const std::string& prefix, const Visitor& f) const;
  void visit_buffers(const std::string& prefix, const Visitor& f) const;
  void visit_modules(const std::string& prefix,
                     const std::function<void(const std::string&, const std::shared_ptr<Module>&)>& f) const;
  size_t set_requires_grad(const std::string& pattern, bool on, const char* op);

  // deque: the references register_* return stay valid as more are added
  mutable std::deque<std::pair<std::string, Tensor>> parameters_;
  mutable std::deque<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// load_state_dict's failure: the message lists each kind of problem, and report() has the names.
class StateDictError : public Error {
 public:
  StateDictError(const std::string& message, Module::LoadReport report)
      : Error(message), report_(std::move(report)) {}
  const Module::LoadReport& report() const { return report_; }

 private:
  Module::LoadReport report_;
};

// Whether `name` matches `pattern`, where '*' matches any run of characters (also empty).
bool glob_match(const std::string& pattern, const std::string& name);

}  // namespace candor::nn
