// Reductions across one thread block by a fixed tree, for the row kernels (nn.cu, attention.cu):
// thread t first combines elements t, t + kThreads, ... of its row in order, then the block halves
// its partials in the same pairs every time. The result depends on the data and kThreads only:
// no atomics, bitwise identical from run to run. Included by .cu files only; launch with
// kThreads (a power of two) threads per block.
#pragma once

#include "engine/cuda/launch.h"

namespace candor::cuda {

// Every thread of the block gets the combination of all threads' v. `scratch` is kThreads
// entries of shared memory; combine(x, y) must be what the caller's loop used.
template <typename A, typename Combine>
__device__ A block_reduce(A v, A* scratch, Combine combine) {
  scratch[threadIdx.x] = v;
  __syncthreads();
  for (unsigned half = kThreads / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) {
      scratch[threadIdx.x] = combine(scratch[threadIdx.x], scratch[threadIdx.x + half]);
    }
    __syncthreads();
  }
  const A total = scratch[0];
  __syncthreads();  // the next call may overwrite scratch
  return total;
}

struct Add {
  template <typename A>
  __device__ A operator()(A x, A y) const { return x + y; }
};
// The larger of two values; a NaN wins over a number only when it is the first operand, as
// std::max (a NaN in a row makes its softmax NaN either way, through the sum).
struct Max {
  template <typename A>
  __device__ A operator()(A x, A y) const { return x < y ? y : x; }
};

// Rows handled by a launch of row_blocks(rows) blocks, each taking rows blockIdx.x,
// blockIdx.x + gridDim.x, ... (grids stay within 65535 blocks).
inline unsigned row_blocks(int64_t rows) {
  return static_cast<unsigned>(rows < 65535 ? rows : 65535);
}

}  // namespace candor::cuda
