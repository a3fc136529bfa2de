#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/errors.h"
#include "datasets/table.h"
#include "tests/support/checks.h"

using namespace candor;
using namespace candor::datasets;
using Strings = std::vector<std::string>;

namespace {
RawTable raw(const std::string& text) { return parse_csv(text, CsvOptions{}, "t.csv"); }
Schema label_only(const std::string& label) {
  Schema s;
  s.label = label;
  return s;
}
}  // namespace

TEST_CASE("table: parse_number accepts whole decimal numbers only") {
  double v = 0;
  CHECK((parse_number("42", v) && v == 42));
  CHECK((parse_number("-2.5e3", v) && v == -2500));
  CHECK((parse_number("+4", v) && v == 4));
  CHECK((parse_number(".5", v) && v == 0.5));
  for (const char* bad : {"", "+", "1x", "x1", "1 ", "0x10", "nan", "inf", "--1", "1,5"}) {
    INFO(bad);
    CHECK_FALSE(parse_number(bad, v));
  }
}

TEST_CASE("table: make_table types columns: numeric when every present value is a number") {
  RawTable r = raw("age,city,code,grp,y,skip\n30,Oslo,1,1,0,a\n?,Rome,2,2,1,b\n41.5,?,x,1,1,c\n");
  Schema s = label_only("y");
  s.sensitive = {"grp"};
  s.drop = {"skip"};
  Table t = make_table(r, s);
  CHECK(t.column_names() == Strings{"age", "city", "code", "grp", "y"});
  CHECK(t.rows() == 3);
  const Column& age = t.column("age");
  CHECK(age.type == ColumnType::Numeric);
  CHECK(age.numbers[0] == 30);
  CHECK(std::isnan(age.numbers[1]));
  CHECK(age.missing == std::vector<bool>{false, true, false});
  CHECK(age.numbers[2] == 41.5);
  const Column& city = t.column("city");
  CHECK(city.type == ColumnType::Categorical);
  CHECK(city.values == Strings{"Oslo", "Rome", ""});  // "" where missing; the mask says so
  CHECK(city.missing == std::vector<bool>{false, false, true});
  CHECK(t.column("code").type == ColumnType::Categorical);  // "x" is not a number
  CHECK(t.column("grp").type == ColumnType::Categorical);   // sensitive: always categorical
  CHECK(t.column("grp").values == Strings{"1", "2", "1"});
  CHECK(t.column("y").type == ColumnType::Numeric);

  s.categorical = {"age"};
  CHECK(make_table(r, s).column("age").values == Strings{"30", "", "41.5"});
}

TEST_CASE("table: forced numeric columns and typing like a training table") {
  RawTable train = raw("a,b,y\n1,2,0\n3,4,1\n");
  Schema s = label_only("y");
  s.categorical = {"b"};
  Table t = make_table(train, s);
  RawTable test = raw("a,b,y\n5,6,0\n");
  Table typed = make_table(test, label_only("y"), t);  // b stays categorical although numeric
  CHECK(typed.column("b").type == ColumnType::Categorical);
  CHECK(typed.column("a").type == ColumnType::Numeric);
  RawTable bad = raw("a,b,y\n5,6,0\n\nzz,7,1\n");
  testing::check_throws<DataError>(
      [&] { make_table(bad, s, t); },
      {"t.csv:4: column \"a\": \"zz\" is not a number (numeric in the training table)"});
  Schema forced = label_only("y");
  forced.numeric = {"a"};
  testing::check_throws<DataError>(
      [&] { make_table(bad, forced); },
      {"t.csv:4: column \"a\": \"zz\" is not a number (the schema makes it numeric)"});
}

TEST_CASE("table: schema errors name the unknown column and the schema field") {
  RawTable r = raw("age,sex,income\n1,F,x\n");
  testing::check_throws<DataError>(
      [&] { make_table(r, label_only("salary")); },
      {"schema label: unknown column \"salary\" (columns: age, sex, income)"});
  Schema s = label_only("income");
  s.sensitive = {"gender"};
  testing::check_throws<DataError>([&] { make_table(r, s); },
                                   {"schema sensitive: unknown column \"gender\""});
  s.sensitive = {};
  s.drop = {"zip"};
  testing::check_throws<DataError>([&] { make_table(r, s); },
                                   {"schema drop: unknown column \"zip\""});
  s.drop = {"income"};
  testing::check_throws<DataError>([&] { make_table(r, s); },
                                   {"schema: column \"income\" is both the label and dropped"});
  s.drop = {};
  s.sensitive = {"sex"};
  s.numeric = {"sex"};
  testing::check_throws<DataError>([&] { make_table(r, s); }, {"column \"sex\" is both sensitive"});
  testing::check_throws<DataError>([&] { make_table(r, Schema{}); }, {"schema: no label column"});
}

TEST_CASE("table: row selection and dropping missing rows and adding and removing columns") {
  Table t({Column::numeric("x", {1, NAN, 3, 4}),
           Column::categorical("c", {"a", "b", "", "d"}, {false, false, true, false})});
  CHECK(t.rows() == 4);
  Table picked = t.select_rows({3, 0, 3});
  CHECK(picked.column("x").numbers == std::vector<double>{4, 1, 4});
  CHECK(picked.column("c").values == Strings{"d", "a", "d"});
  Table complete = t.drop_missing_rows();
  CHECK(complete.column("x").numbers == std::vector<double>{1, 4});
  CHECK(t.drop_missing_rows({"x"}).column("c").values == Strings{"a", "", "d"});
  CHECK(t.select_columns({"c"}).column_names() == Strings{"c"});
  testing::check_throws<IndexError>([&] { t.select_rows({4}); },
                                    {"row 4 is out of range for a table of 4 rows"});
  testing::check_throws<DataError>([&] { t.column("z"); },
                                   {"unknown column \"z\" (columns: x, c)"});
  testing::check_throws<DataError>(
      [&] {
        t.add_column(Column::numeric("y", {1, 2}));
      },
      {"column \"y\" has 2 rows but the table has 4"});
  testing::check_throws<DataError>(
      [&] {
        t.add_column(Column::numeric("x", {1, 2, 3, 4}));
      },
      {"already has a column \"x\""});
  t.add_column(Column::numeric("y", {1, 2, 3, 4}));
  CHECK(t.has_column("y"));
  t.remove_column("x");
  CHECK(t.column_names() == Strings{"c", "y"});
  CHECK(Table().select_rows({}).rows() == 0);
}
