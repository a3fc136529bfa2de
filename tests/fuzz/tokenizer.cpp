// A GPT-2 tokenizer's vocab.json and merges.txt (the input up to its first NUL byte, and the rest),
// as `candor finetune --pretrained` and `candor generate` read them. Whatever text the loaded
// tokenizer encodes must decode back to the same bytes.
#include <algorithm>

#include "nn/tokenizer.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace candor;
  const std::string_view input = fuzz::as_text(data, size);
  const size_t nul = std::min(input.find('\0'), input.size());
  const std::string_view merges = input.substr(std::min(nul + 1, input.size()));
  std::optional<nn::Gpt2Tokenizer> tokenizer;
  try {
    tokenizer = nn::Gpt2Tokenizer::from_files(fuzz::write_scratch("vocab.json", input.substr(0, nul)),
                                              fuzz::write_scratch("merges.txt", merges));
  } catch (const Error&) {
    return 0;
  }
  for (std::string_view text : {std::string_view("Hello world, it's 2024!\n\xc3\xa9t\xc3\xa9  \xff"), merges}) {
    std::vector<int64_t> ids;
    try {
      ids = tokenizer->encode(text);
    } catch (const nn::TokenizerError&) {
      continue;  // a vocabulary without every byte symbol cannot encode every text
    }
    fuzz::require(tokenizer->decode(ids) == text, "decode(encode(text)) is not the text");
  }
  return 0;
}
