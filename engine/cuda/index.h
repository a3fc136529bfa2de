// Index arithmetic the CUDA kernels share: the element offset of an input for each flat index of
// an output (broadcasting: stride 0 on broadcast axes; permute: the input's strides reordered).
// Built on the host, passed to kernels by value, evaluated on the device. It also compiles with
// the host compiler alone, so tests/engine/test_cuda_backend_elementwise.cpp checks it on the CPU.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/host_device.h"
#include "engine/shape.h"

namespace candor::cuda {

// Axes an index keeps after merging (below): more than any model here needs.
inline constexpr int kMaxDims = 8;

// offset(j) = sum over d of (digit d of j in the mixed radix `size`) * stride[d].
struct StridedIndex {
  int ndim = 0;
  int64_t size[kMaxDims] = {};
  int64_t stride[kMaxDims] = {};

  CANDOR_HOST_DEVICE int64_t offset(int64_t flat) const {
    int64_t off = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      off += (flat % size[d]) * stride[d];
      flat /= size[d];
    }
    return off;
  }
};

// The index for an output of shape `size` reading with `stride` per output axis. Axes of size 1
// are dropped (their digit is always 0) and neighbours merged where the outer stride is the inner
// one times the inner size (one digit then walks both), so a contiguous input needs one axis.
inline StridedIndex make_strided_index(const Shape& size, const std::vector<int64_t>& stride,
                                       const char* op) {
  std::vector<int64_t> sz, st;
  for (size_t d = 0; d < size.size(); ++d) {
    if (size[d] == 1) continue;
    if (!sz.empty() && st.back() == stride[d] * size[d]) {
      sz.back() *= size[d];
      st.back() = stride[d];
    } else {
      sz.push_back(size[d]);
      st.push_back(stride[d]);
    }
  }
  if (sz.size() > static_cast<size_t>(kMaxDims)) {
    throw DeviceError(std::string("cuda: ") + op + ": more than " + std::to_string(kMaxDims) +
                      " axes after merging, shape " + format_shape(size));
  }
  StridedIndex index;
  index.ndim = static_cast<int>(sz.size());
  for (int d = 0; d < index.ndim; ++d) {
    index.size[d] = sz[d];
    index.stride[d] = st[d];
  }
  return index;
}

// An input of shape `in` broadcast to `out` (NumPy rules, checked by the ops).
inline StridedIndex broadcast_index(const Shape& in, const Shape& out, const char* op) {
  return make_strided_index(out, broadcast_strides(in, out), op);
}

// Output axis d of a permute reads input axis axes[d].
inline StridedIndex permute_index(const Shape& in, const std::vector<int64_t>& axes,
                                  const char* op) {
  std::vector<int64_t> in_strides = contiguous_strides(in), stride(axes.size());
  Shape out(axes.size());
  for (size_t d = 0; d < axes.size(); ++d) {
    out[d] = in[axes[d]];
    stride[d] = in_strides[axes[d]];
  }
  return make_strided_index(out, stride, op);
}

}  // namespace candor::cuda
