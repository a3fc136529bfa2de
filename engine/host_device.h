// CANDOR_HOST_DEVICE marks a function callable from both host and device code when nvcc compiles
// the file (__host__ __device__), and is empty for g++: the one macro that lets the CPU and the
// CUDA backend share code (Philox numbers, index arithmetic).
#pragma once

#ifdef __CUDACC__
#define CANDOR_HOST_DEVICE __host__ __device__
#else
#define CANDOR_HOST_DEVICE
#endif
