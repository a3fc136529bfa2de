#include "engine/tensor.h"

#include <new>
#include <ostream>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops/ops.h"

namespace candor {

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t s : shape) {
    if (s < 0) throw ShapeError(fmt::format("empty: negative dimension in shape {}", format_shape(shape)));
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->dtype = dtype;
  impl->device = device;
  const int64_t bytes = storage_bytes(shape, static_cast<int64_t>(dtype_size(dtype)));
  try {
    impl->storage = std::make_shared<Storage>(static_cast<std::size_t>(bytes), device);
  } catch (const std::bad_alloc&) {
    // A size a user asked for (a huge --hidden) should say what did not fit, not "std::bad_alloc".
    throw Error(fmt::format("out of memory: a {} tensor of shape {} needs {:.3g} GB", dtype_name(dtype),
                            format_shape(shape), static_cast<double>(bytes) / 1e9));
  }
  return Tensor(impl);
}

TensorImpl& Tensor::checked() const {
  if (!impl_) throw ValueError("tensor: operation on an undefined tensor");
  return *impl_;
}

const Shape& Tensor::shape() const { return checked().shape; }
int64_t Tensor::size(int64_t axis) const {
  return shape()[normalize_axis(axis, dim(), "size")];
}
int64_t Tensor::numel() const { return candor::numel(shape()); }
DType Tensor::dtype() const { return checked().dtype; }
Device Tensor::device() const { return checked().device; }

void* Tensor::raw_data() {
  TensorImpl& t = checked();
  return static_cast<char*>(t.storage->data()) + t.offset * dtype_size(t.dtype);
}
const void* Tensor::raw_data() const {
  const TensorImpl& t = checked();
  return static_cast<const char*>(t.storage->data()) + t.offset * dtype_size(t.dtype);
}

namespace {
void check_host(const Tensor& t) {
  if (t.device() != Device::CPU) {
    throw DeviceError(fmt::format("data: the tensor is on {}; copy it to the host with .cpu() first",
                                  device_name(t.device())));
  }
}
}  // namespace

template <typename T>
T* Tensor::data() {
  check_host(*this);
  if (dtype() != dtype_of<T>()) {
    throw DTypeError(fmt::format("data: tensor holds {}, not {}", dtype_name(dtype()),
                                 dtype_name(dtype_of<T>())));
  }
  return static_cast<T*>(raw_data());
}
template <typename T>
const T* Tensor::data() const {
  check_host(*this);
  if (dtype() != dtype_of<T>()) {
    throw DTypeError(fmt::format("data: tensor holds {}, not {}", dtype_name(dtype()),
                                 dtype_name(dtype_of<T>())));
  }
  return static_cast<const T*>(raw_data());
}
template float* Tensor::data<float>();
template double* Tensor::data<double>();
template int64_t* Tensor::data<int64_t>();
template const float* Tensor::data<float>() const;
template const double* Tensor::data<double>() const;
template const int64_t* Tensor::data<int64_t>() const;

template <typename T>
T Tensor::item() const {
  if (numel() != 1) {
    throw ValueError(fmt::format("item: tensor of shape {} has {} elements, not one",
                                 format_shape(shape()), numel()));
  }
  const Tensor host = device() == Device::CPU ? *this : detach().cpu();
  return dispatch(dtype(), [&]<typename S>(S) { return static_cast<T>(host.data<S>()[0]); });
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;

template <typename T>
std::vector<T> Tensor::to_vector() const {
  const Tensor host = device() == Device::CPU ? *this : detach().cpu();
  return dispatch(dtype(), [&]<typename S>(S) {
    const S* p = host.data<S>();
    std::vector<T> out(numel());
    for (int64_t i = 0; i < numel(); ++i) out[i] = static_cast<T>(p[i]);
    return out;
  });
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;

bool Tensor::requires_grad() const { return checked().requires_grad; }

Tensor& Tensor::requires_grad_(bool on) {
  if (on && !is_floating_point()) {
    throw DTypeError(fmt::format("requires_grad: only floating-point tensors can require "
                                 "gradients, this one is {}", dtype_name(dtype())));
  }
  if (!on && checked().grad_fn) {
    throw AutogradError("requires_grad: cannot turn off gradients of a non-leaf tensor; use detach()");
  }
  checked().requires_grad = on;
  return *this;
}

bool Tensor::is_leaf() const { return checked().grad_fn == nullptr; }
Tensor Tensor::grad() const { return Tensor(checked().grad); }
void Tensor::set_grad(const Tensor& grad) {
  if (grad.defined() && grad.shape() != shape()) {
    throw ShapeError(fmt::format("set_grad: gradient of shape {} for a tensor of shape {}",
                                 format_shape(grad.shape()), format_shape(shape())));
  }
  checked().grad = grad.impl();
}
void Tensor::zero_grad() { checked().grad = nullptr; }
const std::shared_ptr<Node>& Tensor::grad_fn() const { return checked().grad_fn; }

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  candor::backward({*this}, {gradient}, retain_graph, create_graph);
}

Tensor Tensor::detach() const {
  const TensorImpl& t = checked();
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = t.shape;
  impl->dtype = t.dtype;
  impl->device = t.device;
  impl->storage = t.storage;
  impl->offset = t.offset;
  return Tensor(impl);
}

Tensor Tensor::clone() const { return candor::cast(*this, dtype()); }
Tensor Tensor::to(DType dtype) const { return candor::cast(*this, dtype); }
Tensor Tensor::to(Device device) const { return candor::to_device(*this, device); }
Tensor Tensor::reshape(const Shape& s) const { return candor::reshape(*this, s); }
Tensor Tensor::flatten(int64_t start, int64_t end) const { return candor::flatten(*this, start, end); }
Tensor Tensor::squeeze(int64_t axis) const { return candor::squeeze(*this, axis); }
Tensor Tensor::unsqueeze(int64_t axis) const { return candor::unsqueeze(*this, axis); }
Tensor Tensor::transpose(int64_t a, int64_t b) const { return candor::transpose(*this, a, b); }
Tensor Tensor::permute(const std::vector<int64_t>& axes) const { return candor::permute(*this, axes); }
Tensor Tensor::narrow(int64_t axis, int64_t start, int64_t length) const {
  return candor::narrow(*this, axis, start, length);
}
Tensor Tensor::sum(const std::vector<int64_t>& axes, bool keepdim) const {
  return candor::sum(*this, axes, keepdim);
}
Tensor Tensor::mean(const std::vector<int64_t>& axes, bool keepdim) const {
  return candor::mean(*this, axes, keepdim);
}
Tensor Tensor::matmul(const Tensor& other) const { return candor::matmul(*this, other); }
Tensor Tensor::pow(double exponent) const { return candor::pow(*this, exponent); }
Tensor Tensor::exp() const { return candor::exp(*this); }
Tensor Tensor::log() const { return candor::log(*this); }

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator+(const Tensor& a, double b) { return add(a, scalar(b, a.dtype(), a.device())); }
Tensor operator-(const Tensor& a, double b) { return sub(a, scalar(b, a.dtype(), a.device())); }
Tensor operator*(const Tensor& a, double b) { return mul(a, scalar(b, a.dtype(), a.device())); }
Tensor operator/(const Tensor& a, double b) { return div(a, scalar(b, a.dtype(), a.device())); }
Tensor operator+(double a, const Tensor& b) { return add(scalar(a, b.dtype(), b.device()), b); }
Tensor operator-(double a, const Tensor& b) { return sub(scalar(a, b.dtype(), b.device()), b); }
Tensor operator*(double a, const Tensor& b) { return mul(scalar(a, b.dtype(), b.device()), b); }
Tensor operator/(double a, const Tensor& b) { return div(scalar(a, b.dtype(), b.device()), b); }

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

}  // namespace candor
