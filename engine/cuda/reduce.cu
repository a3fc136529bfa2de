// Reductions along one axis, on the [outer, n, inner] view of the input, deterministic: each
// output is combined in an order fixed by the shape alone, without atomics. Two kernels:
// - one block per output (a block-stride loop over outputs): thread t combines k = t, t + 256, ...
//   in order, then the 256 partial results meet in a fixed shared-memory tree; used when the axis
//   is contiguous and longer than a warp, or when there are too few outputs to fill the GPU. A
//   long axis with very few outputs is cut into fixed chunks of kChunk: one block per (output,
//   chunk) writes a partial result, and a second pass combines each output's partials in chunk
//   order (the CPU cuts one long sum the same way, into blocks of 2^16);
// - one thread per output, combining k = 0, 1, ... in order (the CPU's order for a middle axis);
//   used for many outputs, where neighbouring threads read neighbouring elements.
// float32 sums accumulate in double and are rounded once, as on the CPU; the result equals the
// CPU's to rounding (its lanes are grouped differently), max/min/argmax exactly. arg_reduce uses
// the same two layouts without chunks (one block for one long axis: correct, not fast).
#include <limits>
#include <type_traits>

#include "engine/cuda/cuda_backend.h"
#include "engine/cuda/launch.h"

namespace candor::cuda {

namespace {

// Outputs from which one thread per output fills the GPU well enough.
constexpr int64_t kManyOutputs = 16384;
// Below this many outputs (about the blocks an H200 runs at once), an axis longer than kChunk is
// reduced in chunks of kChunk by separate blocks.
constexpr int64_t kFewOutputs = 1024;
constexpr int64_t kChunk = 1 << 16;

template <typename T>
__device__ bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return isnan(v);
  } else {
    return false;
  }
}

// Max and min propagate NaN, as the CPU's combine.
template <typename Acc>
__device__ Acc combine(ReduceOp op, Acc a, Acc b) {
  switch (op) {
    case ReduceOp::Sum: return a + b;
    case ReduceOp::Max: return (a >= b || is_nan(a)) ? a : b;
    case ReduceOp::Min: return (a <= b || is_nan(a)) ? a : b;
  }
  return a;
}

template <typename Acc>
Acc identity(ReduceOp op) {
  if (op == ReduceOp::Sum) return Acc(0);
  if constexpr (std::numeric_limits<Acc>::has_infinity) {
    return op == ReduceOp::Max ? -std::numeric_limits<Acc>::infinity()
                               : std::numeric_limits<Acc>::infinity();
  } else {
    return op == ReduceOp::Max ? std::numeric_limits<Acc>::lowest()
                               : std::numeric_limits<Acc>::max();
  }
}

bool block_per_output(const AxisView& v) {
  return v.inner == 1 ? v.n > 32 : v.outer * v.inner < kManyOutputs;
}

// out[j * chunks + c] = op over k in [c * chunk, min(n, (c + 1) * chunk)) of x[o, k, i], for
// each output j = (o, i) and chunk c; with one chunk of n, out[j] is the whole reduction.
template <typename In, typename Acc, typename Out>
__global__ void reduce_block_kernel(ReduceOp op, const In* x, AxisView v, int64_t chunk,
                                    int64_t chunks, Acc init, Out* out) {
  __shared__ Acc partial[kThreads];
  const int64_t blocks = v.outer * v.inner * chunks;
  for (int64_t b = blockIdx.x; b < blocks; b += gridDim.x) {
    const int64_t j = b / chunks, begin = (b % chunks) * chunk;
    const int64_t end = begin + chunk < v.n ? begin + chunk : v.n;
    const In* base = x + (j / v.inner) * v.n * v.inner + j % v.inner;
    Acc acc = init;
    for (int64_t k = begin + threadIdx.x; k < end; k += blockDim.x) {
      acc = combine(op, acc, static_cast<Acc>(base[k * v.inner]));
    }
    partial[threadIdx.x] = acc;
    __syncthreads();
    for (unsigned width = blockDim.x / 2; width > 0; width /= 2) {
      if (threadIdx.x < width) {
        partial[threadIdx.x] = combine(op, partial[threadIdx.x], partial[threadIdx.x + width]);
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) out[b] = static_cast<Out>(partial[0]);
    __syncthreads();  // partial[0] is read before the next output overwrites it
  }
}

template <typename In, typename Acc, typename Out>
void launch_block(ReduceOp op, const In* x, const AxisView& v, int64_t chunk, int64_t chunks,
                  Out* out) {
  const int64_t blocks = v.outer * v.inner * chunks;
  reduce_block_kernel<In, Acc, Out><<<static_cast<unsigned>(blocks < 65535 ? blocks : 65535),
                                      kThreads>>>(op, x, v, chunk, chunks, identity<Acc>(op), out);
  check_launch("reduce_block_kernel");
}

template <typename T, typename Acc>
__global__ void reduce_thread_kernel(ReduceOp op, const T* x, AxisView v, Acc init, T* out) {
  const int64_t outputs = v.outer * v.inner;
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < outputs;
       j += int64_t{gridDim.x} * blockDim.x) {
    const T* base = x + (j / v.inner) * v.n * v.inner + j % v.inner;
    Acc acc = init;
    for (int64_t k = 0; k < v.n; ++k) acc = combine(op, acc, static_cast<Acc>(base[k * v.inner]));
    out[j] = static_cast<T>(acc);
  }
}

template <typename T, typename Acc>
void reduce_typed(ReduceOp op, const Tensor& x, const AxisView& v, Tensor& out) {
  const int64_t outputs = v.outer * v.inner;
  if (!block_per_output(v)) {
    reduce_thread_kernel<T, Acc><<<blocks_for(outputs), kThreads>>>(
        op, device_ptr<T>(x), v, identity<Acc>(op), device_ptr<T>(out));
    check_launch("reduce_thread_kernel");
  } else if (v.n > kChunk && outputs < kFewOutputs) {
    const int64_t chunks = (v.n + kChunk - 1) / kChunk;
    // Freed on return, before the kernels run: safe, as all work queues on one stream.
    Tensor partial = Tensor::empty({outputs, chunks}, dtype_of<Acc>(), Device::CUDA);
    launch_block<T, Acc, Acc>(op, device_ptr<T>(x), v, kChunk, chunks, device_ptr<Acc>(partial));
    launch_block<Acc, Acc, T>(op, device_ptr<Acc>(partial), AxisView{outputs, chunks, 1}, chunks,
                              1, device_ptr<T>(out));
  } else {
    launch_block<T, Acc, T>(op, device_ptr<T>(x), v, v.n, 1, device_ptr<T>(out));
  }
}

// Whether (a, ia) wins over (b, ib) in argmax (max) or argmin: an index of -1 is "nothing yet";
// NaN wins over numbers, as in NumPy and PyTorch; then the larger (smaller) value; then the lower
// index. A total order, so any grouping finds the CPU's answer: the first NaN, else the first
// extreme.
template <typename T>
__device__ bool beats(bool max, T a, int64_t ia, T b, int64_t ib) {
  if (ia < 0) return false;
  if (ib < 0) return true;
  const bool a_nan = is_nan(a), b_nan = is_nan(b);
  if (a_nan || b_nan) return a_nan && (!b_nan || ia < ib);
  if (a != b) return max ? a > b : a < b;
  return ia < ib;
}

template <typename T>
__global__ void arg_block_kernel(bool max, const T* x, AxisView v, int64_t* out) {
  __shared__ T best_value[kThreads];
  __shared__ int64_t best_index[kThreads];
  const int64_t outputs = v.outer * v.inner;
  for (int64_t j = blockIdx.x; j < outputs; j += gridDim.x) {
    const T* base = x + (j / v.inner) * v.n * v.inner + j % v.inner;
    T value = T(0);
    int64_t index = -1;
    for (int64_t k = threadIdx.x; k < v.n; k += blockDim.x) {
      const T candidate = base[k * v.inner];
      if (beats(max, candidate, k, value, index)) {
        value = candidate;
        index = k;
      }
    }
    best_value[threadIdx.x] = value;
    best_index[threadIdx.x] = index;
    __syncthreads();
    for (unsigned width = blockDim.x / 2; width > 0; width /= 2) {
      const unsigned other = threadIdx.x + width;
      if (threadIdx.x < width && beats(max, best_value[other], best_index[other],
                                       best_value[threadIdx.x], best_index[threadIdx.x])) {
        best_value[threadIdx.x] = best_value[other];
        best_index[threadIdx.x] = best_index[other];
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) out[j] = best_index[0];
    __syncthreads();  // best_index[0] is read before the next output overwrites it
  }
}

template <typename T>
__global__ void arg_thread_kernel(bool max, const T* x, AxisView v, int64_t* out) {
  const int64_t outputs = v.outer * v.inner;
  for (int64_t j = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; j < outputs;
       j += int64_t{gridDim.x} * blockDim.x) {
    const T* base = x + (j / v.inner) * v.n * v.inner + j % v.inner;
    T value = T(0);
    int64_t index = -1;
    for (int64_t k = 0; k < v.n; ++k) {
      const T candidate = base[k * v.inner];
      if (beats(max, candidate, k, value, index)) {
        value = candidate;
        index = k;
      }
    }
    out[j] = index;
  }
}

}  // namespace

void CudaBackend::reduce(ReduceOp op, const Tensor& x, int64_t axis, Tensor& out) {
  const AxisView v = axis_view(x.shape(), axis);
  if (v.outer * v.inner == 0) return;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float>) {
      if (op == ReduceOp::Sum) return reduce_typed<float, double>(op, x, v, out);
    }
    reduce_typed<T, T>(op, x, v, out);
  });
}

void CudaBackend::arg_reduce(bool max, const Tensor& x, int64_t axis, Tensor& out) {
  const AxisView v = axis_view(x.shape(), axis);
  const int64_t outputs = v.outer * v.inner;
  if (outputs == 0) return;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (block_per_output(v)) {
      arg_block_kernel<T><<<static_cast<unsigned>(outputs < 65535 ? outputs : 65535), kThreads>>>(
          max, device_ptr<T>(x), v, device_ptr<int64_t>(out));
      check_launch("arg_block_kernel");
    } else {
      arg_thread_kernel<T><<<blocks_for(outputs), kThreads>>>(max, device_ptr<T>(x), v,
                                                              device_ptr<int64_t>(out));
      check_launch("arg_thread_kernel");
    }
  });
}

}  // namespace candor::cuda
