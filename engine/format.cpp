// Printing tensors the way PyTorch does: nested brackets, aligned columns, a fixed or scientific
// format chosen from the values, and long dimensions cut to their first and last three entries.
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/tensor.h"

namespace candor {

namespace {

constexpr int64_t kSummariseAbove = 1000;  // elements; PyTorch's default threshold
constexpr int64_t kEdgeItems = 3;

struct Printer {
  const Shape& shape;
  std::vector<int64_t> strides;
  std::vector<double> values;
  bool integer;
  bool scientific = false;
  bool summarise;
  size_t width = 0;

  std::string scalar(double v) const {
    if (integer) return fmt::format("{}", static_cast<int64_t>(v));
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return scientific ? fmt::format("{:.4e}", v) : fmt::format("{:.4f}", v);
  }

  // Indices along a dimension of size n that are shown; -1 marks the "..." gap.
  std::vector<int64_t> shown(int64_t n) const {
    std::vector<int64_t> idx;
    if (!summarise || n <= 2 * kEdgeItems) {
      for (int64_t i = 0; i < n; ++i) idx.push_back(i);
    } else {
      for (int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
      idx.push_back(-1);
      for (int64_t i = n - kEdgeItems; i < n; ++i) idx.push_back(i);
    }
    return idx;
  }

  void measure(size_t dim, int64_t offset) {
    if (dim == shape.size()) {
      width = std::max(width, scalar(values[offset]).size());
      return;
    }
    for (int64_t i : shown(shape[dim])) {
      if (i >= 0) measure(dim + 1, offset + i * strides[dim]);
    }
  }

  std::string render(size_t dim, int64_t offset, size_t indent) const {
    if (dim == shape.size()) {
      std::string s = scalar(values[offset]);
      return std::string(width - s.size(), ' ') + s;
    }
    std::string out = "[";
    bool last_dim = dim + 1 == shape.size();
    // Between rows: a newline, one blank line more per extra dimension, then the indentation.
    std::string row_sep = last_dim ? ", "
                                   : ",\n" + std::string(shape.size() - dim - 2, '\n') +
                                         std::string(indent + 1, ' ');
    auto idx = shown(shape[dim]);
    for (size_t j = 0; j < idx.size(); ++j) {
      if (j > 0) out += row_sep;
      out += idx[j] < 0 ? "..." : render(dim + 1, offset + idx[j] * strides[dim], indent + 1);
    }
    return out + "]";
  }
};

}  // namespace

std::string Tensor::to_string() const {
  if (!defined()) return "tensor(undefined)";
  const bool on_host = device() == Device::CPU;
  // A GPU tensor is printed from a host copy, with its device named, as PyTorch does.
  Printer p{shape(), contiguous_strides(shape()), (on_host ? *this : detach().cpu()).to_vector<double>(),
            dtype() == kInt64, false, numel() > kSummariseAbove};
  double max_abs = 0, min_abs = INFINITY;
  for (double v : p.values) {
    if (!std::isfinite(v) || v == 0) continue;
    max_abs = std::max(max_abs, std::abs(v));
    min_abs = std::min(min_abs, std::abs(v));
  }
  p.scientific = !p.integer && (max_abs >= 1e8 || (min_abs < 1e-4 && max_abs > 0));
  std::string body;
  if (numel() == 0) {
    body = "[]";
  } else {
    p.measure(0, 0);
    body = p.render(0, 0, 7);  // 7 = strlen("tensor(")
  }
  std::string grad = grad_fn() ? fmt::format(", grad_fn=<{}>", grad_fn()->name)
                               : requires_grad() ? ", requires_grad=true" : "";
  std::string device_part = on_host ? "" : fmt::format(", device={}", device_name(device()));
  return fmt::format("tensor({}, shape={}, dtype={}{}{})", body, format_shape(shape()),
                     dtype_name(dtype()), device_part, grad);
}

}  // namespace candor
