// Quoting one field for CSV output (RFC 4180): quoted when it holds a comma, quote or line break.
#pragma once

#include <string>

namespace candor::cli {

inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace candor::cli
