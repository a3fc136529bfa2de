#include "datasets/csv.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include <fmt/format.h>

#include "datasets/errors.h"

namespace candor::datasets {

namespace {

struct Field {
  std::string text;
  bool quoted = false;
  size_t column = 0;  // 1-based column where the field starts
};

struct Record {
  std::vector<Field> fields;
  size_t line = 0;        // line where the record starts
  size_t end_column = 0;  // column of the line end that closed the record
};

// Walks the text one record at a time, keeping the line and column of the cursor (1-based,
// columns in bytes) so that every error can point at its place.
class Reader {
 public:
  Reader(std::string_view text, const CsvOptions& options, const std::string& source)
      : text_(text), options_(options), source_(source) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte-order mark
    for (size_t i = 0; i < options.skip_lines && !at_end(); ++i) skip_line();
  }

  // Reads the next non-blank record; false at the end of the text.
  bool next(Record& record) {
    while (!at_end() && is_blank_line()) skip_line();
    if (at_end()) return false;
    record.fields.clear();
    record.line = line_;
    while (true) {
      record.fields.push_back(read_field());
      if (!at_end() && peek() == options_.delimiter) {
        advance();
        continue;
      }
      record.end_column = column_;
      if (!at_end()) end_line();
      return true;
    }
  }

  [[noreturn]] void fail(size_t line, size_t column, const std::string& what) const {
    throw DataError(fmt::format("{}:{}:{}: {}", source_, line, column, what));
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  bool is_newline(char c) const { return c == '\n' || c == '\r'; }
  // Spaces and tabs are trimmed, except a delimiter that is itself a space or a tab.
  bool is_space(char c) const {
    return options_.trim && (c == ' ' || c == '\t') && c != options_.delimiter;
  }
  void advance() {
    ++pos_;
    ++column_;
  }
  // Consumes one line ending (LF, CRLF or CR) at the cursor.
  void end_line() {
    if (peek() == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
    column_ = 1;
  }
  void skip_line() {
    while (!at_end() && !is_newline(peek())) advance();
    if (!at_end()) end_line();
  }
  bool is_blank_line() const {
    size_t p = pos_;
    while (p < text_.size() && is_space(text_[p])) ++p;
    return p >= text_.size() || is_newline(text_[p]);
  }

  Field read_field() {
    Field field;
    field.column = column_;
    while (!at_end() && is_space(peek())) advance();
    if (!at_end() && peek() == '"') {
      read_quoted(field);
      return field;
    }
    size_t start = pos_;
    while (!at_end() && peek() != options_.delimiter && !is_newline(peek())) advance();
    size_t end = pos_;
    while (end > start && is_space(text_[end - 1])) --end;
    field.text.assign(text_.substr(start, end - start));
    return field;
  }

  void read_quoted(Field& field) {
    field.quoted = true;
    size_t open_line = line_, open_column = column_;
    advance();  // the opening quote
    while (true) {
      if (at_end()) {
        fail(open_line, open_column,
             "unterminated quoted field (the quote opened here is never closed)");
      }
      char c = peek();
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {  // "" stands for "
          field.text += '"';
          advance();
          advance();
          continue;
        }
        advance();  // the closing quote
        break;
      }
      if (is_newline(c)) {  // a line break inside quotes belongs to the field
        size_t from = pos_;
        end_line();
        field.text.append(text_.substr(from, pos_ - from));
        continue;
      }
      field.text += c;
      advance();
    }
    while (!at_end() && is_space(peek())) advance();
    if (!at_end() && peek() != options_.delimiter && !is_newline(peek())) {
      fail(line_, column_,
           fmt::format("unexpected character '{}' after a closing quote (a quoted "
                       "field must be followed by the delimiter or a line end)",
                       peek()));
    }
  }

  std::string_view text_;
  const CsvOptions& options_;
  const std::string& source_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t column_ = 1;
};

// Repeated names get ".1", ".2", ... as pandas does; empty names become "Unnamed: i".
std::vector<std::string> unique_names(const std::vector<std::string>& raw) {
  std::set<std::string> taken(raw.begin(), raw.end());
  std::set<std::string> used;
  std::vector<std::string> names;
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string name = raw[i].empty() ? fmt::format("Unnamed: {}", i) : raw[i];
    if (used.count(name) > 0) {
      std::string base = name;
      size_t k = 1;
      do name = fmt::format("{}.{}", base, k++);
      while (used.count(name) > 0 || taken.count(name) > 0);
    }
    used.insert(name);
    names.push_back(name);
  }
  return names;
}

}  // namespace

size_t RawTable::rows() const { return cells.empty() ? 0 : cells[0].size(); }

size_t RawTable::column_index(const std::string& name) const {
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) throw unknown_column(name, names, source);
  return static_cast<size_t>(it - names.begin());
}

bool RawTable::has_column(const std::string& name) const {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string RawTable::where(size_t row) const {
  return row < lines.size() ? fmt::format("{}:{}", source, lines[row])
                            : fmt::format("{}: row {}", source, row);
}

namespace {

// When the first line holds ';' or a tab but not the delimiter, the file is most likely separated
// by that character (European CSV exports use ';'): a hint to add to the error the wrong
// delimiter caused.
std::string delimiter_hint(std::string_view text, char delimiter) {
  std::string_view first = text.substr(0, text.find_first_of("\r\n"));
  if (first.find(delimiter) != std::string_view::npos) return "";
  for (char candidate : {';', '\t', '|'}) {
    if (first.find(candidate) != std::string_view::npos) {
      std::string shown = candidate == '\t' ? "\\t" : std::string(1, candidate);
      return fmt::format(" (the first line holds '{}' but no '{}': is the delimiter '{}'? try --delimiter '{}')",
                         shown, delimiter, shown, shown);
    }
  }
  return "";
}

RawTable parse(std::string_view text, const CsvOptions& options, const std::string& source);

}  // namespace

void check_utf8(std::string_view text, const std::string& source) {
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n') line += 1, line_start = i + 1;
    if (byte < 0x80) {
      ++i;
      continue;
    }
    // The sequence's length from its lead byte, and the least code point it may encode (no overlong forms).
    const size_t length = byte >= 0xC2 && byte <= 0xDF ? 2 : byte >= 0xE0 && byte <= 0xEF ? 3 : byte >= 0xF0 && byte <= 0xF4 ? 4 : 0;
    bool valid = length > 0 && i + length <= text.size();
    uint32_t code = length == 2 ? byte & 0x1F : length == 3 ? byte & 0x0F : byte & 0x07;
    for (size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    valid = valid && (length != 3 || (code >= 0x800 && (code < 0xD800 || code > 0xDFFF))) &&
            (length != 4 || (code >= 0x10000 && code <= 0x10FFFF));
    if (!valid) {
      throw DataError(fmt::format("{}:{}:{}: invalid UTF-8 (byte 0x{:02X}): save the file as UTF-8 (it may be Latin-1 "
                                  "or Windows-1252)",
                                  source, line, i - line_start + 1, byte));
    }
    i += length;
  }
}

RawTable parse_csv(std::string_view text, const CsvOptions& options, const std::string& source) {
  check_utf8(text, source);
  if (options.delimiter == '"' || options.delimiter == '\n' || options.delimiter == '\r') {
    throw DataError(fmt::format("{}: the delimiter cannot be a quote or a line break", source));
  }
  const std::string hint = options.header ? delimiter_hint(text, options.delimiter) : "";
  RawTable table;
  try {
    table = parse(text, options, source);
  } catch (const DataError& e) {
    if (hint.empty()) throw;
    throw DataError(e.what() + hint);
  }
  if (!hint.empty() && table.columns() == 1) {
    throw DataError(fmt::format("{}: the header has a single column \"{}\"{}", source, table.names[0], hint));
  }
  return table;
}

namespace {

RawTable parse(std::string_view text, const CsvOptions& options, const std::string& source) {
  Reader reader(text, options, source);
  RawTable table;
  table.source = source;
  Record record;
  if (options.header) {
    if (!reader.next(record)) {
      throw DataError(
          fmt::format("{}: empty file (expected a header line with column names)", source));
    }
    std::vector<std::string> raw;
    for (const Field& f : record.fields) raw.push_back(f.text);
    table.names = unique_names(raw);
  } else if (!options.column_names.empty()) {
    table.names = unique_names(options.column_names);
  }
  bool have_names = options.header || !options.column_names.empty();
  table.cells.resize(table.names.size());
  table.missing.resize(table.names.size());
  std::set<std::string> missing_tokens(options.missing_tokens.begin(),
                                       options.missing_tokens.end());

  while (reader.next(record)) {
    if (!have_names) {  // no header and no names: "0", "1", ... from the first record
      for (size_t i = 0; i < record.fields.size(); ++i) table.names.push_back(std::to_string(i));
      table.cells.resize(table.names.size());
      table.missing.resize(table.names.size());
      have_names = true;
    }
    size_t expected = table.names.size(), found = record.fields.size();
    if (found != expected) {
      size_t column = found > expected ? record.fields[expected].column : record.end_column;
      reader.fail(record.line, column,
                  fmt::format("expected {} fields, found {}", expected, found));
    }
    for (size_t c = 0; c < expected; ++c) {
      table.missing[c].push_back(missing_tokens.count(record.fields[c].text) > 0);
      table.cells[c].push_back(std::move(record.fields[c].text));
    }
    table.lines.push_back(record.line);
  }
  return table;
}

}  // namespace

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw DataError(fmt::format("cannot read \"{}\": it is a directory", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(fmt::format("cannot read \"{}\": {}", path, std::strerror(errno)));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError(fmt::format("cannot read \"{}\": read error", path));
  return text;
}

RawTable read_csv(const std::string& path, const CsvOptions& options) {
  return parse_csv(read_text_file(path), options, path);
}

}  // namespace candor::datasets
