// A tiny GPT-2 shape for tests that need a whole model but not the fixture's weights: width 16,
// 2 layers, 2 heads, no dropout (so train and eval mode agree).
#pragma once

#include <cstdint>

#include "nn/gpt2.h"

namespace candor::testing {

inline nn::Gpt2Config tiny_gpt2_config(int64_t vocab_size, int64_t n_positions) {
  nn::Gpt2Config c;
  c.vocab_size = vocab_size;
  c.n_positions = n_positions;
  c.n_embd = 16;
  c.n_layer = 2;
  c.n_head = 2;
  c.embd_pdrop = c.attn_pdrop = c.resid_pdrop = 0;
  return c;
}

}  // namespace candor::testing
