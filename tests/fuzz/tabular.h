// The path a user's table file takes through `candor train --csv` and then `candor predict --csv`:
// load_splits types and splits it, an Encoder is fitted on the training rows, written as JSON and
// read back (as a checkpoint stores it), both copies encode every split alike, and the file is
// read again as new rows to score.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/encoder.h"
#include "datasets/source.h"
#include "tests/fuzz/fuzz.h"

namespace candor::fuzz {

// `flags` stands for a user's choices: the label is the first column; bit 0 makes the last one
// sensitive, bit 1 excludes it from the inputs, bits 2 to 5 pick the encoder's options.
inline void train_and_score(const std::string& path, const std::vector<std::string>& columns,
                            const std::string& delimiter, uint8_t flags) {
  if (columns.empty()) return;
  datasets::DataSource source{.file = path, .label = columns.front(), .delimiter = delimiter};
  if (columns.size() > 1 && (flags & 1)) source.sensitive = {columns.back()};
  source.exclude_sensitive = flags & 2;
  datasets::Splits splits = datasets::load_splits(source, /*seed=*/0);

  datasets::EncoderOptions options;
  using Options = datasets::EncoderOptions;
  options.missing = flags & 4 ? Options::Missing::Impute : Options::Missing::Drop;
  options.unseen = flags & 8 ? Options::Unseen::Error : Options::Unseen::Ignore;
  options.one_hot = !(flags & 16);
  options.allow_no_features = flags & 32;
  auto encoder = datasets::Encoder::fit(splits.train, splits.schema, options);
  auto loaded = datasets::Encoder::from_json(encoder.to_json());
  require(loaded.to_json() == encoder.to_json(), "the encoder's JSON does not read back to the same encoder");
  for (const datasets::Table* split : {&splits.train, &splits.validation, &splits.test}) {
    datasets::Encoded a = encoder.transform(*split), b = loaded.transform(*split);
    require(same_tensor(a.x, b.x) && same_tensor(a.y, b.y) && same_tensor(a.weight, b.weight),
            "the encoder read back from JSON encodes differently");
  }
  datasets::NewRows rows = datasets::load_new_rows(path, delimiter, loaded.schema());
  loaded.transform_unlabelled(rows.table);
}

}  // namespace candor::fuzz
