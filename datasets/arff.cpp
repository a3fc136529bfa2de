#include "datasets/arff.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "datasets/errors.h"

namespace candor::datasets {

namespace {

struct Token {
  std::string text;
  bool quoted = false;
  size_t column = 0;  // 1-based column where the token starts
};

// One line of the file with a cursor on it; columns are 1-based bytes, as csv.cpp counts them.
struct Cursor {
  std::string_view text;
  size_t line = 0;
  const std::string& source;
  size_t pos = 0;

  bool at_end() const { return pos >= text.size(); }
  char peek() const { return text[pos]; }
  size_t column() const { return pos + 1; }
  void skip_spaces() {
    while (!at_end() && (peek() == ' ' || peek() == '\t')) ++pos;
  }
  // Throws `source:line:column: what`, `what` formatted from `format` and `args`.
  template <typename... Args>
  [[noreturn]] void fail(size_t column, fmt::format_string<Args...> format, Args&&... args) const {
    throw DataError(fmt::format("{}:{}:{}: {}", source, line, column,
                                fmt::format(format, std::forward<Args>(args)...)));
  }
};

// The next line of `text` from `pos`, without its LF, CRLF or CR; moves `pos` past the line end.
std::string_view next_line(std::string_view text, size_t& pos) {
  size_t end = std::min(text.find_first_of("\r\n", pos), text.size());
  std::string_view line = text.substr(pos, end - pos);
  bool crlf = end + 1 < text.size() && text[end] == '\r' && text[end + 1] == '\n';
  pos = std::min(end + (crlf ? 2 : 1), text.size());
  return line;
}

// A quoted token (' or ", with Weka's backslash escapes) or the trimmed text up to one of `stops`.
Token read_token(Cursor& c, std::string_view stops) {
  c.skip_spaces();
  Token token{"", false, c.column()};
  if (c.at_end() || (c.peek() != '\'' && c.peek() != '"')) {
    size_t start = c.pos;
    while (!c.at_end() && stops.find(c.peek()) == std::string_view::npos) ++c.pos;
    size_t end = c.pos;
    while (end > start && (c.text[end - 1] == ' ' || c.text[end - 1] == '\t')) --end;
    token.text.assign(c.text.substr(start, end - start));
    return token;
  }
  char quote = c.text[c.pos++];
  token.quoted = true;
  while (true) {
    if (c.at_end()) {
      c.fail(token.column, "unterminated quote (the {} opened here is never closed on this line)",
             quote);
    }
    char ch = c.text[c.pos++];
    if (ch == quote) break;
    if (ch == '\\' && !c.at_end()) {
      ch = c.text[c.pos++];
      ch = ch == 'n' ? '\n' : ch == 'r' ? '\r' : ch == 't' ? '\t' : ch;
    }
    token.text += ch;
  }
  c.skip_spaces();
  return token;
}

// Nothing but spaces or a '%' comment may follow `what` on the line.
void expect_end(Cursor& c, const std::string& what) {
  c.skip_spaces();
  if (!c.at_end() && c.peek() != '%') {
    c.fail(c.column(), "unexpected \"{}\" after {}", c.text.substr(c.pos), what);
  }
}

std::string lower(std::string text) {
  for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return text;
}

// Whether a numeric field holds a number: "1", "-2.5e3", "3.", "+4", ".5", "NaN" do.
bool is_number(std::string_view text) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return (ec == std::errc() || ec == std::errc::result_out_of_range) &&
         end == text.data() + text.size();
}

// The values of a nominal list; the cursor is on its '{'.
std::vector<std::string> read_nominal_values(Cursor& c) {
  size_t open = c.column();
  ++c.pos;
  std::vector<std::string> values;
  while (true) {
    Token value = read_token(c, ",}");
    if (c.at_end()) c.fail(open, "unterminated nominal list (the '{{' opened here has no '}}')");
    if (c.peek() != ',' && c.peek() != '}') {
      c.fail(c.column(), "unexpected character '{}' after a quoted value", c.peek());
    }
    values.push_back(std::move(value.text));
    if (c.text[c.pos++] == '}') return values;
  }
}

// A nominal attribute's declared values, and the other values its fields held (first: where).
struct NominalCheck {
  std::set<std::string> declared, others;
  std::string first;
  size_t first_line = 0;
};

// Reads the header line by line, then the rows; `finish` checks the end and adds the warnings.
class Parser {
 public:
  explicit Parser(const std::string& source) { file_.table.source = source; }

  void line(Cursor& c) {
    c.skip_spaces();
    if (c.at_end() || c.peek() == '%') return;
    if (in_data_) {
      row(c);
      return;
    }
    Token keyword = read_token(c, " \t");
    std::string word = lower(keyword.text);
    if (word == "@relation") {
      file_.relation = read_token(c, " \t").text;
      expect_end(c, "the relation name");
    } else if (word == "@attribute") {
      attribute(c);
    } else if (word == "@data") {
      if (file_.attributes.empty()) c.fail(keyword.column, "@data before any @attribute");
      expect_end(c, "@data");
      in_data_ = true;
      for (const ArffAttribute& a : file_.attributes) {
        file_.table.names.push_back(a.name);
        nominal_.push_back({{a.values.begin(), a.values.end()}, {}, "", 0});
      }
      file_.table.cells.resize(file_.attributes.size());
      file_.table.missing.resize(file_.attributes.size());
    } else {
      c.fail(keyword.column, "expected @relation, @attribute or @data, found \"{}\"", keyword.text);
    }
    seen_header_ = true;
  }

  ArffFile finish(size_t last_line) {
    const std::string& source = file_.table.source;
    if (!seen_header_) {
      throw DataError(
          fmt::format("{}: empty file (no @relation, @attribute or @data line)", source));
    }
    if (!in_data_) {
      throw DataError(
          fmt::format("{}:{}: the file ends without a @data section", source, last_line));
    }
    for (size_t a = 0; a < nominal_.size(); ++a) {
      const NominalCheck& n = nominal_[a];
      if (n.others.empty()) continue;
      file_.warnings.push_back(fmt::format(
          "{}: attribute \"{}\" declares {{{}}} but the data hold {} other value{} (first: \"{}\" "
          "at line {}); they are kept as categories",
          source, file_.attributes[a].name, join_names(file_.attributes[a].values), n.others.size(),
          n.others.size() == 1 ? "" : "s", n.first, n.first_line));
    }
    return std::move(file_);
  }

 private:
  void attribute(Cursor& c) {
    ArffAttribute attribute;
    Token name = read_token(c, " \t{");
    if (name.text.empty() && !name.quoted) c.fail(name.column, "@attribute without a name");
    attribute.name = name.text;
    if (auto [it, added] = declared_at_.emplace(name.text, c.line); !added) {
      c.fail(name.column, "duplicate attribute name \"{}\" (first declared at line {})", name.text,
             it->second);
    }
    c.skip_spaces();
    if (!c.at_end() && c.peek() == '{') {
      attribute.kind = ArffAttribute::Kind::Nominal;
      attribute.values = read_nominal_values(c);
    } else {
      using Kind = ArffAttribute::Kind;
      Token type = read_token(c, " \t");
      std::string word = lower(type.text);
      bool numeric = word == "numeric" || word == "real" || word == "integer";
      if (!numeric && word != "string" && word != "date") {
        std::string what = word.empty() ? "missing type" : "unknown type \"" + type.text + "\"";
        c.fail(type.column,
               "{} for attribute \"{}\" (expected numeric, real, integer, string, date or "
               "{{v1, v2, ...}})",
               what, name.text);
      }
      attribute.kind = numeric ? Kind::Numeric : word == "string" ? Kind::String : Kind::Date;
      if (attribute.kind == Kind::Date) read_token(c, " \t");  // its format, which we do not use
    }
    expect_end(c, fmt::format("the type of attribute \"{}\"", name.text));
    file_.attributes.push_back(std::move(attribute));
  }

  void row(Cursor& c) {
    if (c.peek() == '{') {
      c.fail(c.column(),
             "sparse rows ('{{index value, ...}}') are not supported; save the file as dense ARFF");
    }
    std::vector<Token> fields = {read_token(c, ",")};
    while (!c.at_end()) {
      if (c.peek() != ',') {
        c.fail(c.column(), "unexpected character '{}' after a closing quote", c.peek());
      }
      ++c.pos;
      fields.push_back(read_token(c, ","));
    }
    size_t expected = file_.attributes.size(), found = fields.size();
    if (found != expected) {
      size_t column = found > expected ? fields[expected].column : c.column();
      c.fail(column, "expected {} fields, found {}", expected, found);
    }
    for (size_t a = 0; a < expected; ++a) {
      Token& field = fields[a];
      const ArffAttribute& attribute = file_.attributes[a];
      bool missing = !field.quoted && (field.text.empty() || field.text == "?");
      if (!missing && attribute.kind == ArffAttribute::Kind::Numeric && !is_number(field.text)) {
        c.fail(field.column, "attribute \"{}\" is numeric but the field is \"{}\"", attribute.name,
               field.text);
      }
      NominalCheck& n = nominal_[a];
      if (!missing && attribute.kind == ArffAttribute::Kind::Nominal &&
          n.declared.count(field.text) == 0 && n.others.insert(field.text).second &&
          n.others.size() == 1) {
        n.first = field.text;
        n.first_line = c.line;
      }
      file_.table.missing[a].push_back(missing);
      file_.table.cells[a].push_back(std::move(field.text));
    }
    file_.table.lines.push_back(c.line);
  }

  ArffFile file_;
  bool seen_header_ = false;
  bool in_data_ = false;
  std::map<std::string, size_t> declared_at_;  // attribute name -> line of its declaration
  std::vector<NominalCheck> nominal_;          // per attribute
};

}  // namespace

ArffFile parse_arff(std::string_view text, const std::string& source) {
  check_utf8(text, source);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte-order mark
  Parser parser(source);
  size_t pos = 0, number = 0;
  while (pos < text.size()) {
    Cursor cursor{next_line(text, pos), ++number, source};
    parser.line(cursor);
  }
  return parser.finish(number);
}

ArffFile read_arff(const std::string& path) { return parse_arff(read_text_file(path), path); }

}  // namespace candor::datasets
