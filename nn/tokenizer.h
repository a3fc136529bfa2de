// GPT-2's byte-level BPE tokenizer, reading a Hugging Face GPT-2 directory's vocab.json and
// merges.txt.
//
// Encoding a string takes three steps.
//
// 1. Pre-tokenisation. The input is cut into pieces by GPT-2's pattern
//      's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//    applied as a regular-expression engine with leftmost, first-alternative-wins, greedy
//    semantics would (Python `regex.findall`), written by hand over code points (no std::regex).
//    Worked out, at each position the first rule that applies is:
//      - an ASCII apostrophe followed by s, t, re, ve, m, ll or d (lower case only): that pair;
//      - an optional U+0020 space then a run of letters / of numbers / of "other" code points
//        (neither whitespace, letter nor number): the space and the whole run;
//      - a run of k whitespace code points: all k if it reaches the end of the input, else k - 1
//        (leaving the last one to attach to what follows, as " ?" does for a space), or the one
//        code point when k = 1.
//    Classification: \p{L} and \p{N} are Unicode's general categories L* and N*, and \s is the
//    White_Space property, with the complete range tables of the Python `regex` module 2026.5.9
//    (Unicode 17), the module GPT-2's own encoder.py uses; code points unassigned there are
//    "other". Combining marks (Mn, Mc, Me) are "other", as in the reference: Devanagari vowel
//    signs split words. Hugging Face's tokenizers crate (Oniguruma) may use another Unicode
//    version, so the two can differ on recently assigned code points.
//    Input that is not valid UTF-8 is still accepted: each byte that does not begin a valid,
//    shortest-form sequence (overlong forms, surrogates, code points above U+10FFFF and
//    truncated sequences included) is a code point of its own in the "other" class. A piece is
//    a range of input bytes, and the pieces cover the input exactly.
// 2. Byte-level symbols. Each byte of a piece becomes one symbol through GPT-2's byte-to-unicode
//    table: the 188 printable bytes '!'..'~', U+00A1..U+00AC and U+00AE..U+00FF stand for
//    themselves; the other 68 (0..32, 127..160, 173), in increasing order, become U+0100..U+0143
//    (so a space is "Ġ", U+0120, and a newline "Ċ", U+010A).
// 3. BPE. Merges are ranked by their line in merges.txt (the first merge has rank 0). In each
//    piece, the adjacent pair with the lowest rank is found and every occurrence of it is merged,
//    left to right; this repeats until no adjacent pair has a rank. Results are cached per piece.
//    Each final symbol is looked up in vocab.json. With a vocabulary that holds all 256 single-
//    byte symbols (GPT-2's does) this cannot fail; otherwise an unknown symbol throws a
//    TokenizerError that names it and its bytes.
//
// Special tokens such as "<|endoftext|>" are not recognised inside the text, as in GPT-2's
// encoder.py: the string "<|endoftext|>" encodes as ordinary text; append token_id's id yourself.
//
// decode concatenates the tokens' strings and maps each code point back through the byte table,
// so decode(encode(s)) == s for every byte string s. It throws for an id not in the vocabulary,
// or for a token that is not made of byte-table code points (which encode never produces).
//
// File formats. vocab.json is a JSON object from token (its byte-level string) to a non-negative
// id below 2^31 and below the number of tokens + 65,536 (the id tables are as long as the
// largest id, so a tiny file may not ask for gigabytes); two tokens may not share an id.
// merges.txt holds one merge per line, two tokens separated by one space; a first line starting
// with "#version" is skipped, as are empty lines and a trailing '\r'. Both tokens of a merge and
// their concatenation must be in the vocabulary, and a merge may not appear twice. A file that
// breaks one of these rules throws a TokenizerError whose message starts with the file's path and
// names the line (merges.txt) or the token (vocab.json).
//
// A Gpt2Tokenizer is immutable after loading; encode and decode may be called from several
// threads at once (the cache is guarded by a mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/error.h"

namespace candor::nn {

// An unreadable or malformed vocab.json / merges.txt, a symbol missing from the vocabulary or an
// id that cannot be decoded.
class TokenizerError : public candor::Error {
 public:
  using Error::Error;
};

// The code point GPT-2's byte-to-unicode table assigns to `byte`.
char32_t gpt2_byte_to_unicode(uint8_t byte);

// GPT-2's pre-tokenisation of `utf8` (step 1 above): the pieces, in order, as views into `utf8`.
// Concatenated they give `utf8` back, byte for byte.
std::vector<std::string_view> gpt2_pretokenize(std::string_view utf8);

// Writes dir/vocab.json and dir/merges.txt of the smallest byte-level vocabulary: the 256 byte
// symbols (id = the byte's value) and "<|endoftext|>" (id 256), with no merges. Every text
// encodes (one token per byte); a language model pretrained from scratch on a small corpus
// (candor pretrain) uses it.
void write_byte_level_tokenizer(const std::string& dir);

class Gpt2Tokenizer {
 public:
  // Reads the two files; throws TokenizerError naming the file (and line) when one is malformed.
  static Gpt2Tokenizer from_files(const std::string& vocab_json, const std::string& merges_txt);
  // dir/vocab.json and dir/merges.txt.
  static Gpt2Tokenizer from_directory(const std::string& dir);

  std::vector<int64_t> encode(std::string_view utf8) const;
  // The exact inverse of encode; throws TokenizerError for an id outside the vocabulary.
  std::string decode(const std::vector<int64_t>& ids) const;
  // One more than the largest id in vocab.json (the number of embedding rows a model needs);
  // equal to the number of tokens when the ids are 0..n-1, as in GPT-2's files.
  int64_t vocab_size() const;
  // The id of `token`, written as in vocab.json (byte-level string, e.g. "Ġthe"), if present.
  std::optional<int64_t> token_id(const std::string& token) const;

 private:
  struct Cache;
  Gpt2Tokenizer();
  // BPE on one piece (step 2 and 3), appending the ids to `out`.
  void encode_piece(std::string_view piece, std::vector<int64_t>& out) const;

  std::unordered_map<std::string, int64_t> vocab_;
  // id -> token string, and the bytes it decodes to (nullopt: not a byte-level token).
  std::vector<std::optional<std::string>> id_to_token_;
  std::vector<std::optional<std::string>> id_to_bytes_;
  // The id of the single-byte symbol for each byte, -1 when the vocabulary lacks it.
  std::vector<int64_t> byte_ids_;
  // (left id << 32 | right id) -> (rank, merged id).
  std::unordered_map<uint64_t, std::pair<int64_t, int64_t>> merges_;
  std::shared_ptr<Cache> cache_;
};

}  // namespace candor::nn
