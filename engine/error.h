// candor's exception hierarchy. Every user-facing failure throws one of these, with a message
// that names the operation, the values involved and, where useful, a hint.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

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

// A device problem: tensors on different devices in one op, CUDA absent or out of memory.
class DeviceError : public Error {
 public:
  using Error::Error;
};

// Messages are one line and stay short whatever a user feeds in. quote_value puts a user's value
// in one: quote_value("a\nb") is "\"a\\nb\"" (control bytes escaped), and a value longer than
// `limit` keeps its first `limit` bytes and "..." with its length, so a 5 MB field is not echoed.
std::string quote_value(std::string_view value, std::size_t limit = 40);
// A message made one line: line breaks and other control bytes escaped, at most `limit` bytes.
std::string one_line(std::string_view message, std::size_t limit = 1000);

}  // namespace candor
