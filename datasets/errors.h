// The error datasets/ throws for bad input: malformed CSV, unknown columns, values a schema or an
// encoder cannot take. Messages name the file, line and column where there is one
// (`adult.data:17:58: expected 15 fields, found 14`).
#pragma once

#include <string>
#include <vector>

#include "engine/error.h"

namespace candor::datasets {

class DataError : public candor::Error {
 public:
  using candor::Error::Error;
};

// "a, b, c": names joined for messages; lists longer than `limit` end in ", ... (N in all)".
std::string join_names(const std::vector<std::string>& names, size_t limit = 40);

// `unknown column "salary" (columns: age, workclass, ...)`, with `context` in front if given.
DataError unknown_column(const std::string& name, const std::vector<std::string>& columns,
                         const std::string& context = "");

}  // namespace candor::datasets
