// candor's exception hierarchy. Every user-facing failure throws one of these, with a message
// that names the operation, the values involved and, where useful, a hint.
#pragma once

#include <stdexcept>
#include <string>

namespace candor {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Shapes that do not fit an operation: mismatched matmul dimensions, non-broadcastable operands.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A dtype an operation does not accept: integer tensors that require grad, float indices.
class DTypeError : public Error {
 public:
  using Error::Error;
};

// An index or axis outside its range.
class IndexError : public Error {
 public:
  using Error::Error;
};

// A value outside what an operation accepts: a negative probability, an empty range.
class ValueError : public Error {
 public:
  using Error::Error;
};

// Misuse of the autograd graph: backward on a non-scalar, through a freed graph, and so on.
class AutogradError : public Error {
 public:
  using Error::Error;
};

}  // namespace candor
