// A CSV file through training and scoring (tabular.h). The first byte picks the delimiter (bits 0
// and 1) and the user's choices (the rest); the other bytes are the file.
#include "datasets/csv.h"
#include "tests/fuzz/tabular.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace candor;
  if (size == 0) return 0;
  const std::string delimiter(1, ",;\t|"[data[0] & 3]);
  const std::string_view text = fuzz::as_text(data + 1, size - 1);
  try {
    datasets::CsvOptions options;
    options.delimiter = delimiter[0];
    datasets::RawTable raw = datasets::parse_csv(text, options, "fuzz.csv");
    fuzz::train_and_score(fuzz::write_scratch("fuzz.csv", text), raw.names, delimiter,
                          static_cast<uint8_t>(data[0] >> 2));
  } catch (const Error&) {
  }
  return 0;
}
