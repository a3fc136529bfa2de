// An ARFF file through training and scoring (tabular.h). The first byte picks the user's
// choices; the other bytes are the file.
#include "datasets/arff.h"
#include "tests/fuzz/tabular.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace candor;
  if (size == 0) return 0;
  const std::string_view text = fuzz::as_text(data + 1, size - 1);
  try {
    datasets::ArffFile arff = datasets::parse_arff(text, "fuzz.arff");
    fuzz::train_and_score(fuzz::write_scratch("fuzz.arff", text), arff.table.names, ",", data[0]);
  } catch (const Error&) {
  }
  return 0;
}
