// Text classification data: a CSV with a text column, a label and sensitive columns, split as any
// --csv dataset and encoded for a GPT-2 classifier. The label, sensitive group ids and weights
// come from a datasets::Encoder fitted on the training rows with no features; x holds the token
// ids instead:
//
//   x[i] = encode(text_i) cut to its first max_length tokens, right-padded with pad_id   [N, T]
//
// where T is the longest row after the cut (at most max_length).
#pragma once

#include <cstdint>
#include <string>

#include "datasets/encoder.h"
#include "datasets/table.h"
#include "nn/tokenizer.h"

namespace candor::nn {

// An Encoder for the label, sensitive columns and weights of `schema`, with every other column
// (the text among them) left out of the features.
datasets::Encoder fit_text_label_encoder(const datasets::Table& train, const datasets::Schema& schema);

// The encoded rows of `table` with x = token ids [N, T] int64. DataError naming the row and the
// column for an empty text; ValueError for max_length < 1.
datasets::Encoded encode_text(const datasets::Table& table, const datasets::Encoder& encoder,
                              const Gpt2Tokenizer& tokenizer, const std::string& text_column,
                              int64_t max_length, int64_t pad_id);

// The id that pads rows: the vocabulary's "<|endoftext|>", as is usual for GPT-2 (ValueError when
// the vocabulary has none).
int64_t text_pad_id(const Gpt2Tokenizer& tokenizer);

}  // namespace candor::nn
