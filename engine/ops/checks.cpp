#include "engine/ops/checks.h"

#include <fmt/format.h>

#include "engine/error.h"
#include "engine/ops/ops.h"

namespace candor {

void check_defined(const Tensor& t, const char* op, const char* what) {
  if (!t.defined()) throw ValueError(fmt::format("{}: {} is an undefined tensor", op, what));
}

void check_floating(const Tensor& t, const char* op) {
  check_defined(t, op);
  if (!t.is_floating_point()) {
    throw DTypeError(fmt::format("{}: expects a floating-point tensor, got {} of shape {}", op,
                                 dtype_name(t.dtype()), format_shape(t.shape())));
  }
}

void check_int64(const Tensor& t, const char* op, const char* what) {
  check_defined(t, op, what);
  if (t.dtype() != kInt64) {
    throw DTypeError(fmt::format("{}: {} must be int64, got {}", op, what, dtype_name(t.dtype())));
  }
}

void check_same_device(std::initializer_list<Tensor> ts, const char* op) {
  const Tensor* first = nullptr;
  for (const Tensor& t : ts) {
    if (!t.defined()) continue;
    if (first == nullptr) {
      first = &t;
    } else if (t.device() != first->device()) {
      throw DeviceError(fmt::format("{}: tensors on different devices ({} and {}); move one with "
                                    ".to(device)", op, device_name(first->device()),
                                    device_name(t.device())));
    }
  }
}

std::pair<Tensor, Tensor> promote_pair(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op, "first operand");
  check_defined(b, op, "second operand");
  check_same_device({a, b}, op);
  DType common = promote(a.dtype(), b.dtype());
  return {a.dtype() == common ? a : cast(a, common), b.dtype() == common ? b : cast(b, common)};
}

}  // namespace candor
