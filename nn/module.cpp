#include "nn/module.h"

#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/cuda/runtime.h"
#include "engine/ops/ops.h"

namespace candor::nn {

bool glob_match(const std::string& pattern, const std::string& name) {
  // Greedy matching with backtracking to the last '*': linear for patterns with one star.
  size_t p = 0, n = 0, star = std::string::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {
std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// "a, b, c" with at most `limit` names, then "and N more".
std::string join_names(const std::vector<std::string>& names, size_t limit = 10) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > limit) out += fmt::format(" and {} more", names.size() - limit);
  return out;
}
}  // namespace

void Module::check_new_name(const std::string& name, const char* what) const {
  if (name.empty() || name.find('.') != std::string::npos) {
    throw ValueError(fmt::format("register_{}: name \"{}\" must be non-empty and contain no '.'",
                                 what, name));
  }
  auto taken = [&](const auto& list) {
    for (const auto& entry : list) {
      if (entry.first == name) return true;
    }
    return false;
  };
  if (taken(parameters_) || taken(buffers_) || taken(children_)) {
    throw ValueError(fmt::format("register_{}: name \"{}\" is already used in this module", what, name));
  }
}

Tensor& Module::register_parameter(const std::string& name, Tensor value) {
  check_new_name(name, "parameter");
  if (!value.defined()) throw ValueError(fmt::format("register_parameter: \"{}\" is undefined", name));
  if (!value.is_floating_point()) {
    throw DTypeError(fmt::format("register_parameter: \"{}\" is {}; parameters must be floating point",
                                 name, dtype_name(value.dtype())));
  }
  if (!value.is_leaf()) value = value.detach();
  value.requires_grad_(true);
  parameters_.emplace_back(name, value);
  return parameters_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor value) {
  check_new_name(name, "buffer");
  if (!value.defined()) throw ValueError(fmt::format("register_buffer: \"{}\" is undefined", name));
  buffers_.emplace_back(name, value.detach());
  return buffers_.back().second;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> child) {
  check_new_name(name, "module");
  if (!child) throw ValueError(fmt::format("register_module: \"{}\" is a null module", name));
  if (child.get() == this) throw ValueError(fmt::format("register_module: \"{}\" is the module itself", name));
  children_.emplace_back(name, std::move(child));
}

void Module::visit_parameters(const std::string& prefix, const Visitor& f) const {
  for (auto& [name, t] : parameters_) f(join_name(prefix, name), t);
  for (const auto& [name, child] : children_) child->visit_parameters(join_name(prefix, name), f);
}

void Module::visit_buffers(const std::string& prefix, const Visitor& f) const {
  for (auto& [name, t] : buffers_) f(join_name(prefix, name), t);
  for (const auto& [name, child] : children_) child->visit_buffers(join_name(prefix, name), f);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  std::unordered_set<const TensorImpl*> seen;
  visit_parameters("", [&](const std::string& name, Tensor& t) {
    if (seen.insert(t.impl().get()).second) out.emplace_back(name, t);
  });
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) {
    if (t.requires_grad()) out.push_back(t);
  }
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out;
  visit_buffers("", [&](const std::string& name, Tensor& t) { out.emplace_back(name, t); });
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const {
  return children_;
}

void Module::visit_modules(
    const std::string& prefix,
    const std::function<void(const std::string&, const std::shared_ptr<Module>&)>& f) const {
  for (const auto& [name, child] : children_) {
    std::string full = join_name(prefix, name);
    f(full, child);
    child->visit_modules(full, f);
  }
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() const {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  std::unordered_set<const Module*> seen;
  visit_modules("", [&](const std::string& name, const std::shared_ptr<Module>& m) {
    if (seen.insert(m.get()).second) out.emplace_back(name, m);
  });
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

size_t Module::set_requires_grad(const std::string& pattern, bool on, const char* op) {
  size_t matched = 0;
  std::vector<std::string> names;
  visit_parameters("", [&](const std::string& name, Tensor& t) {
    names.push_back(name);
    if (!glob_match(pattern, name)) return;
    ++matched;
    t.requires_grad_(on);
    if (!on) t.zero_grad();
  });
  if (matched == 0) {
    throw ValueError(fmt::format("{}: pattern \"{}\" matches no parameter (the parameters are: {})",
                                 op, pattern, names.empty() ? "none" : join_names(names)));
  }
  return matched;
}

size_t Module::freeze(const std::string& pattern) { return set_requires_grad(pattern, false, "freeze"); }
size_t Module::unfreeze(const std::string& pattern) { return set_requires_grad(pattern, true, "unfreeze"); }

std::map<std::string, Tensor> Module::state_dict() const {
  std::map<std::string, Tensor> out;
  auto add = [&](const std::string& name, Tensor& t) { out[name] = t.detach(); };
  visit_parameters("", add);
  visit_buffers("", add);
  return out;
}

Module::LoadReport Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
  LoadReport report;
  std::vector<std::string> shape_details, dtype_details;
  std::vector<std::pair<Tensor, Tensor>> copies;  // (destination, source)
  std::unordered_set<std::string> own;
  auto check = [&](const std::string& name, Tensor& t) {
    own.insert(name);
    auto found = state.find(name);
    if (found == state.end()) {
      report.missing.push_back(name);
      return;
    }
    const Tensor& src = found->second;
    if (!src.defined()) {
      report.mismatched.push_back(name);
      shape_details.push_back(fmt::format("{} expects {}, got an undefined tensor", name,
                                          format_shape(t.shape())));
    } else if (src.shape() != t.shape()) {
      report.mismatched.push_back(name);
      shape_details.push_back(fmt::format("{} expects {}, got {}", name, format_shape(t.shape()),
                                          format_shape(src.shape())));
    } else if (src.dtype() != t.dtype()) {
      report.mismatched.push_back(name);
      dtype_details.push_back(fmt::format("{} expects {}, got {}", name, dtype_name(t.dtype()),
                                          dtype_name(src.dtype())));
    } else {
      copies.emplace_back(t, src);
    }
  };
  visit_parameters("", check);
  visit_buffers("", check);
  for (const auto& [name, t] : state) {
    if (!own.count(name)) report.unexpected.push_back(name);
  }

  bool failed = !report.mismatched.empty() ||
                (strict && (!report.missing.empty() || !report.unexpected.empty()));
  if (failed) {
    std::vector<std::string> parts;
    if (!report.missing.empty()) parts.push_back("missing: " + join_names(report.missing));
    if (!report.unexpected.empty()) parts.push_back("unexpected: " + join_names(report.unexpected));
    if (!shape_details.empty()) parts.push_back("shape mismatch: " + join_names(shape_details));
    if (!dtype_details.empty()) parts.push_back("dtype mismatch: " + join_names(dtype_details));
    std::string message = "load_state_dict: ";
    for (size_t i = 0; i < parts.size(); ++i) message += (i ? "; " : "") + parts[i];
    throw StateDictError(message, std::move(report));
  }
  for (auto& [dst, src] : copies) {
    const std::size_t bytes = static_cast<std::size_t>(dst.numel()) * dtype_size(dst.dtype());
    if (dst.device() == Device::CPU && src.device() == Device::CPU) {
      // memmove: loading a module's own state_dict copies a buffer onto itself
      std::memmove(dst.raw_data(), src.raw_data(), bytes);
    } else if (dst.raw_data() != src.raw_data()) {  // a GPU on either side: the device copies it
      cuda::copy(dst.raw_data(), dst.device(), src.raw_data(), src.device(), bytes);
    }
  }
  return report;
}

void Module::zero_grad() {
  visit_parameters("", [](const std::string&, Tensor& t) { t.zero_grad(); });
}

namespace {
// Replaces t's data by `converted`'s inside the same TensorImpl, so every handle to t (the
// module's members, tied weights) sees the new dtype or device; the gradient is dropped.
void swap_data(Tensor& t, const Tensor& converted) {
  TensorImpl& impl = *t.impl();
  impl.storage = converted.impl()->storage;
  impl.offset = converted.impl()->offset;
  impl.dtype = converted.dtype();
  impl.device = converted.device();
  impl.grad = nullptr;
}
}  // namespace

void Module::to(DType dtype) {
  if (!is_floating(dtype)) {
    throw DTypeError(fmt::format("Module::to: parameters must be floating point, not {}", dtype_name(dtype)));
  }
  std::unordered_set<const TensorImpl*> done;  // tied tensors are converted once; integer buffers stay
  NoGradGuard no_grad;
  auto convert = [&](const std::string&, Tensor& t) {
    if (!t.is_floating_point() || t.dtype() == dtype || !done.insert(t.impl().get()).second) return;
    swap_data(t, cast(t.detach(), dtype));
  };
  visit_parameters("", convert);
  visit_buffers("", convert);
}

Device Module::device() const {
  const auto named = named_parameters();
  return named.empty() ? Device::CPU : named.front().second.device();
}

void Module::to(Device device) {
  std::unordered_set<const TensorImpl*> done;  // tied tensors are moved once
  NoGradGuard no_grad;
  auto move = [&](const std::string&, Tensor& t) {
    if (t.device() == device || !done.insert(t.impl().get()).second) return;
    swap_data(t, t.detach().to(device));
  };
  visit_parameters("", move);
  visit_buffers("", move);
}

}  // namespace candor::nn
