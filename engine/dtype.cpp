#include "engine/dtype.h"

#include <fmt/format.h>

#include "engine/error.h"

namespace candor {

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
  }
  return 0;
}

std::string dtype_name(DType dtype) {
  switch (dtype) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
  }
  return "?";
}

bool is_floating(DType dtype) { return dtype != DType::Int64; }

DType promote(DType a, DType b) {
  auto rank = [](DType d) { return d == DType::Int64 ? 0 : d == DType::Float32 ? 1 : 2; };
  return rank(a) >= rank(b) ? a : b;
}

std::string device_name(Device device) { return device == Device::CUDA ? "cuda" : "cpu"; }

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::CPU;
  if (name == "cuda") return Device::CUDA;
  throw ValueError(fmt::format("unknown device \"{}\": expected cpu or cuda", name));
}

}  // namespace candor
