// Layout kernels: permute, strided slices, and index-driven copies (select, gather, and their
// accumulating inverses). Accumulating kernels add repeated indices in increasing order, so they
// parallelise only over positions that never collide.
#include <cstring>

#include "engine/cpu/cpu_backend.h"
#include "engine/cpu/parallel.h"

namespace candor::cpu {

void CpuBackend::permute(const Tensor& x, const std::vector<int64_t>& axes, Tensor& out) {
  const Shape& os = out.shape();
  std::vector<int64_t> in_strides = contiguous_strides(x.shape());
  std::vector<int64_t> src_strides(axes.size());  // input stride for each output axis
  for (size_t d = 0; d < axes.size(); ++d) src_strides[d] = in_strides[axes[d]];
  int64_t len = os.empty() ? 1 : os.back();
  int64_t inner_stride = os.empty() ? 0 : src_strides.back();
  int64_t rows = len == 0 ? 0 : out.numel() / len;
  dispatch(x.dtype(), [&]<typename T>(T) {
    const T* px = x.data<T>();
    T* po = out.data<T>();
    parallel_for(rows, grain_for(len), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        int64_t offset = 0, rest = r;
        for (size_t d = os.empty() ? 0 : os.size() - 1; d-- > 0;) {
          offset += (rest % os[d]) * src_strides[d];
          rest /= os[d];
        }
        const T* src = px + offset;
        T* dst = po + r * len;
        for (int64_t i = 0; i < len; ++i) dst[i] = src[i * inner_stride];
      }
    });
  });
}

namespace {

// Copies rows of `inner` elements between two [outer, *, inner] layouts: for each o and i < count,
// dst[o, dst_start + i * dst_step, :] = src[o, src_start + i * src_step, :].
// With both steps 1 the `count` rows of each o are one contiguous run, copied by one memcpy (a
// slice of the last axis, as in splitting GPT-2's fused qkv, would otherwise copy one element per
// call).
void copy_rows(const Tensor& src, AxisView sv, int64_t src_start, int64_t src_step, Tensor& dst,
               AxisView dv, int64_t dst_start, int64_t dst_step, int64_t count) {
  size_t elem = dtype_size(src.dtype());
  const char* ps = static_cast<const char*>(src.raw_data());
  char* pd = static_cast<char*>(dst.raw_data());
  if (src_step == 1 && dst_step == 1) {
    size_t run_bytes = static_cast<size_t>(count * sv.inner) * elem;
    parallel_for(sv.outer, grain_for(count * sv.inner), [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) {
        const char* from = ps + (o * sv.n + src_start) * sv.inner * static_cast<int64_t>(elem);
        char* to = pd + (o * dv.n + dst_start) * dv.inner * static_cast<int64_t>(elem);
        std::memcpy(to, from, run_bytes);
      }
    });
    return;
  }
  size_t row_bytes = static_cast<size_t>(sv.inner) * elem;
  parallel_for(sv.outer * count, grain_for(sv.inner), [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      int64_t o = j / count, i = j % count;
      const char* from = ps + ((o * sv.n + src_start + i * src_step) * row_bytes);
      char* to = pd + ((o * dv.n + dst_start + i * dst_step) * row_bytes);
      std::memcpy(to, from, row_bytes);
    }
  });
}

}  // namespace

void CpuBackend::read_slice(const Tensor& x, int64_t axis, int64_t start, int64_t step,
                            Tensor& out) {
  AxisView xv = axis_view(x.shape(), axis), ov = axis_view(out.shape(), axis);
  copy_rows(x, xv, start, step, out, ov, 0, 1, ov.n);
}

void CpuBackend::write_slice(const Tensor& x, int64_t axis, int64_t start, int64_t step,
                             Tensor& out) {
  AxisView xv = axis_view(x.shape(), axis), ov = axis_view(out.shape(), axis);
  copy_rows(x, xv, 0, 1, out, ov, start, step, xv.n);
}

void CpuBackend::index_select(const Tensor& x, int64_t axis, const Tensor& index, Tensor& out) {
  AxisView xv = axis_view(x.shape(), axis);
  const int64_t* idx = index.data<int64_t>();
  int64_t count = index.numel();
  size_t row_bytes = static_cast<size_t>(xv.inner) * dtype_size(x.dtype());
  const char* px = static_cast<const char*>(x.raw_data());
  char* po = static_cast<char*>(out.raw_data());
  parallel_for(xv.outer * count, grain_for(xv.inner), [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      int64_t o = j / count, i = j % count;
      std::memcpy(po + (o * count + i) * row_bytes, px + (o * xv.n + idx[i]) * row_bytes, row_bytes);
    }
  });
}

void CpuBackend::index_add(Tensor& out, int64_t axis, const Tensor& index, const Tensor& source) {
  AxisView ov = axis_view(out.shape(), axis);
  const int64_t* idx = index.data<int64_t>();
  int64_t count = index.numel();
  dispatch(out.dtype(), [&]<typename T>(T) {
    const T* ps = source.data<T>();
    T* po = out.data<T>();
    // Parallel over (outer, column) positions: each is a sequential sum over i, so repeated
    // indices accumulate in the same order on any number of threads.
    int64_t column_block = 256;
    int64_t blocks = (ov.inner + column_block - 1) / column_block;
    parallel_for(ov.outer * blocks, grain_for(count * column_block), [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        int64_t o = j / blocks, c0 = (j % blocks) * column_block;
        int64_t c1 = std::min(ov.inner, c0 + column_block);
        for (int64_t i = 0; i < count; ++i) {
          const T* src = ps + (o * count + i) * ov.inner;
          T* dst = po + (o * ov.n + idx[i]) * ov.inner;
          for (int64_t c = c0; c < c1; ++c) dst[c] += src[c];
        }
      }
    });
  });
}

// gather/scatter_add: index has x's shape except along `axis` (checked by the ops).
void CpuBackend::gather(const Tensor& x, int64_t axis, const Tensor& index, Tensor& out) {
  AxisView xv = axis_view(x.shape(), axis), iv = axis_view(index.shape(), axis);
  const int64_t* idx = index.data<int64_t>();
  dispatch(x.dtype(), [&]<typename T>(T) {
    const T* px = x.data<T>();
    T* po = out.data<T>();
    parallel_for(index.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        int64_t r = j % iv.inner, o = j / (iv.n * iv.inner);
        po[j] = px[(o * xv.n + idx[j]) * xv.inner + r];
      }
    });
  });
}

void CpuBackend::scatter_add(Tensor& out, int64_t axis, const Tensor& index, const Tensor& source) {
  AxisView ov = axis_view(out.shape(), axis), iv = axis_view(index.shape(), axis);
  const int64_t* idx = index.data<int64_t>();
  dispatch(out.dtype(), [&]<typename T>(T) {
    const T* ps = source.data<T>();
    T* po = out.data<T>();
    parallel_for(iv.outer * iv.inner, grain_for(iv.n), [&](int64_t begin, int64_t end) {
      for (int64_t j = begin; j < end; ++j) {
        int64_t o = j / iv.inner, r = j % iv.inner;
        for (int64_t i = 0; i < iv.n; ++i) {
          int64_t at = (o * iv.n + i) * iv.inner + r;
          po[(o * ov.n + idx[at]) * ov.inner + r] += ps[at];
        }
      }
    });
  });
}

}  // namespace candor::cpu
