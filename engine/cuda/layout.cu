// Layout kernels: permute, strided slices, and index-driven copies (select, gather, and their
// accumulating inverses), on [outer, n, inner] views around one axis as in
// engine/cpu/layout.cpp. Copies run one thread per element. The accumulating kernels (index_add,
// scatter_add) run one thread per column (o, r): that thread adds its column's sources in
// increasing i, exactly the CPU's order, and two columns never write the same element, so there
// are no atomics and the results equal the CPU's bit for bit. Their parallelism is outer * inner
// (768 threads for an embedding's backward over a width of 768), each looping over all of the
// index: O(count) per thread. Sorting the index (a stable radix sort, then one thread per output
// element summing its segment) would use the GPU better; not done yet.
#include "engine/cuda/cuda_backend.h"
#include "engine/cuda/index.h"
#include "engine/cuda/launch.h"

namespace candor::cuda {

namespace {

// Position (o, i, r) of flat index j in an [outer, count, inner] layout.
struct RowPos {
  int64_t o, i, r;
};
__device__ RowPos split(int64_t j, int64_t count, int64_t inner) {
  return {j / (count * inner), (j / inner) % count, j % inner};
}

template <typename T>
__global__ void permute_kernel(const T* x, StridedIndex ix, T* out, int64_t n) {
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < n;
       j += int64_t{gridDim.x} * blockDim.x) {
    out[j] = x[ix.offset(j)];
  }
}

// One row of `inner` elements between two [outer, *, inner] layouts, for o < outer, i < count:
// dst[o, dst_start + i * dst_step, :] = src[o, src_start + i * src_step, :].
struct RowCopy {
  int64_t outer, count, inner;
  int64_t src_n, src_start, src_step;
  int64_t dst_n, dst_start, dst_step;
};

template <typename T>
__global__ void copy_rows_kernel(const T* src, T* dst, RowCopy c) {
  const int64_t total = c.outer * c.count * c.inner;
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < total;
       j += int64_t{gridDim.x} * blockDim.x) {
    const RowPos p = split(j, c.count, c.inner);
    dst[(p.o * c.dst_n + c.dst_start + p.i * c.dst_step) * c.inner + p.r] =
        src[(p.o * c.src_n + c.src_start + p.i * c.src_step) * c.inner + p.r];
  }
}

void copy_rows(const Tensor& src, Tensor& dst, const RowCopy& c) {
  const int64_t total = c.outer * c.count * c.inner;
  if (total == 0) return;
  dispatch(src.dtype(), [&](auto tag) {
    using T = decltype(tag);
    copy_rows_kernel<T><<<blocks_for(total), kThreads>>>(device_ptr<T>(src), device_ptr<T>(dst), c);
    check_launch("copy_rows_kernel");
  });
}

// out [outer, count, inner] = x [outer, n, inner] at rows index[i].
template <typename T>
__global__ void index_select_kernel(const T* x, AxisView xv, const int64_t* index, int64_t count,
                                    T* out) {
  const int64_t total = xv.outer * count * xv.inner;
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < total;
       j += int64_t{gridDim.x} * blockDim.x) {
    const RowPos p = split(j, count, xv.inner);
    out[j] = x[(p.o * xv.n + index[p.i]) * xv.inner + p.r];
  }
}

// out [outer, n, inner] at rows index[i] += source [outer, count, inner]: thread (o, r) walks i.
template <typename T>
__global__ void index_add_kernel(T* out, AxisView ov, const int64_t* index, int64_t count,
                                 const T* source) {
  const int64_t columns = ov.outer * ov.inner;
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < columns;
       j += int64_t{gridDim.x} * blockDim.x) {
    const int64_t o = j / ov.inner, r = j % ov.inner;
    for (int64_t i = 0; i < count; ++i) {
      out[(o * ov.n + index[i]) * ov.inner + r] += source[(o * count + i) * ov.inner + r];
    }
  }
}

// out[o, i, r] = x[o, index[o, i, r], r]; index and out are [outer, iv.n, inner].
template <typename T>
__global__ void gather_kernel(const T* x, AxisView xv, const int64_t* index, AxisView iv,
                              T* out) {
  const int64_t total = iv.outer * iv.n * iv.inner;
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < total;
       j += int64_t{gridDim.x} * blockDim.x) {
    const RowPos p = split(j, iv.n, iv.inner);
    out[j] = x[(p.o * xv.n + index[j]) * xv.inner + p.r];
  }
}

// out[o, index[o, i, r], r] += source[o, i, r]: thread (o, r) walks i.
template <typename T>
__global__ void scatter_add_kernel(T* out, AxisView ov, const int64_t* index, AxisView iv,
                                   const T* source) {
  const int64_t columns = iv.outer * iv.inner;
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < columns;
       j += int64_t{gridDim.x} * blockDim.x) {
    const int64_t o = j / iv.inner, r = j % iv.inner;
    for (int64_t i = 0; i < iv.n; ++i) {
      const int64_t at = (o * iv.n + i) * iv.inner + r;
      out[(o * ov.n + index[at]) * ov.inner + r] += source[at];
    }
  }
}

}  // namespace

void CudaBackend::permute(const Tensor& x, const std::vector<int64_t>& axes, Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  StridedIndex ix = permute_index(x.shape(), axes, "permute");
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    permute_kernel<T><<<blocks_for(n), kThreads>>>(device_ptr<T>(x), ix, device_ptr<T>(out), n);
    check_launch("permute_kernel");
  });
}

void CudaBackend::read_slice(const Tensor& x, int64_t axis, int64_t start, int64_t step,
                             Tensor& out) {
  const AxisView xv = axis_view(x.shape(), axis), ov = axis_view(out.shape(), axis);
  copy_rows(x, out, {ov.outer, ov.n, ov.inner, xv.n, start, step, ov.n, 0, 1});
}

void CudaBackend::write_slice(const Tensor& x, int64_t axis, int64_t start, int64_t step,
                              Tensor& out) {
  const AxisView xv = axis_view(x.shape(), axis), ov = axis_view(out.shape(), axis);
  copy_rows(x, out, {xv.outer, xv.n, xv.inner, xv.n, 0, 1, ov.n, start, step});
}

void CudaBackend::index_select(const Tensor& x, int64_t axis, const Tensor& index, Tensor& out) {
  const AxisView xv = axis_view(x.shape(), axis);
  const int64_t count = index.numel(), total = out.numel();
  if (total == 0) return;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    index_select_kernel<T><<<blocks_for(total), kThreads>>>(
        device_ptr<T>(x), xv, device_ptr<int64_t>(index), count, device_ptr<T>(out));
    check_launch("index_select_kernel");
  });
}

void CudaBackend::index_add(Tensor& out, int64_t axis, const Tensor& index, const Tensor& source) {
  const AxisView ov = axis_view(out.shape(), axis);
  const int64_t count = index.numel(), columns = ov.outer * ov.inner;
  if (count == 0 || columns == 0) return;
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    index_add_kernel<T><<<blocks_for(columns), kThreads>>>(
        device_ptr<T>(out), ov, device_ptr<int64_t>(index), count, device_ptr<T>(source));
    check_launch("index_add_kernel");
  });
}

// gather/scatter_add: index has x's shape except along `axis` (checked by the ops).
void CudaBackend::gather(const Tensor& x, int64_t axis, const Tensor& index, Tensor& out) {
  const AxisView xv = axis_view(x.shape(), axis), iv = axis_view(index.shape(), axis);
  const int64_t total = index.numel();
  if (total == 0) return;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    gather_kernel<T><<<blocks_for(total), kThreads>>>(device_ptr<T>(x), xv,
                                                      device_ptr<int64_t>(index), iv,
                                                      device_ptr<T>(out));
    check_launch("gather_kernel");
  });
}

void CudaBackend::scatter_add(Tensor& out, int64_t axis, const Tensor& index,
                              const Tensor& source) {
  const AxisView ov = axis_view(out.shape(), axis), iv = axis_view(index.shape(), axis);
  const int64_t columns = iv.outer * iv.inner;
  if (index.numel() == 0) return;
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    scatter_add_kernel<T><<<blocks_for(columns), kThreads>>>(
        device_ptr<T>(out), ov, device_ptr<int64_t>(index), iv, device_ptr<T>(source));
    check_launch("scatter_add_kernel");
  });
}

}  // namespace candor::cuda
