// Tensor: a cheap handle to shape, dtype, device, storage and offset, plus the autograd fields.
// Copying a Tensor shares its data (like a Python reference); use clone() for a deep copy.
// Storage is always contiguous and row-major: views that need no copy (reshape, squeeze,
// unsqueeze, flatten, narrow on the first axis) share it through an element offset.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "engine/dtype.h"
#include "engine/shape.h"
#include "engine/storage.h"

namespace candor {

struct Node;
class Tensor;

struct TensorImpl {
  Shape shape;
  DType dtype = DType::Float32;
  Device device = Device::CPU;
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  // autograd
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated on leaves by backward()
  std::shared_ptr<Node> grad_fn;     // the node that produced this tensor (null for leaves)
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  // A fresh, uninitialised contiguous tensor.
  static Tensor empty(const Shape& shape, DType dtype = kFloat32, Device device = Device::CPU);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int64_t size(int64_t axis) const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t numel() const;
  DType dtype() const;
  Device device() const;
  bool is_floating_point() const { return is_floating(dtype()); }

  // Raw element access (contiguous, row-major, already offset).
  template <typename T>
  T* data();
  template <typename T>
  const T* data() const;
  void* raw_data();
  const void* raw_data() const;
  // The single element of a one-element tensor, converted to T. These two read a GPU tensor
  // through a copy to the host (waiting for the work queued before it), as PyTorch's item()
  // and tolist() do.
  template <typename T = double>
  T item() const;
  // All elements, converted to T.
  template <typename T = double>
  std::vector<T> to_vector() const;

  // autograd
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);
  bool is_leaf() const;
  Tensor grad() const;  // undefined until backward() reaches this leaf
  void set_grad(const Tensor& grad);
  void zero_grad();  // drops the accumulated gradient, as PyTorch's set_to_none=True
  const std::shared_ptr<Node>& grad_fn() const;
  // Backpropagates from this tensor. Without `gradient`, the tensor must hold one element.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false,
                bool create_graph = false) const;
  // The same data, cut from the graph.
  Tensor detach() const;
  // A contiguous deep copy (differentiable).
  Tensor clone() const;
  // Conversion to another dtype (differentiable between floating types).
  Tensor to(DType dtype) const;
  // A copy on another device (this tensor when already there); differentiable: the gradient goes
  // back to this tensor's device. cpu() is to(Device::CPU).
  Tensor to(Device device) const;
  Tensor cpu() const { return to(Device::CPU); }

  // Shape views and common ops as methods, for readable model code.
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const { return reshape(shape); }
  Tensor flatten(int64_t start_axis = 0, int64_t end_axis = -1) const;
  Tensor squeeze(int64_t axis) const;
  Tensor unsqueeze(int64_t axis) const;
  Tensor transpose(int64_t a, int64_t b) const;
  Tensor permute(const std::vector<int64_t>& axes) const;
  Tensor narrow(int64_t axis, int64_t start, int64_t length) const;
  Tensor sum(const std::vector<int64_t>& axes = {}, bool keepdim = false) const;
  Tensor mean(const std::vector<int64_t>& axes = {}, bool keepdim = false) const;
  Tensor matmul(const Tensor& other) const;
  Tensor pow(double exponent) const;
  Tensor exp() const;
  Tensor log() const;

  std::string to_string() const;

  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  TensorImpl& checked() const;
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Arithmetic operators (broadcasting); the scalar forms take the tensor's dtype.
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);

}  // namespace candor
