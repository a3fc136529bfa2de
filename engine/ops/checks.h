// Input checks shared by the ops: each throws a candor::Error naming the op and the values.
#pragma once

#include <utility>

#include "engine/tensor.h"

namespace candor {

void check_defined(const Tensor& t, const char* op, const char* what = "input");
void check_floating(const Tensor& t, const char* op);
void check_int64(const Tensor& t, const char* op, const char* what = "index");
// Converts both operands to their common dtype (int64 < float32 < float64).
std::pair<Tensor, Tensor> promote_pair(const Tensor& a, const Tensor& b, const char* op);

}  // namespace candor
