// LoRA adapters (see lora.h): the adapter module, apply/merge/unmerge, and adapter-only files.
#include "nn/lora.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <set>
#include <unordered_set>

#include "datasets/json_integer.h"
#include "engine/autograd.h"
#include "engine/ops/ops.h"
#include "nn/attention.h"
#include "nn/init.h"
#include "nn/safetensors.h"

namespace candor::nn {

namespace {

constexpr const char* kMetadataKey = "candor.lora";

// "a, b, c" with at most `limit` names, then "and N more".
std::string join_names(const std::vector<std::string>& names, size_t limit = 12) {
  if (names.empty()) return "none";
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > limit) out += fmt::format(" and {} more", names.size() - limit);
  return out;
}

void check_options(const LoraOptions& o, const char* where) {
  if (o.rank <= 0) throw ValueError(fmt::format("{}: rank must be positive, got {}", where, o.rank));
  if (!(o.alpha > 0)) throw ValueError(fmt::format("{}: alpha must be positive, got {}", where, o.alpha));
  if (!(o.dropout >= 0 && o.dropout < 1)) {
    throw ValueError(fmt::format("{}: dropout must be in [0, 1), got {}", where, o.dropout));
  }
  if (o.targets.empty()) throw ValueError(fmt::format("{}: targets is empty (no layer to adapt)", where));
}

// A Linear or Conv1D of the tree, seen through what LoRA needs of it.
struct Layer {
  std::string name;
  Linear* linear = nullptr;
  Conv1D* conv = nullptr;

  int64_t in() const { return linear ? linear->weight.size(1) : conv->weight.size(0); }
  int64_t out() const { return linear ? linear->weight.size(0) : conv->weight.size(1); }
  Tensor& weight() const { return linear ? linear->weight : conv->weight; }
  const std::shared_ptr<LoraAdapter>& lora() const { return linear ? linear->lora : conv->lora; }
  void add(std::shared_ptr<LoraAdapter> a) const {
    if (linear) {
      linear->add_lora(std::move(a));
    } else {
      conv->add_lora(std::move(a));
    }
  }
};

// Every Linear and Conv1D below root, in named_modules order.
std::vector<Layer> layers_of(const Module& root) {
  std::vector<Layer> out;
  for (const auto& [name, m] : root.named_modules()) {
    if (auto* l = dynamic_cast<Linear*>(m.get())) out.push_back({name, l, nullptr});
    if (auto* c = dynamic_cast<Conv1D*>(m.get())) out.push_back({name, nullptr, c});
  }
  return out;
}

bool matches_any(const std::vector<std::string>& patterns, const std::string& name) {
  for (const auto& p : patterns) {
    if (glob_match(p, name)) return true;
  }
  return false;
}

// The layers options.targets select; ValueError for a pattern that selects none.
std::vector<Layer> find_targets(const Module& root, const LoraOptions& options, const char* where) {
  std::vector<Layer> all = layers_of(root);
  std::vector<std::string> names;
  for (const auto& l : all) names.push_back(l.name);
  for (const auto& pattern : options.targets) {
    bool hit = false;
    for (const auto& n : names) hit = hit || glob_match(pattern, n);
    if (!hit) {
      throw ValueError(fmt::format("{}: target \"{}\" matches no Linear or Conv1D layer (the layers are: {})",
                                   where, pattern, join_names(names, 40)));
    }
  }
  std::vector<Layer> out;
  for (const auto& l : all) {
    if (matches_any(options.targets, l.name)) out.push_back(l);
  }
  return out;
}

void check_also_train(const Module& root, const LoraOptions& options, const char* where) {
  auto named = root.named_parameters();
  for (const auto& pattern : options.also_train) {
    bool hit = false;
    for (const auto& [name, t] : named) hit = hit || glob_match(pattern, name);
    if (!hit) throw ValueError(fmt::format("{}: also_train pattern \"{}\" matches no parameter", where, pattern));
  }
}

// Writes `src` (cast to dst's dtype) into dst's storage, so every handle to dst sees it.
void assign(Tensor& dst, const Tensor& src) {
  Tensor value = src.dtype() == dst.dtype() ? src : cast(src, dst.dtype());
  std::memcpy(dst.raw_data(), value.raw_data(), dst.numel() * dtype_size(dst.dtype()));
}

// W +- the adapter's update, in W's layout, written into W's storage.
void fold(const Layer& layer, double sign) {
  NoGradGuard no_grad;
  Tensor delta = layer.lora()->delta_weight();   // [out, in]
  if (layer.conv) delta = transpose(delta, 0, 1);  // [in, out]
  Tensor& w = layer.weight();
  assign(w, w.detach() + delta * sign);
}

// A JSON integer in T's range: a rank of 2^64 - 1 must not wrap to -1.
template <typename T>
T lora_integer(const nlohmann::json& v, const std::string& key) {
  try {
    return datasets::json_integer<T>(v);
  } catch (const nlohmann::json::exception&) {
    throw ValueError(fmt::format("LoRA options: \"{}\" must be an integer from {} to {}, got {}", key,
                                 std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), v.dump()));
  }
}

}  // namespace

// ---- options <-> JSON ----

nlohmann::json to_json(const LoraOptions& o) {
  return {{"rank", o.rank},       {"alpha", o.alpha},           {"dropout", o.dropout},
          {"targets", o.targets}, {"also_train", o.also_train}, {"seed", o.seed}};
}

LoraOptions lora_options_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw ValueError(fmt::format("LoRA options: expected a JSON object, got {}", j.type_name()));
  LoraOptions o;
  auto strings = [](const nlohmann::json& v, const std::string& key) {
    if (!v.is_array()) throw ValueError(fmt::format("LoRA options: \"{}\" must be a list of strings", key));
    std::vector<std::string> out;
    for (const auto& e : v) {
      if (!e.is_string()) throw ValueError(fmt::format("LoRA options: \"{}\" must be a list of strings", key));
      out.push_back(e.get<std::string>());
    }
    return out;
  };
  for (const auto& [key, v] : j.items()) {
    if (key == "rank") {
      o.rank = lora_integer<int64_t>(v, key);
    } else if (key == "alpha" || key == "dropout") {
      if (!v.is_number()) throw ValueError(fmt::format("LoRA options: \"{}\" must be a number", key));
      (key == "alpha" ? o.alpha : o.dropout) = v.get<double>();
    } else if (key == "targets") {
      o.targets = strings(v, key);
    } else if (key == "also_train") {
      o.also_train = strings(v, key);
    } else if (key == "seed") {
      o.seed = lora_integer<uint64_t>(v, key);
    } else {
      throw ValueError(fmt::format("LoRA options: unknown key \"{}\"", key));
    }
  }
  check_options(o, "LoRA options");
  return o;
}

// ---- the adapter ----

LoraAdapter::LoraAdapter(int64_t in, int64_t out, int64_t r, double a, double p, Generator& gen)
    : in_features(in), out_features(out), rank(r), alpha(a) {
  if (in <= 0 || out <= 0) {
    throw ValueError(fmt::format("LoraAdapter: sizes must be positive, got in {} and out {}", in, out));
  }
  LoraOptions o;
  o.rank = r;
  o.alpha = a;
  o.dropout = p;
  check_options(o, "LoraAdapter");
  scale = alpha / static_cast<double>(rank);
  A = register_parameter("A", Tensor::empty({r, in}));  // [r, in]
  kaiming_uniform_(A, in, gen);                        // a = sqrt(5): U(+-1/sqrt(in))
  B = register_parameter("B", zeros({out, r}));         // [out, r]: the update starts at zero
  dropout = register_module("dropout", std::make_shared<Dropout>(p, gen));
}

// delta = (alpha / r) * B A x, written for row vectors: dropout(x) A^T B^T   [..., in] -> [..., out]
Tensor LoraAdapter::forward(const Tensor& x) {
  Tensor h = (*dropout)(x);  // [..., in]
  h = linear(h, A);          // [..., r]
  h = linear(h, B);          // [..., out]
  return h * scale;
}

Tensor LoraAdapter::delta_weight() const { return matmul(B, A) * scale; }  // [out, r] @ [r, in]

namespace detail {
void prepare_lora(const std::shared_ptr<LoraAdapter>& adapter, bool already_adapted, int64_t in,
                  int64_t out, DType dtype, const char* layer) {
  if (!adapter) throw ValueError(fmt::format("{}::add_lora: the adapter is null", layer));
  if (already_adapted) throw ValueError(fmt::format("{}::add_lora: the layer already has a LoRA adapter", layer));
  if (adapter->in_features != in || adapter->out_features != out) {
    throw ValueError(fmt::format("{}::add_lora: the adapter maps {} -> {} features, the layer {} -> {}",
                                 layer, adapter->in_features, adapter->out_features, in, out));
  }
  if (adapter->A.dtype() != dtype) adapter->to(dtype);
}
}  // namespace detail

// ---- applying, merging ----

std::vector<std::string> apply_lora(Module& root, const LoraOptions& options) {
  check_options(options, "apply_lora");
  std::vector<Layer> targets = find_targets(root, options, "apply_lora");
  check_also_train(root, options, "apply_lora");
  std::vector<std::string> adapted, names;
  for (const auto& l : targets) {
    if (l.lora()) adapted.push_back(l.name);
    names.push_back(l.name);
  }
  if (!adapted.empty()) {
    throw ValueError(fmt::format("apply_lora: {} already {} a LoRA adapter: {}", adapted.size() == 1 ? "layer" : "layers",
                                 adapted.size() == 1 ? "has" : "have", join_names(adapted)));
  }

  Generator gen(options.seed);
  for (const auto& l : targets) {
    l.add(std::make_shared<LoraAdapter>(l.in(), l.out(), options.rank, options.alpha, options.dropout, gen));
  }

  // Train the adapters (all of them, earlier ones too) and also_train; freeze the rest.
  std::unordered_set<const TensorImpl*> adapter_tensors;
  for (const auto& l : layers_of(root)) {
    if (!l.lora()) continue;
    adapter_tensors.insert(l.lora()->A.impl().get());
    adapter_tensors.insert(l.lora()->B.impl().get());
  }
  for (auto& [name, t] : root.named_parameters()) {
    bool train = adapter_tensors.count(t.impl().get()) || matches_any(options.also_train, name);
    t.requires_grad_(train);
    if (!train) t.zero_grad();
  }
  return names;
}

void merge_lora(Module& root) {
  for (const auto& l : layers_of(root)) {
    if (!l.lora() || l.lora()->merged) continue;
    fold(l, +1.0);
    l.lora()->merged = true;
  }
}

void unmerge_lora(Module& root) {
  for (const auto& l : layers_of(root)) {
    if (!l.lora() || !l.lora()->merged) continue;
    fold(l, -1.0);
    l.lora()->merged = false;
  }
}

// ---- adapter-only files ----

std::map<std::string, Tensor> lora_state_dict(const Module& root) {
  std::map<std::string, Tensor> out;
  for (const auto& l : layers_of(root)) {
    if (!l.lora()) continue;
    out[l.name + ".lora.A"] = l.lora()->A.detach();
    out[l.name + ".lora.B"] = l.lora()->B.detach();
  }
  return out;
}

void save_lora(const std::string& path, const Module& root, const LoraOptions& options) {
  check_options(options, "save_lora");
  std::vector<std::string> merged, untargeted, missing, other;
  bool any = false;
  for (const auto& l : layers_of(root)) {
    bool targeted = matches_any(options.targets, l.name);
    const auto& a = l.lora();
    if (!a) {
      if (targeted) missing.push_back(l.name);
      continue;
    }
    any = true;
    if (a->merged) merged.push_back(l.name);
    if (!targeted) untargeted.push_back(l.name);
    if (a->rank != options.rank || a->alpha != options.alpha) {
      other.push_back(fmt::format("{} (rank {}, alpha {})", l.name, a->rank, a->alpha));
    }
  }
  if (!any) throw ValueError("save_lora: the model has no LoRA adapter (apply_lora first)");
  if (!merged.empty()) {
    throw ValueError(fmt::format("save_lora: merged adapters ({}); unmerge_lora first, so the file holds "
                                 "the update over the base weights", join_names(merged)));
  }
  std::vector<std::string> problems;
  if (!untargeted.empty()) problems.push_back("adapted layers no target matches: " + join_names(untargeted));
  if (!missing.empty()) problems.push_back("target layers without an adapter: " + join_names(missing));
  if (!other.empty()) {
    problems.push_back(fmt::format("adapters with other than rank {} and alpha {}: {}", options.rank,
                                   options.alpha, join_names(other)));
  }
  if (!problems.empty()) {
    std::string message = "save_lora: the options do not describe the model's adapters (";
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    throw ValueError(message + ")");
  }
  // The adapters and the also_train parameters (a new head, say): everything the fine-tune changed.
  std::map<std::string, Tensor> tensors = lora_state_dict(root);
  for (const auto& [name, t] : root.named_parameters()) {
    if (matches_any(options.also_train, name)) tensors[name] = t.detach();
  }
  save_safetensors(path, tensors, with_data_checksum(tensors, {{kMetadataKey, to_json(options).dump()}}));
}

LoraOptions load_lora(const std::string& path, Module& root) {
  SafetensorsFile file = load_safetensors(path);
  auto found = file.metadata.find(kMetadataKey);
  if (found == file.metadata.end()) {
    throw CheckpointError(fmt::format("{}: not a LoRA file (no \"{}\" metadata; save_lora writes it)",
                                      path, kMetadataKey));
  }
  LoraOptions options;
  std::vector<Layer> targets;
  try {
    options = lora_options_from_json(nlohmann::json::parse(found->second));
    targets = find_targets(root, options, "load_lora");
    check_also_train(root, options, "load_lora");
  } catch (const nlohmann::json::exception& e) {
    throw CheckpointError(fmt::format("{}: the \"{}\" metadata is not valid JSON ({})", path, kMetadataKey, e.what()));
  } catch (const ValueError& e) {
    throw CheckpointError(fmt::format("{}: the stored LoRA options do not fit: {}", path, e.what()));
  }

  // The file must hold exactly A [r, in] and B [out, r] of every target layer, and the
  // parameters also_train names.
  std::map<std::string, Shape> expected;
  for (const auto& l : targets) {
    expected[l.name + ".lora.A"] = {options.rank, l.in()};
    expected[l.name + ".lora.B"] = {l.out(), options.rank};
  }
  std::map<std::string, Tensor> trained;
  for (const auto& [name, t] : root.named_parameters()) {
    if (matches_any(options.also_train, name)) {
      expected[name] = t.shape();
      trained[name] = t;
    }
  }
  std::vector<std::string> missing, unexpected, wrong;
  for (const auto& [name, shape] : expected) {
    auto t = file.tensors.find(name);
    if (t == file.tensors.end()) {
      missing.push_back(name);
    } else if (t->second.shape() != shape || !t->second.is_floating_point()) {
      wrong.push_back(fmt::format("{} is {} {}, expected {}", name, dtype_name(t->second.dtype()),
                                  format_shape(t->second.shape()), format_shape(shape)));
    }
  }
  for (const auto& [name, t] : file.tensors) {
    if (!expected.count(name)) unexpected.push_back(name);
  }
  if (!missing.empty() || !unexpected.empty() || !wrong.empty()) {
    std::vector<std::string> parts;
    if (!missing.empty()) parts.push_back("missing tensors: " + join_names(missing));
    if (!unexpected.empty()) parts.push_back("unexpected tensors: " + join_names(unexpected));
    if (!wrong.empty()) parts.push_back("wrong shape: " + join_names(wrong));
    std::string message = path + ": the LoRA file does not fit this model (";
    for (size_t i = 0; i < parts.size(); ++i) message += (i ? "; " : "") + parts[i];
    throw CheckpointError(message + ")");
  }

  apply_lora(root, options);
  for (const auto& l : targets) {
    assign(l.lora()->A, file.tensors.at(l.name + ".lora.A"));
    assign(l.lora()->B, file.tensors.at(l.name + ".lora.B"));
  }
  for (auto& [name, t] : trained) assign(t, file.tensors.at(name));
  return options;
}

}  // namespace candor::nn
