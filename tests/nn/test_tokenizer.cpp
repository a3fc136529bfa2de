// GPT-2 byte-level BPE tokenizer. Expected pre-tokeniser splits are GPT-2's pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// applied by hand (leftmost match, first alternative that matches, greedy with backtracking);
// expected ids are BPE worked out by hand on tests/nn/fixtures/tokenizer (see its README: ids
// 0..255 are the single bytes, id = byte value; 256.. are the merges in rank order).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/generator.h"
#include "nn/tokenizer.h"
#include "tests/support/checks.h"
#include "tests/support/temp_dir.h"

using namespace candor;
using namespace candor::nn;
namespace fs = std::filesystem;

using candor::testing::TempDir;

namespace {

const fs::path kFixtureDir = fs::path(__FILE__).parent_path() / "fixtures" / "tokenizer";

const Gpt2Tokenizer& fixture() {
  static const Gpt2Tokenizer tok = Gpt2Tokenizer::from_directory(kFixtureDir.string());
  return tok;
}

using Pieces = std::vector<std::string>;

Pieces split(std::string_view s) {
  Pieces out;
  for (std::string_view p : gpt2_pretokenize(s)) out.emplace_back(p);
  return out;
}

std::string hex(std::string_view s) {
  std::string out;
  for (char c : s) out += fmt::format("{:02X} ", static_cast<uint8_t>(c));
  return out;
}

// A tokenizer over vocab {"a": 0, "b": 1, "ab": 2} (plus `extra_vocab`) and the given merges.
Gpt2Tokenizer small(const TempDir& dir, const std::string& merges, const std::string& extra_vocab = "") {
  std::string vocab = R"({"a": 0, "b": 1, "ab": 2)" + extra_vocab + "}";
  return Gpt2Tokenizer::from_files(dir.write("vocab.json", vocab), dir.write("merges.txt", merges));
}

}  // namespace

TEST_CASE("tokenizer: GPT-2 byte-to-unicode table") {
  // Printable bytes stand for themselves.
  CHECK(gpt2_byte_to_unicode('!') == U'!');
  CHECK(gpt2_byte_to_unicode('~') == U'~');
  CHECK(gpt2_byte_to_unicode(0xA1) == U'\u00A1');
  CHECK(gpt2_byte_to_unicode(0xAC) == U'\u00AC');
  CHECK(gpt2_byte_to_unicode(0xAE) == U'\u00AE');
  CHECK(gpt2_byte_to_unicode(0xFF) == U'\u00FF');
  // The other 68, in byte order, from U+0100: 0..32 -> U+0100..U+0120 (space is 'Ġ'),
  // 127..160 -> U+0121..U+0142, 173 -> U+0143.
  CHECK(gpt2_byte_to_unicode(0x00) == U'\u0100');
  CHECK(gpt2_byte_to_unicode('\n') == U'\u010A');  // 'Ċ'
  CHECK(gpt2_byte_to_unicode(' ') == U'\u0120');   // 'Ġ'
  CHECK(gpt2_byte_to_unicode(0x7F) == U'\u0121');
  CHECK(gpt2_byte_to_unicode(0xA0) == U'\u0142');
  CHECK(gpt2_byte_to_unicode(0xAD) == U'\u0143');
  std::vector<bool> seen(0x144, false);
  for (int b = 0; b < 256; ++b) {
    char32_t c = gpt2_byte_to_unicode(static_cast<uint8_t>(b));
    REQUIRE(c < 0x144);
    CHECK_FALSE(seen[c]);
    seen[c] = true;
  }
}

TEST_CASE("tokenizer: pre-tokeniser on English with contractions numbers and whitespace") {
  // "I" letters, "'m" contraction, " here" (space joins letters), "," other, " it", "'s",
  // " 2024" (space joins numbers), "!" other. Then two spaces before "Don": the whitespace run
  // has k = 2 and is followed by a non-space, so it gives k - 1 = 1 space and the last one joins
  // " Don". "'t". "\n\n" before "stop": run of 2 -> "\n", then a run of 1 -> "\n" (\s+).
  // "\t" alone (run of 1 before "OK"). Two spaces at the very end: the whole run.
  CHECK(split("I'm here, it's 2024!  Don't\n\nstop.\tOK  ") ==
        Pieces{"I", "'m", " here", ",", " it", "'s", " 2024", "!", " ", " Don", "'t", "\n", "\n", "stop", ".",
               "\t", "OK", "  "});
  // Contractions are lower case only: "'T" is "'" (other) then "T" (letters).
  CHECK(split("DON'T") == Pieces{"DON", "'", "T"});
  CHECK(split("'re'VE'll'd've") == Pieces{"'re", "'", "VE", "'ll", "'d", "'ve"});
  // A contraction wins even when letters follow: "'s" then "alt".
  CHECK(split("'salt") == Pieces{"'s", "alt"});
  // Not a contraction: the apostrophe is "other" and runs with other punctuation.
  CHECK(split("rock 'n' roll") == Pieces{"rock", " '", "n", "'", " roll"});
  CHECK(split("!'s") == Pieces{"!'", "s"});
  // Letters, numbers and other code points form separate runs; a space joins only the next run.
  CHECK(split("abc123def") == Pieces{"abc", "123", "def"});
  CHECK(split(" 3.14") == Pieces{" 3", ".", "14"});
  CHECK(split("hello!!! ...world") == Pieces{"hello", "!!!", " ...", "world"});
  // " \n " before "y": a run of 3 followed by a non-space -> " \n", then " y".
  CHECK(split("x \n y") == Pieces{"x", " \n", " y"});
  // " \nword": run of 2 -> " ", then "\n" (run of 1, \s+), then "word".
  CHECK(split(" \nword") == Pieces{" ", "\n", "word"});
  // Three spaces then a word: "  " and " word".
  CHECK(split("   word") == Pieces{"  ", " word"});
  // Tabs: only U+0020 joins the next run.
  CHECK(split("a\tb\t\tc") == Pieces{"a", "\t", "b", "\t", "\t", "c"});
  CHECK(split("a\r\n") == Pieces{"a", "\r\n"});
  CHECK(split(" ") == Pieces{" "});
  CHECK(split("") == Pieces{});
}

TEST_CASE("tokenizer: pre-tokeniser on other scripts and emoji and Unicode whitespace") {
  CHECK(split("Γειά σου κόσμε") == Pieces{"Γειά", " σου", " κόσμε"});  // Greek, precomposed accents
  CHECK(split("Привет, мир!") == Pieces{"Привет", ",", " мир", "!"});  // Cyrillic
  CHECK(split("你好世界。") == Pieces{"你好世界", "。"});                // CJK letters, CJK full stop
  CHECK(split("مرحبا بالعالم") == Pieces{"مرحبا", " بالعالم"});         // Arabic
  CHECK(split("שלום עולם") == Pieces{"שלום", " עולם"});                 // Hebrew
  // Devanagari न म स ् त े: the virama U+094D and the vowel sign U+0947 are combining marks,
  // neither letters nor numbers, so they split the word (as in GPT-2).
  CHECK(split("नमस्ते") == Pieces{"नमस", "्", "त", "े"});
  // Numbers beyond ASCII: Arabic-Indic digits (Nd), superscript two and one half (No).
  CHECK(split("x٣٤ x²½") == Pieces{"x", "٣٤", " x", "²½"});
  // Emoji are "other": they run together with punctuation, and a space joins them.
  CHECK(split("hi 👋🏽!") == Pieces{"hi", " 👋🏽!"});
  // Unicode whitespace: NO-BREAK SPACE and IDEOGRAPHIC SPACE are \s but do not join a run.
  CHECK(split("a\u00A0b") == Pieces{"a", "\u00A0", "b"});
  CHECK(split("a\u3000\u3000b") == Pieces{"a", "\u3000", "\u3000", "b"});
  // U+001F (unit separator) is not White_Space: it is "other".
  CHECK(split("a \x1f""b") == Pieces{"a", " \x1f", "b"});
}

TEST_CASE("tokenizer: pre-tokeniser keeps invalid UTF-8 bytes as other code points") {
  CHECK(split("ab\xFF\xFE""cd") == Pieces{"ab", "\xFF\xFE", "cd"});
  CHECK(split("a \x80""b") == Pieces{"a", " \x80", "b"});
  // Half of 你 (E4 BD A0), then a letter: two invalid bytes, then "x".
  CHECK(split("\xE4\xBD""x") == Pieces{"\xE4\xBD", "x"});
  // Overlong '/', a surrogate, a code point above U+10FFFF: each byte on its own, all "other".
  CHECK(split("\xC0\xAF!") == Pieces{"\xC0\xAF!"});
  CHECK(split("q\xED\xA0\x80q") == Pieces{"q", "\xED\xA0\x80", "q"});
  CHECK(split("q\xF4\x90\x80\x80") == Pieces{"q", "\xF4\x90\x80\x80"});
  // A truncated emoji at the end.
  CHECK(split("ok \xF0\x9F\x91") == Pieces{"ok", " \xF0\x9F\x91"});
}

TEST_CASE("tokenizer: hand-computed merges on the fixture vocabulary") {
  const Gpt2Tokenizer& tok = fixture();
  CHECK(tok.vocab_size() == 273);
  CHECK(tok.token_id("Ġthe") == 258);
  CHECK(tok.token_id("<|endoftext|>") == 272);
  CHECK(tok.token_id("a") == 97);
  CHECK(tok.token_id("Ġ") == 32);
  CHECK_FALSE(tok.token_id("the").has_value());
  CHECK_FALSE(tok.token_id(" ").has_value());  // a raw space is not a byte-level token

  // "the": t h e; pairs (t,h) none, (h,e) rank 1 -> t he; (t,he) none. -> t=116, he=257.
  CHECK(tok.encode("the") == std::vector<int64_t>{116, 257});
  // " the": Ġ t h e; (Ġ,t) rank 0 beats (h,e) rank 1 -> Ġt h e -> Ġt he (rank 1) -> Ġthe (rank 2).
  CHECK(tok.encode(" the") == std::vector<int64_t>{258});
  // "low": (l,o) rank 4, (o,w) rank 3; the lower rank wins although it is not leftmost:
  // l ow, then (l,ow) rank 5 -> low = 261. Leftmost-first would give lo w = {260, 119}.
  CHECK(tok.encode("low") == std::vector<int64_t>{261});
  // "hello": (h,e) rank 1 first -> he l l o; then (l,o) rank 4 -> he l lo; (l,lo) is no merge.
  CHECK(tok.encode("hello") == std::vector<int64_t>{257, 108, 260});
  // " tea": Ġt e a, nothing more. "The": T he.
  CHECK(tok.encode(" tea") == std::vector<int64_t>{256, 101, 97});
  CHECK(tok.encode("The") == std::vector<int64_t>{84, 257});
  // Every occurrence of the best pair merges left to right in one pass:
  // "aaa" -> aa a; "aaaaa" -> aa aa a -> (aa,aa) rank 7 -> aaaa a; 8 a's -> aaaa aaaa.
  CHECK(tok.encode("aaa") == std::vector<int64_t>{262, 97});
  CHECK(tok.encode("aaaaa") == std::vector<int64_t>{263, 97});
  CHECK(tok.encode("aaaaaaaa") == std::vector<int64_t>{263, 263});
  // "12312": one number piece 1 2 3 1 2 -> both (1,2) merge -> 12 3 12.
  CHECK(tok.encode("12312") == std::vector<int64_t>{266, 51, 266});
  // "it's" -> pieces "it", "'s"; i t has no merge; (',s) rank 8 -> 's = 264.
  CHECK(tok.encode("it's") == std::vector<int64_t>{105, 116, 264});
  // "IT'S" -> "IT", "'", "S": no merge applies ('S is not a contraction, and ' S is no merge).
  CHECK(tok.encode("IT'S") == std::vector<int64_t>{73, 84, 39, 83});
  // Multi-byte symbols: é = C3 A9 = symbols Ã ©. "café": c a f Ã ©; (Ã,©) rank 11 -> Ã©;
  // then (c,a) rank 12 before (f,Ã©) rank 13 -> ca f Ã© -> ca fÃ© -> (ca,fÃ©) rank 14 -> 270.
  CHECK(tok.encode("café") == std::vector<int64_t>{270});
  // "Café": C a f Ã©; (C,a) and (a,f) are no merges; (f,Ã©) rank 13 -> C a fÃ©.
  CHECK(tok.encode("Café") == std::vector<int64_t>{67, 97, 269});
  // Merges never cross pieces: "x\n\n" has the piece "\n\n" (run at the end) -> ĊĊ = 265, but in
  // "x\n\ny" the newlines are two pieces.
  CHECK(tok.encode("x\n\n") == std::vector<int64_t>{120, 265});
  CHECK(tok.encode("x\n\ny") == std::vector<int64_t>{120, 10, 10, 121});
  // "   the" -> "  " (Ġ Ġ -> ĠĠ = 271) and " the" (258). Four spaces at the end: ĠĠ ĠĠ.
  CHECK(tok.encode("   the") == std::vector<int64_t>{271, 258});
  CHECK(tok.encode("    ") == std::vector<int64_t>{271, 271});
  // " the low café": " the" = 258; " low": Ġ l ow -> Ġ low (no merge with Ġ) = 32 261;
  // " café": Ġ cafÃ© = 32 270.
  CHECK(tok.encode(" the low café") == std::vector<int64_t>{258, 32, 261, 32, 270});
  // A 4-byte emoji F0 9F 91 8B stays four byte symbols.
  CHECK(tok.encode("👋") == std::vector<int64_t>{0xF0, 0x9F, 0x91, 0x8B});
  // Special tokens are not recognised in the text.
  CHECK(tok.encode("<|endoftext|>") ==
        std::vector<int64_t>{'<', '|', 'e', 'n', 'd', 'o', 'f', 't', 'e', 'x', 't', '|', '>'});
  CHECK(tok.encode("") == std::vector<int64_t>{});

  CHECK(tok.decode({258, 32, 261, 32, 270}) == " the low café");
  CHECK(tok.decode({272}) == "<|endoftext|>");
  CHECK(tok.decode({0xF0, 0x9F}) == "\xF0\x9F");  // ids may decode to invalid UTF-8
  CHECK(tok.decode({}) == "");
  // The cache gives the same answer the second time.
  CHECK(tok.encode(" the low café") == std::vector<int64_t>{258, 32, 261, 32, 270});
}

TEST_CASE("tokenizer: decode(encode(s)) == s for 2000 random byte strings") {
  const Gpt2Tokenizer& tok = fixture();
  // Fragments: ASCII, whitespace, contractions, multi-byte letters and marks, 4-byte emoji, and
  // invalid UTF-8 (lone continuation, truncated sequences, overlong, surrogate, above U+10FFFF).
  const std::vector<std::string> fragments = {
      "a", "Z", "the", "low", "café", " ", "  ", "\t", "\n", "\r\n", "'s", "'ll", "'", "12", "!?", "é", "Ж",
      "Γ", "你", "ש", "م", "न्", "٣", "\u00A0", "\u3000", "👋", "🏽", "😀", "🇫🇷", "\x80", "\xFF", "\xC3",
      "\xE4\xBD", "\xF0\x9F", "\xF0\x9F\x98", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", std::string(1, '\0')};
  Generator gen(20240607);
  int with_emoji = 0, invalid = 0;
  for (int c = 0; c < 2000; ++c) {
    std::string s;
    const int mode = static_cast<int>(gen.next_u64() % 3);
    const int len = static_cast<int>(gen.next_u64() % 40);
    for (int k = 0; k < len; ++k) {
      bool raw = mode == 0 || (mode == 2 && gen.next_u64() % 2 == 0);
      if (raw) {
        s += static_cast<char>(gen.next_u64() & 0xFF);
      } else {
        s += fragments[gen.next_u64() % fragments.size()];
      }
    }
    if (s.find("\xF0\x9F\x98\x80") != std::string::npos || s.find("\xF0\x9F\x91\x8B") != std::string::npos) {
      ++with_emoji;
    }
    if (s.find('\xFF') != std::string::npos || s.find("\xED\xA0\x80") != std::string::npos) ++invalid;
    INFO("case " << c << ": " << hex(s));
    std::string joined;
    for (std::string_view p : gpt2_pretokenize(s)) {
      CHECK_FALSE(p.empty());
      joined += p;
    }
    CHECK(joined == s);
    std::vector<int64_t> ids = tok.encode(s);
    for (int64_t id : ids) CHECK((id >= 0 && id < tok.vocab_size()));
    CHECK(tok.decode(ids) == s);
    CHECK(tok.encode(s) == ids);  // second time from the cache
  }
  CHECK(with_emoji > 50);
  CHECK(invalid > 500);
}

TEST_CASE("tokenizer: malformed vocab.json") {
  TempDir dir;
  const std::string merges = dir.write("merges.txt", "#version: 0.2\n");
  auto load = [&](const std::string& vocab) {
    return [&dir, &merges, vocab] { Gpt2Tokenizer::from_files(dir.write("vocab.json", vocab), merges); };
  };
  const std::string vocab_path = (dir.root() / "vocab.json").string();
  testing::check_throws<TokenizerError>(load("{\n  \"a\": 0,\n  \"b\" 1\n}\n"),
                                        {vocab_path + ": not valid JSON", "line 3"});
  // A number beyond a double's range (a fuzzer's finding: the parser's out_of_range escaped).
  testing::check_throws<TokenizerError>(load("{\"a\": 0, \"ab\": 2" + std::string(400, '9') + "}"),
                                        {vocab_path + ": not valid JSON", "number overflow"});
  testing::check_throws<TokenizerError>(load("[\"a\", \"b\"]"), {vocab_path, "expected a JSON object", "array"});
  testing::check_throws<TokenizerError>(load("{}"), {vocab_path, "empty"});
  testing::check_throws<TokenizerError>(load(R"({"a": 0, "b": "1"})"), {vocab_path, "token \"b\" has id \"1\""});
  testing::check_throws<TokenizerError>(load(R"({"a": -1})"), {vocab_path, "token \"a\" has id -1"});
  testing::check_throws<TokenizerError>(load(R"({"a": 1.5})"), {vocab_path, "token \"a\" has id 1.5"});
  testing::check_throws<TokenizerError>(load(R"({"a": true})"), {vocab_path, "token \"a\" has id true"});
  testing::check_throws<TokenizerError>(load(R"({"a": 2147483648})"), {vocab_path, "has id 2147483648"});
  testing::check_throws<TokenizerError>(load(R"({"a": 0, "b": 1, "c": 0})"),
                                        {vocab_path, "tokens \"a\" and \"c\" share id 0"});
  testing::check_throws<TokenizerError>(
      [&] { Gpt2Tokenizer::from_files((dir.root() / "missing.json").string(), merges); },
      {"missing.json: cannot open file"});
  testing::check_throws<TokenizerError>([&] { Gpt2Tokenizer::from_directory((dir.root() / "nowhere").string()); },
                                        {"nowhere/vocab.json: cannot open file"});
}

TEST_CASE("tokenizer: malformed merges.txt") {
  TempDir dir;
  const std::string path = (dir.root() / "merges.txt").string();
  auto load = [&](const std::string& merges) { return [&dir, merges] { small(dir, merges); }; };
  testing::check_throws<TokenizerError>(load("#version: 0.2\na b\nab\n"),
                                        {path + " line 3", "expected two tokens", "\"ab\""});
  testing::check_throws<TokenizerError>(load("#version: 0.2\na b ab\n"), {path + " line 2", "\"a b ab\""});
  testing::check_throws<TokenizerError>(load("#version: 0.2\na  b\n"), {path + " line 2", "expected two tokens"});
  testing::check_throws<TokenizerError>(load("#version: 0.2\n a\n"), {path + " line 2", "expected two tokens"});
  testing::check_throws<TokenizerError>(load("#version: 0.2\n\na \n"), {path + " line 3", "expected two tokens"});
  testing::check_throws<TokenizerError>(load("#version: 0.2\na c\n"),
                                        {path + " line 2", "merge \"a c\" uses \"c\", which is not in",
                                         "vocab.json"});
  testing::check_throws<TokenizerError>(load("#version: 0.2\nb b\n"),
                                        {path + " line 2", "merge \"b b\" produces \"bb\", which is not in"});
  testing::check_throws<TokenizerError>(load("#version: 0.2\na b\n\na b\n"),
                                        {path + " line 4", "merge \"a b\" repeats line 2"});
  // "#version" is a header only on the first line; elsewhere it reads as a merge.
  testing::check_throws<TokenizerError>(load("a b\n#version: 0.2\n"),
                                        {path + " line 2", "uses \"#version:\", which is not in"});
  testing::check_throws<TokenizerError>(load("\n#version: 0.2\na b\n"), {path + " line 2", "\"#version:\""});
}

TEST_CASE("tokenizer: accepted merges.txt variants") {
  TempDir dir;
  // No header, CRLF line ends, blank lines, no final newline: all load, and the merge applies.
  for (const std::string merges : {"a b", "a b\n", "#version: 0.2\r\na b\r\n", "#version: 0.2\n\na b\n\n"}) {
    INFO("merges.txt: " << hex(merges));
    Gpt2Tokenizer tok = small(dir, merges);
    CHECK(tok.encode("ab") == std::vector<int64_t>{2});
    CHECK(tok.encode("ba") == std::vector<int64_t>{1, 0});
  }
  // A directory path with a trailing slash.
  CHECK(Gpt2Tokenizer::from_directory(kFixtureDir.string() + "/").vocab_size() == 273);
}

TEST_CASE("tokenizer: unknown symbols and undecodable ids") {
  TempDir dir;
  // The vocabulary lacks most single bytes: encoding one of them names its symbol and byte.
  Gpt2Tokenizer tok = small(dir, "#version: 0.2\na b\n", R"(, "☃": 3, "z": 7)");
  CHECK(tok.vocab_size() == 8);  // largest id + 1
  CHECK(tok.encode("abzab") == std::vector<int64_t>{2, 7, 2});
  testing::check_throws<TokenizerError>([&] { tok.encode("abc"); },
                                        {"byte-level symbol \"c\" (byte 63) is not in the vocabulary"});
  testing::check_throws<TokenizerError>([&] { tok.encode("a b"); },
                                        {"byte-level symbol \"Ġ\" (byte 20) is not in the vocabulary"});
  testing::check_throws<TokenizerError>([&] { tok.encode("\xC3\xA9"); }, {"\"Ã\" (byte C3)"});
  // Ids outside the vocabulary, or in a gap of it.
  testing::check_throws<TokenizerError>([&] { tok.decode({0, 8}); }, {"id 8 is not in the vocabulary", "8)"});
  testing::check_throws<TokenizerError>([&] { tok.decode({-1}); }, {"id -1 is not in the vocabulary"});
  testing::check_throws<TokenizerError>([&] { tok.decode({5}); }, {"id 5 is not in the vocabulary"});
  // A token that is not made of byte-table code points ('☃' is U+2603) cannot be decoded.
  testing::check_throws<TokenizerError>([&] { tok.decode({3}); }, {"token \"☃\" (id 3)", "cannot be decoded"});
  CHECK(tok.decode({2, 7, 0}) == "abza");
}
