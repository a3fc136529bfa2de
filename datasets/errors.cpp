#include "datasets/errors.h"

#include <fmt/format.h>

namespace candor::datasets {

std::string join_names(const std::vector<std::string>& names, size_t limit) {
  std::string out;
  // Names come from files: a header cell can hold a line break or a megabyte of text.
  for (size_t i = 0; i < names.size() && i < limit; ++i) out += (i == 0 ? "" : ", ") + one_line(names[i], 40);
  if (names.size() > limit) out += fmt::format(", ... ({} in all)", names.size());
  return out;
}

DataError unknown_column(const std::string& name, const std::vector<std::string>& columns,
                         const std::string& context) {
  return DataError(fmt::format("{}unknown column {} (columns: {})",
                               context.empty() ? "" : context + ": ", quote_value(name), join_names(columns)));
}

}  // namespace candor::datasets
