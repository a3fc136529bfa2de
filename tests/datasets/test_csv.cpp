#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/csv.h"
#include "datasets/errors.h"
#include "tests/datasets/raw_rows.h"
#include "tests/support/checks.h"
#include "tests/support/temp_dir.h"

using namespace candor;
using namespace candor::datasets;
using Strings = std::vector<std::string>;
using candor::testing::missing_row;
using candor::testing::row_of;

namespace {
CsvOptions no_header(Strings names) {
  CsvOptions o;
  o.header = false;
  o.column_names = std::move(names);
  return o;
}
}  // namespace

TEST_CASE(
    "csv: RFC 4180 quoting with delimiters and doubled quotes and line breaks inside quotes") {
  std::string text =
      "name,quote,note\n"
      "\"Smith, J\",\"he said \"\"hi\"\"\",\"two\nlines\"\n"
      "plain,\"\",\"crlf\r\ninside\"\n"
      "5'11\",x\"y,end\n";  // a quote inside an unquoted field is an ordinary character
  RawTable t = parse_csv(text, CsvOptions{});
  CHECK(t.names == Strings{"name", "quote", "note"});
  REQUIRE(t.rows() == 3);
  CHECK(row_of(t, 0) == Strings{"Smith, J", "he said \"hi\"", "two\nlines"});
  CHECK(row_of(t, 1) == Strings{"plain", "", "crlf\r\ninside"});
  CHECK(missing_row(t, 1) == std::vector<bool>{false, true, false});  // "" is a missing token
  CHECK(row_of(t, 2) == Strings{"5'11\"", "x\"y", "end"});
  // Each row records the physical line it starts on, after the line breaks inside quotes.
  CHECK(t.lines == std::vector<size_t>{2, 4, 6});
}

TEST_CASE("csv: CRLF and LF and lone CR line ends and skipped blank lines") {
  RawTable t = parse_csv("a,b\r\n1,2\r\n\r\n3,4\n  \n\n5,6\r7,8\n\n", CsvOptions{});
  REQUIRE(t.rows() == 4);
  CHECK(t.cells[0] == Strings{"1", "3", "5", "7"});
  CHECK(t.cells[1] == Strings{"2", "4", "6", "8"});
  CHECK(t.lines == std::vector<size_t>{2, 4, 7, 8});
  // No final line end at all.
  CHECK(parse_csv("a\n1\n2", CsvOptions{}).cells[0] == Strings{"1", "2"});
}

TEST_CASE("csv: other delimiters such as semicolon with quoted strings and tab and space") {
  // The format of UCI bank-full.csv: ';'-separated, strings quoted, header quoted.
  CsvOptions semi;
  semi.delimiter = ';';
  RawTable bank = parse_csv(
      "\"age\";\"job\";\"y\"\n58;\"management\";\"no\"\n44;\"tech; ops\";\"yes\"\n", semi);
  CHECK(bank.names == Strings{"age", "job", "y"});
  CHECK(row_of(bank, 1) == Strings{"44", "tech; ops", "yes"});

  CsvOptions tab;
  tab.delimiter = '\t';
  RawTable t = parse_csv("a\tb\n 1 \t x y \n", tab);  // spaces trimmed, the tab kept as delimiter
  CHECK(row_of(t, 0) == Strings{"1", "x y"});

  // german.data's format: single spaces separate fields, so a space is never trimmed away.
  CsvOptions space = no_header({"a", "b", "c"});
  space.delimiter = ' ';
  RawTable g = parse_csv("A11 6 A34\nA12 48 A32\n", space);
  CHECK(row_of(g, 1) == Strings{"A12", "48", "A32"});
  CsvOptions spaced;
  spaced.delimiter = ' ';
  testing::check_throws<DataError>([&] { parse_csv("x y\n1  2\n", spaced); },
                                   {"<string>:2:4: expected 2 fields, found 3"});  // "1", "", "2"
}

TEST_CASE("csv: trimming and the Adult comma-space separator and spaces around quoted fields") {
  RawTable t = parse_csv("a, b ,c\n 39, State-gov ,  \"x, y\"  \n", CsvOptions{});
  CHECK(t.names == Strings{"a", "b", "c"});
  CHECK(row_of(t, 0) == Strings{"39", "State-gov", "x, y"});
  CsvOptions keep;
  keep.trim = false;
  RawTable k = parse_csv("a,b\n 1 , x\n", keep);
  CHECK(k.names == Strings{"a", "b"});
  CHECK(row_of(k, 0) == Strings{" 1 ", " x"});
  // Without trimming, a space after a closing quote is an error.
  testing::check_throws<DataError>(
      [&] { parse_csv("a,b\n\"1\" ,2\n", keep); },
      {"<string>:2:4: unexpected character ' ' after a closing quote"});
}

TEST_CASE("csv: default and custom missing tokens quoted or not") {
  RawTable t = parse_csv("a,b,c,d\n?,NA,,x\n\"?\",na,\"\",?x\n", CsvOptions{});
  CHECK(missing_row(t, 0) == std::vector<bool>{true, true, true, false});
  CHECK(missing_row(t, 1) == std::vector<bool>{true, false, true, false});  // tokens are exact
  CHECK(row_of(t, 0) == Strings{"?", "NA", "", "x"});  // the text is kept; the mask decides
  CsvOptions bank;
  bank.delimiter = ';';
  bank.missing_tokens = {"unknown"};
  RawTable b = parse_csv("job;y\n\"unknown\";no\n;yes\n", bank);
  CHECK(b.missing[0] == std::vector<bool>{true, false});  // "" is an ordinary value here
}

TEST_CASE("csv: skip_lines and given or default column names and a byte-order mark") {
  CsvOptions adult_test = no_header({"age", "income"});
  adult_test.skip_lines = 1;
  RawTable t = parse_csv("|1x3 Cross validator\n25, <=50K.\n38, >50K.\n\n", adult_test);
  CHECK(t.names == Strings{"age", "income"});
  CHECK(t.cells[1] == Strings{"<=50K.", ">50K."});
  CHECK(t.lines == std::vector<size_t>{2, 3});  // lines count from the file's first line

  CsvOptions unnamed;
  unnamed.header = false;
  CHECK(parse_csv("1,2,3\n", unnamed).names == Strings{"0", "1", "2"});
  CHECK(parse_csv("", unnamed).rows() == 0);
  CHECK(parse_csv("\xEF\xBB\xBFid,x\n1,2\n", CsvOptions{}).names == Strings{"id", "x"});
}

TEST_CASE("csv: repeated header names get pandas-style suffixes") {
  // COMPAS repeats decile_score and priors_count.
  RawTable t = parse_csv("id,decile_score,priors_count,decile_score,priors_count\n1,2,3,4,5\n",
                         CsvOptions{});
  CHECK(t.names ==
        Strings{"id", "decile_score", "priors_count", "decile_score.1", "priors_count.1"});
  CHECK(t.cells[t.column_index("decile_score.1")] == Strings{"4"});
  CHECK(parse_csv("a,a,a,a.1\n1,2,3,4\n", CsvOptions{}).names == Strings{"a", "a.2", "a.3", "a.1"});
  CHECK(parse_csv(",x,\n1,2,3\n", CsvOptions{}).names == Strings{"Unnamed: 0", "x", "Unnamed: 2"});
  CHECK(parse_csv("1,2\n", no_header({"v", "v"})).names == Strings{"v", "v.1"});
}

TEST_CASE("csv: malformed input names source and line and column") {
  SUBCASE("unterminated quote points at the opening quote") {
    testing::check_throws<DataError>(
        [] { parse_csv("a,b\n1,2\n3,\"oops\n4,5\n", CsvOptions{}, "f.csv"); },
        {"f.csv:3:3: unterminated quoted field"});
  }
  SUBCASE("too few fields: the column where the record ends") {
    testing::check_throws<DataError>(
        [] { parse_csv("a,b,c\n1,2,3\n\n4,5\n", CsvOptions{}, "f.csv"); },
        {"f.csv:4:4: expected 3 fields, found 2"});
  }
  SUBCASE("too many fields: the column where the first extra field starts") {
    testing::check_throws<DataError>([] { parse_csv("a,b\n1,2,33,4\n", CsvOptions{}, "f.csv"); },
                                     {"f.csv:2:5: expected 2 fields, found 4"});
  }
  SUBCASE("a record after a multi-line quoted field reports its own start line") {
    testing::check_throws<DataError>(
        [] { parse_csv("a,b\n\"x\ny\",1\n2\n", CsvOptions{}, "f.csv"); },
        {"f.csv:4:2: expected 2 fields, found 1"});
  }
  SUBCASE("given column names that do not match the field count") {
    testing::check_throws<DataError>(
        [] {
          parse_csv("1,2,3\n", no_header({"a", "b"}), "f.csv");
        },
        {"f.csv:1:5: expected 2 fields, found 3"});
  }
  SUBCASE("text after a closing quote") {
    testing::check_throws<DataError>(
        [] { parse_csv("a,b\n\"ab\"c,d\n", CsvOptions{}); },
        {"<string>:2:5: unexpected character 'c' after a closing quote"});
  }
  SUBCASE("empty file and a file of blank lines") {
    testing::check_throws<DataError>([] { parse_csv("", CsvOptions{}, "e.csv"); },
                                     {"e.csv: empty file (expected a header line"});
    testing::check_throws<DataError>([] { parse_csv("\n \r\n\n", CsvOptions{}, "e.csv"); },
                                     {"e.csv: empty file"});
  }
  SUBCASE("a quote character cannot be the delimiter") {
    CsvOptions o;
    o.delimiter = '"';
    testing::check_throws<DataError>([&] { parse_csv("a\n", o); }, {"delimiter cannot be a quote"});
  }
}

TEST_CASE("csv: unknown column lists the columns") {
  RawTable t = parse_csv("age,workclass,income\n1,x,y\n", CsvOptions{}, "adult.data");
  CHECK(t.column_index("income") == 2);
  CHECK(t.has_column("age"));
  CHECK_FALSE(t.has_column("salary"));
  testing::check_throws<DataError>(
      [&] { t.column_index("salary"); },
      {"unknown column \"salary\" (columns: age, workclass, income)", "adult.data"});
}

TEST_CASE("csv: read_csv names its file in errors and unreadable files name the path") {
  testing::TempDir dir;
  std::string good = dir.write("good.csv", "x,y\r\n1,\"a\"\r\n");
  RawTable t = read_csv(good, CsvOptions{});
  CHECK(t.source == good);
  CHECK(row_of(t, 0) == Strings{"1", "a"});
  std::string bad = dir.write("bad.csv", "x,y\n1,2\n3\n");
  testing::check_throws<DataError>([&] { read_csv(bad, CsvOptions{}); },
                                   {bad + ":3:2: expected 2 fields, found 1"});
  std::string empty = dir.write("empty.csv", "");
  testing::check_throws<DataError>([&] { read_csv(empty, CsvOptions{}); },
                                   {empty + ": empty file"});
  std::string missing = dir.path() + "/no_such.csv";
  testing::check_throws<DataError>([&] { read_csv(missing, CsvOptions{}); },
                                   {"cannot read \"" + missing + "\"", "No such file"});
  testing::check_throws<DataError>([&] { read_csv(dir.path(), CsvOptions{}); },
                                   {"cannot read \"" + dir.path() + "\": it is a directory"});
}
