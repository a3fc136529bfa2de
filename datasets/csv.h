// A CSV reader (RFC 4180) that turns text into a column-major table of strings.
//
// - Fields may be quoted with '"': a quoted field may hold the delimiter, newlines, and doubled
//   quotes ("" stands for "). A quote inside an unquoted field is kept as an ordinary character.
// - Lines end in LF, CRLF or a lone CR. Blank lines are skipped anywhere (files often end with
// one).
// - With `trim`, spaces and tabs around unquoted fields are removed (not the delimiter itself, so
//   space-separated files work), and spaces around a quoted field are allowed.
// - A field whose (trimmed) text is one of `missing_tokens` is marked missing; quoted or not.
// - Repeated header names get suffixes as pandas does: the second "a" becomes "a.1".
// - Every error names the source, line and column: `adult.data:17:58: expected 15 fields, found
// 14`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace candor::datasets {

struct CsvOptions {
  char delimiter = ',';
  bool header = true;                     // first (non-skipped, non-blank) line holds column names
  std::vector<std::string> column_names;  // used when header == false (must match field count);
                                          // if empty too, columns are named "0", "1", ...
  bool trim = true;                       // trim spaces/tabs around unquoted fields
  std::vector<std::string> missing_tokens = {"", "?", "NA"};
  size_t skip_lines = 0;  // physical lines skipped before anything (adult.test's first line)
};

// Column-major strings. A missing cell keeps its original text in `cells`; `missing` says which.
struct RawTable {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> cells;  // cells[col][row]
  std::vector<std::vector<bool>> missing;       // missing[col][row]
  std::string source;                           // file name (or "<string>") for error messages
  std::vector<size_t> lines;                    // lines[row]: 1-based line where the row starts

  size_t rows() const;
  size_t columns() const { return names.size(); }
  // Throws DataError `unknown column "salary" (columns: age, workclass, ...)`.
  size_t column_index(const std::string& name) const;
  bool has_column(const std::string& name) const;
  // "adult.data:17" for row `row`: where messages about a cell should point.
  std::string where(size_t row) const;
};

// DataError `file:line:column: invalid UTF-8 (byte 0xE9)...` at the first byte that is not UTF-8:
// text is stored and written back (as JSON) as UTF-8, so a Latin-1 file is refused when read.
void check_utf8(std::string_view text, const std::string& source);

// Checks the text is UTF-8 (check_utf8), then parses it.
RawTable parse_csv(std::string_view text, const CsvOptions& options,
                   const std::string& source = "<string>");
// Reads the whole file; the error for a missing or unreadable file names the path.
RawTable read_csv(const std::string& path, const CsvOptions& options);

// The whole file as bytes; DataError naming the path if it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace candor::datasets
