// Finite-difference gradient checks, in float64, used by every op test.
//
// gradcheck(f, inputs) compares the analytic gradient of sum(f(inputs) * w) (w a fixed random
// weighting, so every output element matters) with central differences
//   (L(x + h e_i) - L(x - h e_i)) / 2h
// for every element i of every input, and fails the doctest case with a report naming the op,
// the input, the element and both values. gradgradcheck does the same for the gradient itself:
// it checks d/dx of sum(grad(L, x) * v) against finite differences of grad(L, x).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace candor::testing {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

struct Tolerance {
  double eps = 1e-6;   // finite-difference step
  double atol = 1e-6;
  double rtol = 1e-4;
};

// Returns true when every element matches; on mismatch, reports through doctest (FAIL_CHECK)
// with `name` and the first mismatching elements.
bool gradcheck(const std::string& name, const Fn& f, std::vector<Tensor> inputs, Tolerance tol = {});
bool gradgradcheck(const std::string& name, const Fn& f, std::vector<Tensor> inputs, Tolerance tol = {});

// Elementwise comparison of two tensors with a report naming `what` and the first mismatches.
bool all_close(const std::string& what, const Tensor& actual, const Tensor& expected,
               double atol = 1e-6, double rtol = 1e-5);

// A float64 tensor of the given shape with values in [low, high), from a fixed seed.
Tensor random_input(const Shape& shape, uint64_t seed, double low = -1.0, double high = 1.0);

}  // namespace candor::testing
