// Element types. Floating types carry gradients; int64 holds indices and labels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace candor {

enum class DType { Float32, Float64, Int64 };

inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kInt64 = DType::Int64;

std::size_t dtype_size(DType dtype);
std::string dtype_name(DType dtype);  // "float32", "float64", "int64"
bool is_floating(DType dtype);
// The common type of two operands (int64 < float32 < float64), as in NumPy and PyTorch.
DType promote(DType a, DType b);

template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() { return DType::Float32; }
template <>
constexpr DType dtype_of<double>() { return DType::Float64; }
template <>
constexpr DType dtype_of<int64_t>() { return DType::Int64; }

// Calls f with a value of the C++ type that `dtype` names: dispatch(d, [&]<typename T>(T) {...}).
template <typename F>
decltype(auto) dispatch(DType dtype, F&& f) {
  switch (dtype) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    case DType::Int64: return f(int64_t{});
  }
  return f(float{});  // unreachable: every enumerator is handled above
}

// As dispatch, for kernels that exist for floating types only.
template <typename F>
decltype(auto) dispatch_floating(DType dtype, F&& f) {
  if (dtype == DType::Float64) return f(double{});
  return f(float{});
}

// Where a tensor's storage lives. CUDA is one device (device 0) for now.
enum class Device { CPU, CUDA };
std::string device_name(Device device);  // "cpu", "cuda"
// The device a name gives ("cpu" or "cuda", as device_name writes them); ValueError otherwise.
Device parse_device(const std::string& name);

}  // namespace candor
