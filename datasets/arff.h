// A reader for Weka's ARFF files (the dense format) that turns them into a RawTable of strings.
//
//   % a comment                       a line whose first non-space character is '%'
//   @relation law_school              keywords are case-insensitive; names may be quoted
//   @attribute lsat real              numeric | real | integer -> Numeric
//   @attribute 'first name' string    string -> String
//   @attribute born date yyyy-MM-dd   date [format] -> Date (the format is not used)
//   @attribute tier {0, 1}            a nominal list; values may be quoted, spaces are trimmed
//   @data
//   46.00,'Smith, J',?,1              one row per line; fields are trimmed and may be quoted
//
// - A '%' later on a header line starts a comment; in a data row it is data ("50% off").
// - Quotes are ' or "; inside them a backslash escapes the next character as Weka writes it
//   (\' \" \\ \%, and \n \r \t for control characters). Quotes end on the line they open.
// - An unquoted `?` or an empty field is missing; its text is kept in `cells` as csv.h does.
// - Lines end in LF, CRLF or a lone CR; blank lines are skipped; a UTF-8 byte-order mark is too.
// - Values stay text as written ("9.00"); a Numeric attribute's fields must parse as numbers.
// - A nominal field outside the declared values is kept and gives one warning per attribute: the
//   published law school file declares `tier {0, 1}` but its data hold 1 to 6.
// - Sparse rows (`{0 1, 3 x}`) are not supported. Errors are DataErrors naming the source, line
//   and column where there is one: `law.arff:15:22: expected 12 fields, found 11`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "datasets/csv.h"

namespace candor::datasets {

struct ArffAttribute {
  enum class Kind { Numeric, Nominal, String, Date };
  std::string name;
  Kind kind = Kind::Numeric;
  std::vector<std::string> values;  // Nominal: the declared values, in declaration order
};

struct ArffFile {
  std::string relation;
  std::vector<ArffAttribute> attributes;
  RawTable table;                     // names = attribute names; one row per data line
  std::vector<std::string> warnings;  // things a user should know, e.g. undeclared nominal values
};

ArffFile parse_arff(std::string_view text, const std::string& source = "<string>");
// Reads the whole file; the error for a missing or unreadable file names the path.
ArffFile read_arff(const std::string& path);

}  // namespace candor::datasets
