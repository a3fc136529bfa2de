// Elementwise arithmetic with NumPy broadcasting. The backward of a broadcast operand is the
// output gradient summed back to the operand's shape (sum_to). Rules capture an operand only
// when the other one needs its gradient.
#include <cmath>
#include <tuple>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops/checks.h"
#include "engine/ops/ops.h"

namespace candor {

namespace {

Tensor binary_forward(BinaryOp op, const Tensor& a, const Tensor& b, const char* name) {
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), name), a.dtype(), a.device());
  backend(a).binary(op, a, b, out);
  return out;
}

// Comparisons and logic: 0/1 in the common dtype, never part of the graph.
Tensor compare(BinaryOp op, const Tensor& a_in, const Tensor& b_in, const char* name) {
  auto [a, b] = promote_pair(a_in, b_in, name);
  return binary_forward(op, a, b, name);
}

}  // namespace

// y = a + b;  dy/da = 1, dy/db = 1
Tensor add(const Tensor& a_in, const Tensor& b_in) {
  auto [a, b] = promote_pair(a_in, b_in, "add");
  Tensor out = binary_forward(BinaryOp::Add, a, b, "add");
  record(out, "add", {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g, const Tensor&) {
    return grads{sum_to(g, sa), sum_to(g, sb)};
  });
  return out;
}

// y = a - b;  dy/da = 1, dy/db = -1
Tensor sub(const Tensor& a_in, const Tensor& b_in) {
  auto [a, b] = promote_pair(a_in, b_in, "sub");
  Tensor out = binary_forward(BinaryOp::Sub, a, b, "sub");
  record(out, "sub", {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g, const Tensor&) {
    return grads{sum_to(g, sa), sum_to(neg(g), sb)};
  });
  return out;
}

// y = a * b;  dy/da = b, dy/db = a
Tensor mul(const Tensor& a_in, const Tensor& b_in) {
  auto [a, b] = promote_pair(a_in, b_in, "mul");
  Tensor out = binary_forward(BinaryOp::Mul, a, b, "mul");
  bool ga = a.requires_grad(), gb = b.requires_grad();
  record(out, "mul", {a, b},
         [a = gb ? a : Tensor(), b = ga ? b : Tensor(), sa = a.shape(), sb = b.shape()](
             const Tensor& g, const Tensor&) {
           return grads{b.defined() ? sum_to(g * b, sa) : Tensor(),
                        a.defined() ? sum_to(g * a, sb) : Tensor()};
         });
  return out;
}

// y = a / b;  dy/da = 1 / b, dy/db = -a / b^2. Integer division promotes to float32, as PyTorch.
Tensor div(const Tensor& a_in, const Tensor& b_in) {
  // Not a structured binding: the backward lambda captures a and b, which clang refuses under
  // OpenMP ("capturing a structured binding is not yet supported in OpenMP").
  Tensor a, b;
  std::tie(a, b) = promote_pair(a_in, b_in, "div");
  if (a.dtype() == kInt64) {
    a = cast(a, kFloat32);
    b = cast(b, kFloat32);
  }
  Tensor out = binary_forward(BinaryOp::Div, a, b, "div");
  bool gb = b.requires_grad();
  record(out, "div", {a, b},
         [a = gb ? a : Tensor(), b, sa = a.shape(), sb = b.shape()](const Tensor& g,
                                                                      const Tensor&) {
           return grads{sum_to(g / b, sa), a.defined() ? sum_to(neg(g * a / (b * b)), sb) : Tensor()};
         });
  return out;
}

// y = -x;  dy/dx = -1
Tensor neg(const Tensor& x) {
  check_defined(x, "neg");
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend(x).unary(UnaryOp::Neg, x, out);
  record(out, "neg", {x}, [](const Tensor& g, const Tensor&) { return grads{neg(g)}; });
  return out;
}

// y = x^p;  dy/dx = p * x^(p-1)  (0 for p = 0, where x^(p-1) may be infinite)
Tensor pow(const Tensor& x, double p) {
  check_floating(x, "pow");
  Tensor out = p == 2 ? binary_forward(BinaryOp::Mul, x, x, "pow")
                      : binary_forward(BinaryOp::Pow, x, scalar(p, x.dtype(), x.device()), "pow");
  record(out, "pow", {x}, [x, p](const Tensor& g, const Tensor&) {
    if (p == 0) return grads{zeros_like(g)};
    return grads{p == 2 ? g * x * 2.0 : g * pow(x, p - 1) * p};
  });
  return out;
}

// y = a^b;  dy/da = b * a^(b-1)  (0 where b = 0, as for a scalar exponent 0: a^-1 may be
// infinite), dy/db = y * log(a)  (taken as 0 where a = 0, as PyTorch)
Tensor pow(const Tensor& a_in, const Tensor& b_in) {
  Tensor a, b;  // not a structured binding: captured below (see div)
  std::tie(a, b) = promote_pair(a_in, b_in, "pow");
  check_floating(a, "pow");
  Tensor out = binary_forward(BinaryOp::Pow, a, b, "pow");
  record(out, "pow", {a, b}, [a, b](const Tensor& g, const Tensor& y) {
    Tensor zero = zeros({}, g.dtype(), g.device());
    Tensor ga = sum_to(where(eq(b, zero), zero, g * b * pow(a, b - 1.0)), a.shape());
    Tensor gb = sum_to(g * where(eq(a, zeros_like(a)), zeros_like(y), y * log(a)), b.shape());
    return grads{ga, gb};
  }, true);
  return out;
}

// The shapes are checked first so that an error names maximum/minimum, not ge/le.
Tensor maximum(const Tensor& a, const Tensor& b) {
  auto [pa, pb] = promote_pair(a, b, "maximum");
  broadcast_shapes(pa.shape(), pb.shape(), "maximum");
  return where(ge(pa, pb), pa, pb);
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  auto [pa, pb] = promote_pair(a, b, "minimum");
  broadcast_shapes(pa.shape(), pb.shape(), "minimum");
  return where(le(pa, pb), pa, pb);
}

// Conversion; gradients flow back between floating types as a cast to the input's dtype.
Tensor cast(const Tensor& x, DType dtype) {
  check_defined(x, "cast");
  Tensor out = Tensor::empty(x.shape(), dtype, x.device());
  backend(x).cast(x, out);
  if (is_floating(dtype)) {
    record(out, "cast", {x}, [from = x.dtype()](const Tensor& g, const Tensor&) {
      return grads{cast(g, from)};
    });
  }
  return out;
}

Tensor eq(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Eq, a, b, "eq"); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Ne, a, b, "ne"); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Lt, a, b, "lt"); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Le, a, b, "le"); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Gt, a, b, "gt"); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(BinaryOp::Ge, a, b, "ge"); }
Tensor logical_and(const Tensor& a, const Tensor& b) {
  return compare(BinaryOp::And, a, b, "logical_and");
}
Tensor logical_not(const Tensor& x) {
  check_defined(x, "logical_not");
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend(x).unary(UnaryOp::Not, x, out);
  return out;
}

// y = cond ? a : b;  dy/da = cond, dy/db = 1 - cond; the condition gets no gradient.
Tensor where(const Tensor& cond, const Tensor& a_in, const Tensor& b_in) {
  check_defined(cond, "where", "condition");
  check_same_device({cond, a_in, b_in}, "where");
  auto [a, b] = promote_pair(a_in, b_in, "where");
  Shape shape = broadcast_shapes(cond.shape(), broadcast_shapes(a.shape(), b.shape(), "where"), "where");
  Tensor out = Tensor::empty(shape, a.dtype(), a.device());
  backend(a).where(cond, a, b, out);
  record(out, "where", {a, b}, [cond, sa = a.shape(), sb = b.shape()](const Tensor& g, const Tensor&) {
    Tensor zero = zeros({}, g.dtype(), g.device());
    return grads{sum_to(where(cond, g, zero), sa), sum_to(where(cond, zero, g), sb)};
  });
  return out;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  check_defined(x, "masked_fill");
  check_defined(mask, "masked_fill", "mask");
  check_same_device({x, mask}, "masked_fill");
  if (broadcast_shapes(mask.shape(), x.shape(), "masked_fill") != x.shape()) {
    throw ShapeError(fmt::format("masked_fill: mask of shape {} does not broadcast to the input's "
                                 "shape {}", format_shape(mask.shape()), format_shape(x.shape())));
  }
  return where(mask, scalar(value, x.dtype(), x.device()), x);
}

}  // namespace candor
