// The ARFF reader: the law school and Dutch census layouts, quoting, comments, line ends, the
// undeclared-nominal warning, and an error naming file, line and column for each malformed input.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "datasets/arff.h"
#include "datasets/errors.h"
#include "tests/datasets/raw_rows.h"
#include "tests/support/temp_dir.h"

using namespace candor;
using namespace candor::datasets;
using Strings = std::vector<std::string>;
using candor::testing::missing_row;
using candor::testing::row_of;
using Kind = ArffAttribute::Kind;

namespace {
// Checks that parsing `text` as "f.arff" throws a DataError whose message contains `part`.
void check_error(const std::string& text, const std::string& part) {
  INFO("text: " << text);
  CHECK_THROWS_WITH_AS(parse_arff(text, "f.arff"), doctest::Contains(part.c_str()), DataError);
}
}  // namespace

TEST_CASE("arff: the law school layout keeps undeclared nominal values and warns once") {
  // The published file declares tier {0, 1} while its rows hold 1 to 6.
  std::string text =
      "@relation pandasdata\n"
      "@attribute lsat real\n"
      "@attribute zgpa real\n"
      "@attribute racetxt {0, 1}\n"
      "@attribute tier {0, 1}\n"
      "@attribute pass_bar {0, 1}\n"
      "@data\n"
      "46.00,0.30,1,3,1\n"
      "32.00,-0.45,1,1,1\n"
      "41.00,-0.20,0,4,0\n"
      "48.00,1.71,1,3,1\n";
  ArffFile f = parse_arff(text, "law.arff");
  CHECK(f.relation == "pandasdata");
  REQUIRE(f.attributes.size() == 5);
  CHECK(f.attributes[0].name == "lsat");
  CHECK(f.attributes[0].kind == Kind::Numeric);
  CHECK(f.attributes[0].values.empty());
  CHECK(f.attributes[3].kind == Kind::Nominal);
  CHECK(f.attributes[3].values == Strings{"0", "1"});
  CHECK(f.table.names == Strings{"lsat", "zgpa", "racetxt", "tier", "pass_bar"});
  CHECK(f.table.source == "law.arff");
  REQUIRE(f.table.rows() == 4);
  CHECK(row_of(f.table, 0) == Strings{"46.00", "0.30", "1", "3", "1"});  // numbers as written
  CHECK(f.table.cells[3] == Strings{"3", "1", "4", "3"});                // kept as categories
  CHECK(f.table.lines == std::vector<size_t>{8, 9, 10, 11});
  CHECK(missing_row(f.table, 2) == std::vector<bool>{false, false, false, false, false});
  CHECK(f.warnings == Strings{"law.arff: attribute \"tier\" declares {0, 1} but the data hold 2 "
                              "other values (first: \"3\" at line 8); they are kept as "
                              "categories"});
}

TEST_CASE("arff: the Dutch census layout with codes as nominal values and blank lines") {
  std::string relation =
      "dutch_census_data-weka.filters.unsupervised.instance.RemoveWithValues-S0.0-C10-Llast-H-"
      "weka.filters.unsupervised.attribute.MergeTwoValues-C10-F2-S3-weka.filters.unsupervised."
      "attribute.MergeTwoValues-C10-F5-S6";
  std::string text = "@relation " + relation +
                     "\n"
                     "\n"
                     "@attribute sex {2,1}\n"
                     "@attribute age {17,15,16,3,2,1}\n"
                     "@attribute occupation {5_4_9,2_1}\n"
                     "\n"
                     "@data\n"
                     "\n"
                     "1,15,2_1\n"
                     "2,3,5_4_9\n";
  ArffFile f = parse_arff(text);
  CHECK(f.relation == relation);
  REQUIRE(f.attributes.size() == 3);
  CHECK(f.attributes[0].values == Strings{"2", "1"});  // declaration order, not sorted
  CHECK(f.attributes[2].values == Strings{"5_4_9", "2_1"});
  CHECK(f.table.cells[2] == Strings{"2_1", "5_4_9"});
  CHECK(f.table.lines == std::vector<size_t>{9, 10});
  CHECK(f.warnings.empty());
}

TEST_CASE("arff: quoted names and values with commas and backslash escapes") {
  std::string text =
      "@RELATION 'my data'\n"
      "@ATTRIBUTE 'first name' STRING\n"
      "@attribute \"home town\" { 'New York' , \"Los Angeles\",plain }\n"
      "@attribute note string\n"
      "@data\n"
      "'Smith, J', 'New York' ,'it\\'s \\\"so\\\" \\\\ 5\\%'\n"
      "\"O'Brien\",plain,'?'\n"
      "'',\"Los Angeles\",'tab\\there'\n"
      "Ann,plain,50% off\n";  // '%' inside a row is data
  ArffFile f = parse_arff(text);
  CHECK(f.relation == "my data");
  CHECK(f.table.names == Strings{"first name", "home town", "note"});
  CHECK(f.attributes[0].kind == Kind::String);
  CHECK(f.attributes[1].values == Strings{"New York", "Los Angeles", "plain"});
  REQUIRE(f.table.rows() == 4);
  CHECK(row_of(f.table, 0) == Strings{"Smith, J", "New York", "it's \"so\" \\ 5%"});
  CHECK(row_of(f.table, 1) == Strings{"O'Brien", "plain", "?"});
  CHECK(row_of(f.table, 2) == Strings{"", "Los Angeles", "tab\there"});
  CHECK(row_of(f.table, 3) == Strings{"Ann", "plain", "50% off"});
  // Quoted '?' and '' are values, not missing.
  CHECK(missing_row(f.table, 1) == std::vector<bool>{false, false, false});
  CHECK(missing_row(f.table, 2) == std::vector<bool>{false, false, false});
  CHECK(f.warnings.empty());
}

TEST_CASE("arff: comments and CRLF and CR line ends and a byte-order mark and other types") {
  std::string text =
      "\xEF\xBB\xBF% made by hand\r\n"
      "@relation r % a comment after the name\r\n"
      "  % an indented comment\r\n"
      "@attribute n NUMERIC\r\n"
      "@attribute i Integer % whole numbers\r\n"
      "@attribute d date \"yyyy-MM-dd HH:mm:ss\"\r\n"
      "@attribute e DATE\r"
      "@data\r\n"
      "% a comment among the rows\r\n"
      "1,2,\"2001-04-03 12:12:12\",2001\r\n"
      "\r\n"
      "3.,-4,?,?";
  ArffFile f = parse_arff(text);
  CHECK(f.relation == "r");
  REQUIRE(f.attributes.size() == 4);
  CHECK(f.attributes[1].kind == Kind::Numeric);
  CHECK(f.attributes[2].kind == Kind::Date);
  CHECK(f.attributes[3].kind == Kind::Date);
  CHECK(row_of(f.table, 0) == Strings{"1", "2", "2001-04-03 12:12:12", "2001"});
  CHECK(row_of(f.table, 1) == Strings{"3.", "-4", "?", "?"});
  CHECK(f.table.lines == std::vector<size_t>{10, 12});
}

TEST_CASE("arff: missing values and the numbers a numeric attribute accepts") {
  std::string text =
      "@relation r\n"
      "@attribute x numeric\n"
      "@attribute c {a, b}\n"
      "@data\n"
      "?,?\n"
      " , \n"
      "-2.5e3,a\n"
      "+4,b\n"
      ".5,a\n"
      "1E-2,b\n"
      "NaN,a\n";
  ArffFile f = parse_arff(text);
  REQUIRE(f.table.rows() == 7);
  CHECK(f.table.missing[0] == std::vector<bool>{true, true, false, false, false, false, false});
  CHECK(f.table.missing[1] == f.table.missing[0]);
  CHECK(f.table.cells[0] == Strings{"?", "", "-2.5e3", "+4", ".5", "1E-2", "NaN"});
  CHECK(f.warnings.empty());  // missing nominal fields are not undeclared values
}

TEST_CASE("arff: one warning per attribute with undeclared values") {
  std::string text =
      "@relation r\n"
      "@attribute a {x, y}\n"
      "@attribute b {0, 1}\n"
      "@data\n"
      "x,0\n"
      "z,1\n"
      "z,7\n"
      "w,8\n";
  ArffFile f = parse_arff(text, "w.arff");
  CHECK(f.warnings ==
        Strings{"w.arff: attribute \"a\" declares {x, y} but the data hold 2 other values (first: "
                "\"z\" at line 6); they are kept as categories",
                "w.arff: attribute \"b\" declares {0, 1} but the data hold 2 other values (first: "
                "\"7\" at line 7); they are kept as categories"});
  ArffFile one = parse_arff("@attribute a {x}\n@data\ny\ny\n", "w.arff");
  CHECK(one.warnings == Strings{"w.arff: attribute \"a\" declares {x} but the data hold 1 other "
                                "value (first: \"y\" at line 3); they are kept as categories"});
  CHECK(one.table.cells[0] == Strings{"y", "y"});
}

TEST_CASE("arff: a header with no rows gives an empty table with its columns") {
  ArffFile f = parse_arff("@relation r\n@attribute a real\n@attribute b string\n@data\n");
  CHECK(f.table.names == Strings{"a", "b"});
  CHECK(f.table.rows() == 0);
  CHECK(f.table.cells.size() == 2);
}

TEST_CASE("arff: malformed headers name source and line and column") {
  SUBCASE("unknown or missing attribute type") {
    check_error("@relation r\n@attribute x foo\n@data\n",
                "f.arff:2:14: unknown type \"foo\" for attribute \"x\" (expected numeric, real, "
                "integer, string, date or {v1, v2, ...})");
    check_error("@relation r\n@attribute x relational\n@data\n",
                "f.arff:2:14: unknown type \"relational\"");
    check_error("@attribute x\n@data\n", "f.arff:1:13: missing type for attribute \"x\"");
    check_error("@attribute\n@data\n", "f.arff:1:11: @attribute without a name");
  }
  SUBCASE("text after a type or a keyword") {
    check_error("@attribute x real y\n@data\n",
                "f.arff:1:19: unexpected \"y\" after the type of attribute \"x\"");
    check_error("@attribute c {a, b} z\n@data\n", "f.arff:1:21: unexpected \"z\" after the type");
    check_error("@relation my data\n", "f.arff:1:14: unexpected \"data\" after the relation name");
    check_error("@attribute x real\n@data 1\n", "f.arff:2:7: unexpected \"1\" after @data");
  }
  SUBCASE("@data before any @attribute") {
    check_error("@relation r\n% nothing declared\n@data\n1\n",
                "f.arff:3:1: @data before any @attribute");
  }
  SUBCASE("duplicate attribute name") {
    check_error("@relation r\n@attribute a real\n@attribute b real\n@attribute a string\n@data\n",
                "f.arff:4:12: duplicate attribute name \"a\" (first declared at line 2)");
  }
  SUBCASE("an unknown keyword or a stray line in the header") {
    check_error("@relation r\n@atribute a real\n",
                "f.arff:2:1: expected @relation, @attribute or @data, found \"@atribute\"");
    check_error("@relation r\n1,2\n", "f.arff:2:1: expected @relation, @attribute or @data");
  }
  SUBCASE("unterminated quotes and nominal lists") {
    check_error("@relation 'r\n", "f.arff:1:11: unterminated quote (the ' opened here");
    check_error("@attribute \"a b real\n", "f.arff:1:12: unterminated quote (the \" opened");
    check_error("@attribute c {'x, y}\n", "f.arff:1:15: unterminated quote");
    check_error("@attribute c {x, y\n@data\n",
                "f.arff:1:14: unterminated nominal list (the '{' opened here has no '}')");
    check_error("@attribute c {'x' y}\n",
                "f.arff:1:19: unexpected character 'y' after a quoted value");
  }
  SUBCASE("no @data section") {
    check_error("@relation r\n@attribute a real\n\n% the end\n",
                "f.arff:4: the file ends without a @data section");
  }
  SUBCASE("an empty file and a file of comments and blank lines") {
    check_error("", "f.arff: empty file (no @relation, @attribute or @data line)");
    check_error("\xEF\xBB\xBF", "f.arff: empty file");
    check_error("% only\r\n\r\n  \n% comments\n", "f.arff: empty file");
  }
}

TEST_CASE("arff: malformed rows name source and line and column") {
  std::string header =
      "@relation r\n"
      "@attribute x real\n"
      "@attribute s string\n"
      "@attribute c {a, b}\n"
      "@data\n"
      "1,'one',a\n";  // line 6
  SUBCASE("too few fields: the column where the line ends") {
    check_error(header + "\n2,two\n", "f.arff:8:6: expected 3 fields, found 2");
  }
  SUBCASE("too many fields: the column where the first extra field starts") {
    check_error(header + "2,two,b,9,9\n", "f.arff:7:9: expected 3 fields, found 5");
    check_error(header + "2,two,b,\n", "f.arff:7:9: expected 3 fields, found 4");
  }
  SUBCASE("a numeric field that is not a number") {
    check_error(header + "2,x,a\n 1.5.2 ,y,b\n",
                "f.arff:8:2: attribute \"x\" is numeric but the field is \"1.5.2\"");
    check_error(header + "'?',x,a\n",
                "f.arff:7:1: attribute \"x\" is numeric but the field is \"?\"");
    check_error(header + "1e,x,a\n", "f.arff:7:1: attribute \"x\" is numeric");
  }
  SUBCASE("an unterminated quote points at the opening quote") {
    check_error(header + "2,'two,a\n",
                "f.arff:7:3: unterminated quote (the ' opened here is never "
                "closed on this line)");
  }
  SUBCASE("text after a closing quote") {
    check_error(header + "2,'two' x,a\n",
                "f.arff:7:9: unexpected character 'x' after a closing quote");
  }
  SUBCASE("sparse rows are not supported") {
    check_error(header + "  {0 2, 2 b}\n",
                "f.arff:7:3: sparse rows ('{index value, ...}') are not supported");
  }
}

TEST_CASE("arff: read_arff names its file and unreadable files name the path") {
  testing::TempDir dir;
  std::string good =
      dir.write("good.arff", "@relation g\r\n@attribute a {x,y}\r\n@data\r\nx\r\nz\r\n");
  ArffFile f = read_arff(good);
  CHECK(f.relation == "g");
  CHECK(f.table.source == good);
  CHECK(f.table.cells[0] == Strings{"x", "z"});
  CHECK(f.warnings ==
        Strings{good + ": attribute \"a\" declares {x, y} but the data hold 1 other "
                       "value (first: \"z\" at line 5); they are kept as categories"});
  std::string bad = dir.write("bad.arff", "@attribute a real\n@data\nx\n");
  CHECK_THROWS_WITH_AS(read_arff(bad), doctest::Contains((bad + ":3:1: attribute").c_str()),
                       DataError);
  std::string missing = dir.file("no_such.arff");
  CHECK_THROWS_WITH_AS(read_arff(missing),
                       doctest::Contains(("cannot read \"" + missing + "\"").c_str()), DataError);
  CHECK_THROWS_WITH_AS(read_arff(dir.path()), doctest::Contains("it is a directory"), DataError);
}
