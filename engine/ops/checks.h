// Input checks shared by the ops: each throws a candor::Error naming the op and the values.
#pragma once

#include <initializer_list>
#include <utility>

#include "engine/tensor.h"

namespace candor {

void check_defined(const Tensor& t, const char* op, const char* what = "input");
void check_floating(const Tensor& t, const char* op);
void check_int64(const Tensor& t, const char* op, const char* what = "index");
// The defined tensors of `ts` on one device, else "mul: tensors on different devices (cpu and
// cuda)". Every op taking two or more tensors calls it (promote_pair does), as PyTorch refuses to
// mix devices implicitly: a copy between devices is always a visible .to(device).
void check_same_device(std::initializer_list<Tensor> ts, const char* op);
// Checks both operands are on one device and converts them to their common dtype
// (int64 < float32 < float64).
std::pair<Tensor, Tensor> promote_pair(const Tensor& a, const Tensor& b, const char* op);

}  // namespace candor
