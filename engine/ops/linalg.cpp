// Matrix products. Shapes: A [..., M, K] @ B [..., K, N] -> [..., M, N], batch dimensions
// broadcast. 1-D operands are promoted to matrices and the added dimension removed afterwards,
// as torch.matmul does.
#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops/checks.h"
#include "engine/ops/ops.h"

namespace candor {

namespace {

Shape batch_of(const Shape& s) { return Shape(s.begin(), s.end() - 2); }

// C = op(A) @ op(B) for operands of at least 2 dimensions whose batch shapes broadcast; op
// transposes the last two dimensions when its flag is set, without materialising the transpose.
// With `init` (of A's dtype, broadcasting to C's shape: add_product checks), C = init + op(A) @
// op(B): C starts as init's values and the product is added to it (BLAS's beta = 1), which spares
// the pass that zeroes C and the pass that adds init afterwards (a linear layer's bias: PyTorch's
// addmm).
Tensor gemm_op(const Tensor& a_in, const Tensor& b_in, bool ta, bool tb,
               const Tensor& init = Tensor()) {
  Tensor a = a_in, b = b_in;
  int64_t m = a.shape()[a.dim() - (ta ? 1 : 2)];
  int64_t k = a.shape()[a.dim() - (ta ? 2 : 1)];
  int64_t kb = b.shape()[b.dim() - (tb ? 1 : 2)];
  int64_t n = b.shape()[b.dim() - (tb ? 2 : 1)];
  if (k != kb) {
    throw ShapeError(fmt::format("matmul: shapes {} and {} do not match (inner dimensions {} != {})",
                                 format_shape(a_in.shape()), format_shape(b_in.shape()), k, kb));
  }
  Shape batch = broadcast_shapes(batch_of(a.shape()), batch_of(b.shape()), "matmul");
  int64_t batch_count = numel(batch);
  // An operand whose batch is not the full one is either shared by every entry (stride 0) or
  // expanded to the full batch.
  auto fit = [&](Tensor t) {
    int64_t own = numel(batch_of(t.shape()));
    if (own == batch_count || own == 1) return t;
    Shape full = batch;
    full.push_back(t.shape()[t.dim() - 2]);
    full.push_back(t.shape()[t.dim() - 1]);
    return expand(t, full).detach();
  };
  a = fit(a);
  b = fit(b);
  Backend::Gemm g;
  g.batch = batch_count;
  g.m = m;
  g.n = n;
  g.k = k;
  g.trans_a = ta;
  g.trans_b = tb;
  g.stride_a = numel(batch_of(a.shape())) == 1 ? 0 : m * k;
  g.stride_b = numel(batch_of(b.shape())) == 1 ? 0 : k * n;
  g.stride_c = m * n;
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = Tensor::empty(out_shape, a.dtype(), a.device());
  if (init.defined()) {
    backend(init).expand(init, out);
    g.accumulate = true;
  }
  backend(a).gemm(g, a, b, out);

  // With C = op(A) op(B) and upstream G:
  //   C = A B      : dA = G B^T,     dB = A^T G
  //   C = A B^T    : dA = G B,       dB = G^T A
  //   C = A^T B    : dA = B G^T,     dB = A G
  //   C = A^T B^T  : dA = B^T G^T,   dB = G^T A^T
  // each summed over broadcast batch dimensions; d init = G summed to init's shape.
  bool ga = a_in.requires_grad(), gb = b_in.requires_grad();
  record(out, init.defined() ? "addmm" : "matmul", {a_in, b_in, init},
         [a = gb ? a_in : Tensor(), b = ga ? b_in : Tensor(), sa = a_in.shape(), sb = b_in.shape(),
          si = init.defined() ? init.shape() : Shape{}, gi = init.defined() && init.requires_grad(),
          ta, tb](const Tensor& gr, const Tensor&) {
           Tensor da, db;
           if (b.defined()) {
             da = ta ? gemm_op(b, gr, tb, true) : gemm_op(gr, b, false, !tb);
             da = sum_to(da, sa);
           }
           if (a.defined()) {
             db = tb ? gemm_op(gr, a, true, ta) : gemm_op(a, gr, !ta, false);
             db = sum_to(db, sb);
           }
           return grads{da, db, gi ? sum_to(gr, si) : Tensor()};
         });
  return out;
}

// input + op(A) @ op(B) for matrices (addmm, and linear with its bias). The GEMM starts from input
// when it has the product's dtype; otherwise the sum promotes, as + does.
Tensor add_product(const Tensor& input, const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const Shape out_shape{a.shape()[ta ? 1 : 0], b.shape()[tb ? 0 : 1]};
  if (broadcast_shapes(input.shape(), out_shape, "addmm") != out_shape) {
    throw ShapeError(fmt::format("addmm: input {} does not broadcast to the product's {}",
                                 format_shape(input.shape()), format_shape(out_shape)));
  }
  if (input.dtype() == a.dtype()) return gemm_op(a, b, ta, tb, input);
  return gemm_op(a, b, ta, tb) + input;
}

}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  auto [a, b] = promote_pair(a_in, b_in, "matmul");
  if (a.dim() == 0 || b.dim() == 0) {
    throw ShapeError(fmt::format("matmul: both operands need at least one dimension, got {} and {}",
                                 format_shape(a.shape()), format_shape(b.shape())));
  }
  // Checked here, before 1-D operands gain a dimension, so the message shows the caller's shapes.
  int64_t ka = a.shape().back(), kb = b.dim() == 1 ? b.shape()[0] : b.shape()[b.dim() - 2];
  if (ka != kb) {
    throw ShapeError(fmt::format("matmul: shapes {} and {} do not match (inner dimensions {} != {})",
                                 format_shape(a.shape()), format_shape(b.shape()), ka, kb));
  }
  if (a.dim() == 1 && b.dim() == 1) {
    return reshape(gemm_op(unsqueeze(a, 0), unsqueeze(b, 1), false, false), {});
  }
  if (b.dim() == 1) return squeeze(gemm_op(a, unsqueeze(b, 1), false, false), -1);
  if (a.dim() == 1) return squeeze(gemm_op(unsqueeze(a, 0), b, false, false), -2);
  if (b.dim() == 2 && a.dim() > 2 && a.shape().back() == b.shape()[0]) {
    // [..., M, K] @ [K, N]: fold the batch into M for one large product.
    Shape out_shape = a.shape();
    out_shape.back() = b.shape()[1];
    return reshape(gemm_op(reshape(a, {-1, a.shape().back()}), b, false, false), out_shape);
  }
  return gemm_op(a, b, false, false);
}

Tensor linear(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias) {
  check_same_device({x_in, weight_in, bias}, "linear");
  auto [x, weight] = promote_pair(x_in, weight_in, "linear");
  if (x.dim() == 0 || weight.dim() != 2 || x.shape().back() != weight.shape()[1]) {
    throw ShapeError(fmt::format("linear: input {} does not fit weight {} (expected [..., {}] "
                                 "against [out, in])", format_shape(x.shape()),
                                 format_shape(weight.shape()), weight.dim() == 2 ? weight.shape()[1] : -1));
  }
  if (bias.defined() && bias.shape() != Shape{weight.shape()[0]}) {
    throw ShapeError(fmt::format("linear: bias {} does not fit weight {} (expected [{}])",
                                 format_shape(bias.shape()), format_shape(weight.shape()), weight.shape()[0]));
  }
  Shape out_shape = x.shape();
  out_shape.back() = weight.shape()[0];
  Tensor rows = x.dim() == 2 ? x : reshape(x, {-1, x.shape().back()});  // [N, in]
  Tensor y = bias.defined() ? add_product(bias, rows, weight, false, true)
                            : gemm_op(rows, weight, false, true);  // [N, out]
  return x.dim() == 2 ? y : reshape(y, out_shape);
}

Tensor addmm(const Tensor& input, const Tensor& a_in, const Tensor& b_in) {
  check_defined(input, "addmm");
  check_same_device({input, a_in, b_in}, "addmm");
  auto [a, b] = promote_pair(a_in, b_in, "addmm");
  if (a.dim() != 2 || b.dim() != 2) {
    throw ShapeError(fmt::format("addmm: expects two matrices, got {} and {}",
                                 format_shape(a.shape()), format_shape(b.shape())));
  }
  if (a.shape()[1] != b.shape()[0]) {
    throw ShapeError(fmt::format("addmm: shapes {} and {} do not match (inner dimensions {} != {})",
                                 format_shape(a.shape()), format_shape(b.shape()), a.shape()[1],
                                 b.shape()[0]));
  }
  return add_product(input, a, b, false, false);
}

}  // namespace candor
