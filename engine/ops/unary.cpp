// Elementwise math. Primitives call a backend kernel and record their derivative; gelu and
// softplus with beta != 1 are compositions of primitives and get their backward for free.
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops/checks.h"
#include "engine/ops/ops.h"

namespace candor {

namespace {
Tensor unary_forward(UnaryOp op, const Tensor& x, const char* name, bool floating_only = true) {
  if (floating_only) {
    check_floating(x, name);
  } else {
    check_defined(x, name);
  }
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend(x).unary(op, x, out);
  return out;
}
}  // namespace

// y = e^x;  dy/dx = y
Tensor exp(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::Exp, x, "exp");
  record(out, "exp", {x}, [](const Tensor& g, const Tensor& y) { return grads{g * y}; }, true);
  return out;
}

// y = ln x;  dy/dx = 1 / x
Tensor log(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::Log, x, "log");
  record(out, "log", {x}, [x](const Tensor& g, const Tensor&) { return grads{g / x}; });
  return out;
}

// y = sqrt(x);  dy/dx = 1 / (2y)
Tensor sqrt(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::Sqrt, x, "sqrt");
  record(out, "sqrt", {x}, [](const Tensor& g, const Tensor& y) { return grads{g / (y * 2.0)}; }, true);
  return out;
}

// y = |x|;  dy/dx = sign(x)  (0 at 0, as PyTorch)
Tensor abs(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::Abs, x, "abs", false);
  record(out, "abs", {x}, [x](const Tensor& g, const Tensor&) { return grads{g * sign(x)}; });
  return out;
}

// Piecewise constant: no gradient.
Tensor sign(const Tensor& x) { return unary_forward(UnaryOp::Sign, x, "sign", false); }

// y = tanh x;  dy/dx = 1 - y^2
Tensor tanh(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::Tanh, x, "tanh");
  record(out, "tanh", {x}, [](const Tensor& g, const Tensor& y) { return grads{g * (1.0 - y * y)}; }, true);
  return out;
}

// y = 1 / (1 + e^-x);  dy/dx = y (1 - y)
Tensor sigmoid(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::Sigmoid, x, "sigmoid");
  record(out, "sigmoid", {x}, [](const Tensor& g, const Tensor& y) { return grads{g * y * (1.0 - y)}; }, true);
  return out;
}

// y = max(x, 0);  dy/dx = [x > 0]
Tensor relu(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::Relu, x, "relu", false);
  record(out, "relu", {x}, [](const Tensor& g, const Tensor& y) {
    return grads{g * gt(y, zeros({}, y.dtype(), y.device()))};
  }, true);
  return out;
}

// y = erf x;  dy/dx = 2 / sqrt(pi) * e^(-x^2)
Tensor erf(const Tensor& x) {
  Tensor out = unary_forward(UnaryOp::Erf, x, "erf");
  record(out, "erf", {x}, [x](const Tensor& g, const Tensor&) {
    return grads{g * exp(neg(x * x)) * (2.0 / std::sqrt(std::numbers::pi))};
  });
  return out;
}

// gelu(x) = x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)); the tanh form is Hendrycks & Gimpel's
// approximation x/2 * (1 + t), t = tanh(u), u = sqrt(2/pi) * (x + 0.044715 x^3), with
//   dy/dx = (1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2).
// The tanh form is a fused kernel forward and backward (a GPT's MLP spends its elementwise time
// here); under create_graph the derivative is evaluated with tensor ops instead.
Tensor gelu(const Tensor& x, const std::string& approximate) {
  check_floating(x, "gelu");
  if (approximate == "none") return x * 0.5 * (1.0 + erf(x * std::numbers::sqrt2 / 2.0));
  if (approximate == "tanh") {
    Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
    backend(x).gelu_tanh(x, out);
    record(out, "gelu", {x}, [x](const Tensor& g, const Tensor&) {
      if (!grad_mode_enabled()) {
        Tensor dx = Tensor::empty(x.shape(), x.dtype(), x.device());
        backend(x).gelu_tanh_backward(g, x, dx);
        return grads{dx};
      }
      const double k = std::sqrt(2.0 / std::numbers::pi);
      // x + 0.044715 x^3 written as x (1 + 0.044715 x^2): products, not a per-element pow.
      Tensor x2 = x * x;
      Tensor t = tanh(x * (1.0 + x2 * 0.044715) * k);
      return grads{g * ((1.0 + t) * 0.5 + x * 0.5 * (1.0 - t * t) * k * (1.0 + x2 * (3 * 0.044715)))};
    });
    return out;
  }
  throw ValueError(fmt::format("gelu: approximate must be \"none\" or \"tanh\", got \"{}\"", approximate));
}

// softplus(x) = log(1 + e^x);  d/dx = sigmoid(x). With beta: softplus(beta x) / beta.
Tensor softplus(const Tensor& x, double beta) {
  if (beta != 1.0) {
    if (!(beta > 0)) throw ValueError(fmt::format("softplus: beta must be positive, got {}", beta));
    return softplus(x * beta, 1.0) / beta;
  }
  Tensor out = unary_forward(UnaryOp::Softplus, x, "softplus");
  record(out, "softplus", {x}, [x](const Tensor& g, const Tensor&) { return grads{g * sigmoid(x)}; });
  return out;
}

// y = min(max(x, lo), hi);  dy/dx = [lo <= x <= hi]
Tensor clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi) {
  check_defined(x, "clamp");
  if (!lo && !hi) throw ValueError("clamp: give at least one of min and max");
  if (lo && hi && *lo > *hi) {
    throw ValueError(fmt::format("clamp: min {} is greater than max {}", *lo, *hi));
  }
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  backend(x).clamp(x, lo, hi, out);
  record(out, "clamp", {x}, [x, lo, hi](const Tensor& g, const Tensor&) {
    Tensor inside = ones_like(x);
    if (lo) inside = inside * ge(x, scalar(*lo, x.dtype(), x.device()));
    if (hi) inside = inside * le(x, scalar(*hi, x.dtype(), x.device()));
    return grads{g * inside};
  });
  return out;
}

}  // namespace candor
