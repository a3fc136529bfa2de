// Sizes a user can ask for that do not fit: element counts and byte sizes past int64 are a
// ShapeError, not a wrapped-around number; and the helpers that keep error messages one short line.
#include <cstdint>
#include <string>

#include <doctest/doctest.h>

#include "engine/engine.h"
#include "tests/support/checks.h"

using namespace candor;
using candor::testing::check_throws;

TEST_CASE("shape: numel, strides and byte sizes past int64 are a ShapeError") {
  const int64_t huge = int64_t{1} << 62;  // candor train --hidden 4611686018427387904
  check_throws<ShapeError>([&] { numel({huge, 104}); }, {"[4611686018427387904, 104]", "overflows"});
  check_throws<ShapeError>([&] { contiguous_strides({104, huge}); }, {"overflows"});
  check_throws<ShapeError>([&] { storage_bytes({huge}, 4); }, {"overflows"});
  check_throws<ShapeError>([&] { zeros({huge, 104}); }, {"overflows"});
  CHECK(numel({huge, 1}) == huge);
  CHECK(storage_bytes({3, 5}, 8) == 120);
  CHECK(numel({0, huge, huge}) == 0);
}

TEST_CASE("tensor: a tensor too large for memory is an Error naming its shape and size") {
  // 2^45 float32 elements (141 TB) fit in int64 but not in a 47-bit address space, overcommit or not.
  const std::string message = candor::testing::message_of<Error>([] { Tensor::empty({int64_t{1} << 45}, kFloat32); });
  CHECK(message.find("out of memory") != std::string::npos);
  CHECK(message.find("[35184372088832]") != std::string::npos);
  CHECK(message.find("1.41e+05 GB") != std::string::npos);
}

TEST_CASE("error messages: user values are quoted short, messages are one line") {
  CHECK(quote_value("age") == "\"age\"");
  CHECK(quote_value("a\nb\t\x01") == "\"a\\nb\\t\\x01\"");
  const std::string field(5'000'000, 'x');
  CHECK(quote_value(field) == "\"" + std::string(40, 'x') + "\"... (5000000 bytes)");
  // A cut never splits a UTF-8 sequence: "é" is two bytes.
  CHECK(quote_value("aé", 2) == "\"a\"... (3 bytes)");
  CHECK(one_line("line 1\nline 2\r\n") == "line 1\\nline 2\\r\\n");
  CHECK(one_line(std::string(2000, 'y')).size() < 1100);
}
