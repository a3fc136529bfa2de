// Index-driven ops. Each forward/backward pair is a gather and a scatter-add: the backward of a
// selection adds the gradient back at the selected positions, so repeated indices accumulate.
#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops/checks.h"
#include "engine/ops/ops.h"

namespace candor {

namespace {

// On the host: a GPU index is copied back for the check first (PyTorch checks on the device and
// reports the fault later, asynchronously; a clear error at the call is worth the copy).
void check_range(const Tensor& index, int64_t size, int64_t axis, const char* op) {
  const Tensor host = index.cpu();
  const int64_t* p = host.data<int64_t>();
  for (int64_t i = 0; i < index.numel(); ++i) {
    if (p[i] < 0 || p[i] >= size) {
      throw IndexError(fmt::format("{}: index {} (at position {}) is out of range for axis {} of "
                                   "size {}", op, p[i], i, axis, size));
    }
  }
}

// gather/scatter_add: the index must match x's shape on every axis but `axis`.
void check_gather_shape(const Tensor& x, const Tensor& index, int64_t axis, const char* op) {
  bool ok = index.dim() == x.dim();
  for (int64_t d = 0; ok && d < x.dim(); ++d) ok = d == axis || index.shape()[d] == x.shape()[d];
  if (!ok) {
    throw ShapeError(fmt::format("{}: index of shape {} must match the input's shape {} on every "
                                 "axis but {}", op, format_shape(index.shape()),
                                 format_shape(x.shape()), axis));
  }
}

// index_add(zeros(shape), axis, index, source) without index_add's copy of its input. This is
// the gradient of index_select, so of every embedding lookup, and it is as large as the table:
// the copy was 154 MB read and written every GPT-2 124M step.
Tensor index_add_into_zeros(const Shape& shape, int64_t axis, const Tensor& index, const Tensor& source) {
  Tensor out = zeros(shape, source.dtype(), source.device());
  backend(source).index_add(out, axis, index, source);
  record(out, "index_add", {source}, [axis, index](const Tensor& g, const Tensor&) {
    return grads{index_select(g, axis, index)};
  });
  return out;
}

}  // namespace

// y = x[..., index, ...] along axis;  dx = index_add(0, axis, index, g)
Tensor index_select(const Tensor& x, int64_t axis, const Tensor& index) {
  check_defined(x, "index_select");
  check_int64(index, "index_select");
  check_same_device({x, index}, "index_select");
  if (index.dim() > 1) {
    throw ShapeError(fmt::format("index_select: index must be 1-D, got shape {}", format_shape(index.shape())));
  }
  int64_t a = normalize_axis(axis, x.dim(), "index_select");
  check_range(index, x.shape()[a], a, "index_select");
  Shape shape = x.shape();
  shape[a] = index.numel();
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  backend(x).index_select(x, a, index, out);
  record(out, "index_select", {x}, [in_shape = x.shape(), a, index](const Tensor& g, const Tensor&) {
    return grads{index_add_into_zeros(in_shape, a, index, g)};
  });
  return out;
}

// y = x with source added at index along axis;  dx = g, dsource = index_select(g, axis, index)
Tensor index_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& source) {
  check_defined(x, "index_add");
  check_int64(index, "index_add");
  check_same_device({x, index, source}, "index_add");
  int64_t a = normalize_axis(axis, x.dim(), "index_add");
  Shape expected = x.shape();
  expected[a] = index.numel();
  if (index.dim() > 1 || source.shape() != expected || source.dtype() != x.dtype()) {
    throw ShapeError(fmt::format("index_add: source of shape {} ({}) does not fit input {} ({}) with "
                                 "{} indices along axis {}", format_shape(source.shape()),
                                 dtype_name(source.dtype()), format_shape(x.shape()),
                                 dtype_name(x.dtype()), index.numel(), a));
  }
  check_range(index, x.shape()[a], a, "index_add");
  Tensor out = x.detach().clone();
  backend(x).index_add(out, a, index, source);
  record(out, "index_add", {x, source}, [a, index](const Tensor& g, const Tensor&) {
    return grads{g, index_select(g, a, index)};
  });
  return out;
}

// y[i][j] = x[index[i][j]][j] (axis 0);  dx = scatter_add(0, axis, index, g)
Tensor gather(const Tensor& x, int64_t axis, const Tensor& index) {
  check_defined(x, "gather");
  check_int64(index, "gather");
  check_same_device({x, index}, "gather");
  int64_t a = normalize_axis(axis, x.dim(), "gather");
  check_gather_shape(x, index, a, "gather");
  check_range(index, x.shape()[a], a, "gather");
  Tensor out = Tensor::empty(index.shape(), x.dtype(), x.device());
  backend(x).gather(x, a, index, out);
  record(out, "gather", {x}, [in_shape = x.shape(), a, index](const Tensor& g, const Tensor&) {
    return grads{scatter_add(zeros(in_shape, g.dtype(), g.device()), a, index, g)};
  });
  return out;
}

// y = x with y[index[i][j]][j] += source[i][j] (axis 0);  dx = g, dsource = gather(g, axis, index)
Tensor scatter_add(const Tensor& x, int64_t axis, const Tensor& index, const Tensor& source) {
  check_defined(x, "scatter_add");
  check_int64(index, "scatter_add");
  check_same_device({x, index, source}, "scatter_add");
  int64_t a = normalize_axis(axis, x.dim(), "scatter_add");
  check_gather_shape(x, index, a, "scatter_add");
  if (source.shape() != index.shape() || source.dtype() != x.dtype()) {
    throw ShapeError(fmt::format("scatter_add: source of shape {} ({}) must have the index's shape "
                                 "{} and the input's dtype {}", format_shape(source.shape()),
                                 dtype_name(source.dtype()), format_shape(index.shape()),
                                 dtype_name(x.dtype())));
  }
  check_range(index, x.shape()[a], a, "scatter_add");
  Tensor out = x.detach().clone();
  backend(x).scatter_add(out, a, index, source);
  record(out, "scatter_add", {x, source}, [a, index](const Tensor& g, const Tensor&) {
    return grads{g, gather(g, a, index)};
  });
  return out;
}

Tensor embedding(const Tensor& weight, const Tensor& ids) {
  check_defined(weight, "embedding", "weight");
  if (weight.dim() != 2) {
    throw ShapeError(fmt::format("embedding: weight must be [V, C], got {}", format_shape(weight.shape())));
  }
  check_int64(ids, "embedding", "ids");
  check_same_device({weight, ids}, "embedding");
  Shape shape = ids.shape();
  shape.push_back(weight.shape()[1]);
  Tensor flat = reshape(ids, {-1});
  check_range(flat, weight.shape()[0], 0, "embedding");  // so the error names embedding
  return reshape(index_select(weight, 0, flat), shape);
}

}  // namespace candor
