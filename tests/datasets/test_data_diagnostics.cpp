// Hostile data: non-finite and stray cells in numeric columns, values whose standardisation
// overflows, text that is not UTF-8 and error messages that would echo a header's line break or a
// 5 MB field. Each is a DataError naming the file, line, column and value, in one short line.
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/encoder.h"
#include "datasets/errors.h"
#include "datasets/table.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::datasets;
using candor::testing::check_throws;

namespace {

RawTable raw(const std::string& text) { return parse_csv(text, CsvOptions{}, "t.csv"); }

Schema label_only(const std::string& label) {
  Schema s;
  s.label = label;
  return s;
}

// "age,y" and n rows of ages 20, 21, ..., with `cell` in place of the age on row `at` (0-based).
std::string ages(int n, int at, const std::string& cell) {
  std::string text = "age,y\n";
  for (int i = 0; i < n; ++i) text += (i == at ? cell : std::to_string(20 + i)) + "," + std::to_string(i % 2) + "\n";
  return text;
}

}  // namespace

TEST_CASE("table: a nan or inf cell in a numeric column is an error, not 64 one-hot columns") {
  for (const char* cell : {"nan", "NaN", "inf", "-Infinity", "1e999"}) {
    INFO(cell);
    // Line 4 of the file: the header is line 1, the bad cell is on the third row.
    check_throws<DataError>([&] { make_table(raw(ages(64, 2, cell)), label_only("y")); },
                            {"t.csv:4", "column \"age\"", std::string("\"") + cell + "\"", "finite", "--categorical age"});
  }
  // parse_number refuses them, non_finite_number tells them from text; underflow is a fine number.
  double v = 1;
  CHECK((parse_number("1e-400", v) && v == 0));
  CHECK(non_finite_number("nan"));
  CHECK(non_finite_number("+inf"));
  CHECK(non_finite_number("-1e400"));
  CHECK_FALSE(non_finite_number("abc"));
  CHECK_FALSE(non_finite_number("1e-400"));
}

TEST_CASE("table: a numeric column with a stray text cell is an error; categorical columns stay categorical") {
  check_throws<DataError>([&] { make_table(raw(ages(30, 5, "abc")), label_only("y")); },
                          {"t.csv:7", "column \"age\"", "\"abc\"", "1 of 30 cells are not numbers"});
  // Missing-value tokens stay missing.
  for (const char* missing : {"", "?", "NA"}) {
    Table t = make_table(raw(ages(30, 5, missing)), label_only("y"));
    CHECK(t.column("age").type == ColumnType::Numeric);
    CHECK(t.column("age").missing[5]);
  }
  // Codes with a few text categories in a small column, and text columns, are categories.
  CHECK(make_table(raw(ages(8, 5, "abc")), label_only("y")).column("age").type == ColumnType::Categorical);
  std::string text = "city,y\n";
  for (int i = 0; i < 30; ++i) text += (i % 3 ? "Oslo" : "Rome") + std::string(",") + std::to_string(i % 2) + "\n";
  CHECK(make_table(raw(text), label_only("y")).column("city").type == ColumnType::Categorical);
  // Forcing the column categorical is the way out the message gives.
  Schema forced = label_only("y");
  forced.categorical = {"age"};
  CHECK(make_table(raw(ages(30, 5, "abc")), forced).column("age").type == ColumnType::Categorical);
}

TEST_CASE("encoder: values whose standardisation overflows are refused before training") {
  const std::string text = "x,y\n1e308,0\n-1e308,1\n1e308,1\n5,0\n";
  Table t = make_table(raw(text), label_only("y"));
  check_throws<DataError>([&] { Encoder::fit(t, label_only("y")); },
                          {"numeric column \"x\"", "as large as 1e+308", "overflows"});
}

TEST_CASE("csv: text that is not UTF-8 is refused when read, naming the file, line and column") {
  // "Café" in Latin-1 on the third line.
  check_throws<DataError>([] { raw("name,y\nBob,0\nCaf\xE9,1\n"); }, {"t.csv:3:4", "invalid UTF-8", "0xE9"});
  check_throws<DataError>([] { raw("a,y\n\xC0\xAF,1\n"); }, {"t.csv:2:1", "invalid UTF-8"});      // overlong '/'
  check_throws<DataError>([] { raw("a,y\n\xED\xA0\x80,1\n"); }, {"t.csv:2:1", "invalid UTF-8"});  // a surrogate
  check_throws<DataError>([] { raw("a,y\nab\xE2\x82"); }, {"t.csv:2:3", "invalid UTF-8"});        // cut short
  CHECK(raw("name,y\nCaf\xC3\xA9,1\n\xF0\x9F\x98\x80,0\n").rows() == 2);
}

TEST_CASE("errors: a header line break and a 5 MB field give one short line") {
  RawTable r = raw("\"first\nname\",y\n1,0\n");
  const std::string unknown = candor::testing::message_of<DataError>([&] { make_table(r, label_only("income")); });
  CHECK(unknown.find("first\\nname") != std::string::npos);
  CHECK(unknown.find('\n') == std::string::npos);

  std::string big(5'000'000, 'z');
  std::string text = "x,y\n";
  for (int i = 0; i < 20; ++i) text += std::to_string(i) + ",0\n";
  text += big + ",1\n";
  Schema numeric = label_only("y");
  numeric.numeric = {"x"};
  const std::string message = candor::testing::message_of<DataError>([&] { make_table(raw(text), numeric); });
  CHECK(message.find("(5000000 bytes)") != std::string::npos);
  CHECK(message.size() < 300);
}
