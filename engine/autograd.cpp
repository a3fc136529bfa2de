#include "engine/autograd.h"

#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops/ops.h"

namespace candor {

namespace {
thread_local bool grad_mode = true;
}

bool grad_mode_enabled() { return grad_mode; }
NoGradGuard::NoGradGuard() : previous_(grad_mode) { grad_mode = false; }
NoGradGuard::~NoGradGuard() { grad_mode = previous_; }
GradModeGuard::GradModeGuard(bool enabled) : previous_(grad_mode) { grad_mode = enabled; }
GradModeGuard::~GradModeGuard() { grad_mode = previous_; }

// A chain of N ops owns itself node by node (through edges, and through the input tensors that
// backward closures capture), so the default destructor would recurse N deep and overflow the
// stack for long graphs. Instead each node hands the children it owns alone to one local list,
// drops its closure, and the list is emptied in a loop: every node then dies childless.
Node::~Node() {
  std::vector<std::shared_ptr<Node>> pending;
  auto adopt_children = [&pending](Node& node) {
    for (Edge& e : node.edges) {
      if (e.node) pending.push_back(std::move(e.node));
    }
    node.backward = nullptr;  // releases captured tensors, whose grad_fn is now held in `pending`
    node.saved_output = Tensor();
  };
  adopt_children(*this);
  while (!pending.empty()) {
    std::shared_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    if (node.use_count() == 1) adopt_children(*node);  // the last owner: it dies at the loop's end
  }
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!grad_mode) return false;
  for (const Tensor& t : inputs) {
    if (t.defined() && t.requires_grad()) return true;
  }
  return false;
}

void record(Tensor& out, const char* name, const std::vector<Tensor>& inputs, BackwardFn backward,
            bool save_output) {
  if (!needs_grad(inputs)) return;
  auto node = std::make_shared<Node>();
  node->name = name;
  for (const Tensor& t : inputs) {
    Edge edge;
    if (t.defined() && t.requires_grad()) {
      if (t.grad_fn()) {
        edge.node = t.grad_fn();
      } else {
        edge.leaf = t.impl();
      }
    }
    node->edges.push_back(edge);
    node->input_shapes.push_back(t.defined() ? t.shape() : Shape{});
  }
  node->backward = std::move(backward);
  if (save_output) node->saved_output = out.detach();
  out.impl()->grad_fn = node;
  out.impl()->requires_grad = true;
}

namespace {

// The nodes reachable from `roots`, in an order where every node comes before the nodes it feeds
// gradients to (reverse post-order of a depth-first search, done iteratively for deep graphs).
std::vector<Node*> topological_order(const std::vector<Node*>& roots) {
  std::vector<Node*> post_order;
  std::unordered_set<Node*> visited;
  std::vector<std::pair<Node*, size_t>> stack;
  for (Node* root : roots) {
    if (!visited.insert(root).second) continue;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      auto& [node, next_edge] = stack.back();
      if (next_edge < node->edges.size()) {
        Node* child = node->edges[next_edge++].node.get();
        if (child != nullptr && visited.insert(child).second) stack.push_back({child, 0});
      } else {
        post_order.push_back(node);
        stack.pop_back();
      }
    }
  }
  return {post_order.rbegin(), post_order.rend()};
}

Tensor accumulate(const Tensor& total, const Tensor& g) { return total.defined() ? total + g : g; }

struct Targets {
  std::unordered_map<Node*, size_t> nodes;        // non-leaf inputs of grad(), by their grad_fn
  std::unordered_map<TensorImpl*, size_t> leaves;  // leaf inputs of grad()
  std::vector<Tensor> results;
};

// The engine shared by backward() and grad(): with `targets`, gradients are collected there and
// only the part of the graph that leads to a target runs; without, they accumulate on leaves.
void run_backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
                  bool retain_graph, bool create_graph, Targets* targets) {
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size()) {
    throw AutogradError(fmt::format("backward: got {} gradients for {} outputs",
                                    grad_outputs.size(), outputs.size()));
  }
  GradModeGuard mode(create_graph);
  std::unordered_map<Node*, Tensor> node_grads;
  std::vector<Node*> roots;
  auto deliver_to_leaf = [&](TensorImpl* leaf_impl, const std::shared_ptr<TensorImpl>& leaf,
                             const Tensor& g) {
    if (targets != nullptr) {
      auto it = targets->leaves.find(leaf_impl);
      if (it != targets->leaves.end()) {
        targets->results[it->second] = accumulate(targets->results[it->second], g);
      }
      return;
    }
    if (leaf->grad) {
      // Added in place when no other tensor holds the old gradient or its buffer, as PyTorch's
      // AccumulateGrad does: a new tensor is another buffer as large as the parameter (154 MB
      // for GPT-2's embedding table, whose gradient comes from the head and from the lookup).
      // Otherwise a new tensor: never writes into g, a user's handle or a graph.
      const auto& old = leaf->grad;
      const bool alone = old.use_count() == 1 && old->storage.use_count() == 1;
      if (alone && !create_graph && !Tensor(old).requires_grad() && old->shape == g.shape() &&
          old->dtype == g.dtype() && old->device == g.device()) {
        Tensor total(old);
        backend(total).binary(BinaryOp::Add, total, g, total);
        return;
      }
      leaf->grad = (Tensor(leaf->grad) + g).impl();
      return;
    }
    // The first gradient is copied: g's buffer may be shared (add hands the same gradient to
    // both operands, a reshape's gradient is a view of its output's), and a user may change .grad
    // in place (clipping, optimizers). A gradient held only by the list it came in, over a buffer
    // no other tensor uses, is taken as it is, as PyTorch's AccumulateGrad does: copying them
    // was 500 MB read and written every GPT-2 124M step.
    const auto& impl = g.impl();
    const bool alone = impl.use_count() == 1 && impl->storage.use_count() == 1 && !g.requires_grad();
    leaf->grad = create_graph || alone ? impl : g.detach().clone().impl();
  };

  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    if (!out.requires_grad()) {
      throw AutogradError(fmt::format(
          "backward: output {} does not require grad and has no grad_fn (was it computed under "
          "NoGradGuard, or from tensors without requires_grad?)", i));
    }
    Tensor g = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!g.defined()) {
      if (out.numel() != 1) {
        throw AutogradError(fmt::format(
            "backward: a gradient can be created implicitly only for one-element outputs, but "
            "output {} has shape {}; pass a gradient of that shape",
            i, format_shape(out.shape())));
      }
      g = ones_like(out);
    } else if (g.shape() != out.shape()) {
      throw ShapeError(fmt::format("backward: gradient of shape {} given for an output of shape {}",
                                   format_shape(g.shape()), format_shape(out.shape())));
    }
    if (out.grad_fn()) {
      Node* node = out.grad_fn().get();
      node_grads[node] = accumulate(node_grads[node], g);
      roots.push_back(node);
    } else {
      deliver_to_leaf(out.impl().get(), out.impl(), g);
    }
  }

  std::vector<Node*> order = topological_order(roots);
  // With targets, a node runs only if some target lies below it.
  std::unordered_set<Node*> useful;
  if (targets != nullptr) {
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Node* node = *it;
      bool leads = targets->nodes.count(node) > 0;
      for (const Edge& e : node->edges) {
        if ((e.node && useful.count(e.node.get())) || (e.leaf && targets->leaves.count(e.leaf.get()))) {
          leads = true;
        }
      }
      if (leads) useful.insert(node);
    }
  }

  for (Node* node : order) {
    if (node->released) {
      throw AutogradError(fmt::format(
          "backward: the graph through '{}' was already freed by an earlier backward; call "
          "backward(..., retain_graph=true) the first time to go through it twice", node->name));
    }
    auto found = node_grads.find(node);
    if (found == node_grads.end()) continue;
    Tensor g = found->second;
    node_grads.erase(found);
    if (targets != nullptr) {
      auto t = targets->nodes.find(node);
      if (t != targets->nodes.end()) targets->results[t->second] = accumulate(targets->results[t->second], g);
      if (!useful.count(node)) continue;
    }
    Tensor out = node->saved_output;
    if (out.defined() && create_graph) {
      // Reattach the saved output to this node so second-order gradients see its dependence.
      auto impl = std::make_shared<TensorImpl>(*out.impl());
      impl->grad_fn = node->shared_from_this();
      impl->requires_grad = true;
      out = Tensor(impl);
    }
    grads input_grads = node->backward(g, out);
    if (input_grads.size() != node->edges.size()) {
      throw Error(fmt::format("autograd: backward of '{}' returned {} gradients for {} inputs",
                              node->name, input_grads.size(), node->edges.size()));
    }
    for (size_t i = 0; i < node->edges.size(); ++i) {
      const Edge& edge = node->edges[i];
      const Tensor& gi = input_grads[i];
      if (!edge.connected() || !gi.defined()) continue;
      if (gi.shape() != node->input_shapes[i]) {
        throw Error(fmt::format("autograd: backward of '{}' gave input {} a gradient of shape {}, "
                                "expected {}", node->name, i, format_shape(gi.shape()),
                                format_shape(node->input_shapes[i])));
      }
      if (edge.node) {
        Tensor& slot = node_grads[edge.node.get()];
        slot = accumulate(slot, gi);
      } else {
        deliver_to_leaf(edge.leaf.get(), edge.leaf, gi);
      }
    }
    if (!retain_graph) {
      node->backward = nullptr;
      node->saved_output = Tensor();
      node->released = true;
    }
  }
}

}  // namespace

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
              bool retain_graph, bool create_graph) {
  run_backward(outputs, grad_outputs, retain_graph || create_graph, create_graph, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph,
                         bool create_graph, bool allow_unused) {
  Targets targets;
  targets.results.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& in = inputs[i];
    if (!in.defined() || !in.requires_grad()) {
      throw AutogradError(fmt::format("grad: input {} does not require grad", i));
    }
    if (in.grad_fn()) {
      targets.nodes[in.grad_fn().get()] = i;
    } else {
      targets.leaves[in.impl().get()] = i;
    }
  }
  run_backward(outputs, grad_outputs, retain_graph || create_graph, create_graph, &targets);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!targets.results[i].defined() && !allow_unused) {
      throw AutogradError(fmt::format(
          "grad: input {} was not used to compute the outputs (pass allow_unused=true to get an "
          "undefined gradient instead)", i));
    }
  }
  return targets.results;
}

}  // namespace candor
