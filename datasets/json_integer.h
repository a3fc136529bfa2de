// Integers read from JSON without nlohmann's silent conversions: its get<int>() casts a float
// (undefined behaviour when the value does not fit: a seed of 1e20) and wraps an integer that does
// not fit. These take only an integer JSON number within T's range and otherwise throw nlohmann's
// own type_error, which every reader already turns into its error naming the file and the key.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace candor::datasets {

template <typename T>
T json_integer(const nlohmann::json& j) {
  if (j.is_number_unsigned() && std::in_range<T>(j.get<uint64_t>())) return static_cast<T>(j.get<uint64_t>());
  if (j.is_number_integer() && !j.is_number_unsigned() && std::in_range<T>(j.get<int64_t>())) {
    return static_cast<T>(j.get<int64_t>());
  }
  throw nlohmann::json::type_error::create(
      302,
      "expected an integer from " + std::to_string(std::numeric_limits<T>::min()) + " to " +
          std::to_string(std::numeric_limits<T>::max()) + ", got " + (j.is_number() ? j.dump() : j.type_name()),
      &j);
}

template <typename T>
std::vector<T> json_integers(const nlohmann::json& j) {
  if (!j.is_array()) {
    throw nlohmann::json::type_error::create(302, std::string("expected an array of integers, got ") + j.type_name(), &j);
  }
  std::vector<T> out;
  for (const nlohmann::json& v : j) out.push_back(json_integer<T>(v));
  return out;
}

}  // namespace candor::datasets
