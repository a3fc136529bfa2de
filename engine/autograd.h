// Reverse-mode automatic differentiation, define-by-run.
//
// Every op that produces a tensor from inputs that require grad records a Node: the op's name,
// an edge to each input (its grad_fn node, or the leaf tensor itself) and the backward rule, a
// closure that maps the output's gradient to one gradient per input. Backward rules are written
// with tensor ops, so with create_graph=true the gradients are themselves differentiable
// (second-order gradients, Hessian-vector products, gradient penalties).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace candor {

using grads = std::vector<Tensor>;

// Backward rule: output gradient (and, for rules that use it, the op's output) -> input gradients.
// An undefined Tensor in the result means "no gradient for this input".
using BackwardFn = std::function<grads(const Tensor& grad_output, const Tensor& output)>;

struct Edge {
  std::shared_ptr<Node> node;        // the input's grad_fn, for inputs computed by an op
  std::shared_ptr<TensorImpl> leaf;  // the input itself, for leaves that require grad
  bool connected() const { return node != nullptr || leaf != nullptr; }
};

struct Node : std::enable_shared_from_this<Node> {
  std::string name;
  std::vector<Edge> edges;  // one per input of the op
  std::vector<Shape> input_shapes;
  BackwardFn backward;      // reset after backward unless retain_graph: the graph is freed
  Tensor saved_output;      // the output's data without grad_fn (kept only for rules that use it)
  bool released = false;
  ~Node();  // frees the nodes it alone keeps alive iteratively: deep graphs must not recurse
};

// Grad mode: when off, ops record nothing (inference, optimizer updates, backward without
// create_graph).
bool grad_mode_enabled();
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};
// Turns grad mode on or off for a scope (used by backward to honour create_graph).
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled);
  ~GradModeGuard();
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};

// True if any input requires grad and grad mode is on: the op must call record().
bool needs_grad(const std::vector<Tensor>& inputs);
// Attaches a backward node to `out` when needs_grad(inputs). `save_output` keeps the output's
// data for rules that use it (sigmoid, softmax, exp), passed as their second argument.
void record(Tensor& out, const char* name, const std::vector<Tensor>& inputs, BackwardFn backward,
            bool save_output = false);

// Backpropagates from `outputs` with upstream gradients `grad_outputs` (one per output;
// an undefined entry means ones, allowed only for one-element outputs) and accumulates into
// the .grad of every leaf that requires grad.
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false, bool create_graph = false);

// Functional form: returns d(outputs)/d(inputs) without touching any .grad. With
// create_graph=true the results carry a graph and can be differentiated again. `allow_unused`
// returns an undefined Tensor for inputs the outputs do not depend on (else it throws).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool create_graph = false, bool allow_unused = false);

}  // namespace candor
