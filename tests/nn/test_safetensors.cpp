// safetensors reader and writer. Expected bytes come from the format's specification (files built
// by hand below), from the reference library's own serialisation test vectors, and from the
// fixtures in tests/nn/fixtures/, which make_fixtures.py laid out without candor (numpy's float16
// and torch's bfloat16 conversions for the half-precision bits).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/files.h"
#include "engine/generator.h"
#include "engine/ops/ops.h"
#include "nn/safetensors.h"
#include "tests/support/checks.h"
#include "tests/support/temp_dir.h"

using namespace candor;
using namespace candor::nn;
namespace fs = std::filesystem;

using candor::testing::TempDir;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// ---- building files by hand, from the specification ----

std::string le(uint64_t v, int bytes) {
  std::string s;
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}

std::string le_f32(const std::vector<float>& values) {
  std::string s;
  for (float v : values) s += le(std::bit_cast<uint32_t>(v), 4);
  return s;
}

// 8-byte little-endian header length, the header (padded with spaces to a multiple of 8 unless
// `pad` is false), then the data section.
std::string make_file(std::string header, const std::string& data, bool pad = true) {
  if (pad) header.append((8 - header.size() % 8) % 8, ' ');
  return le(header.size(), 8) + header + data;
}

uint64_t header_length(const std::string& bytes) {
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  return n;
}
std::string header_of(const std::string& bytes) { return bytes.substr(8, header_length(bytes)); }
std::string data_of(const std::string& bytes) { return bytes.substr(8 + header_length(bytes)); }

std::vector<uint16_t> u16s(const std::string& data) {
  std::vector<uint16_t> out;
  for (size_t i = 0; i + 1 < data.size(); i += 2) {
    out.push_back(static_cast<uint16_t>(static_cast<unsigned char>(data[i]) |
                                        (static_cast<unsigned char>(data[i + 1]) << 8)));
  }
  return out;
}

fs::path fixture(const std::string& name) { return fs::path(__FILE__).parent_path() / "fixtures" / name; }

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// Same dtype, shape and bits (NaN payloads and signed zeros included).
void check_same_bits(const std::string& name, const Tensor& got, const Tensor& want) {
  INFO("tensor " << name);
  REQUIRE(got.defined());
  CHECK(got.dtype() == want.dtype());
  CHECK(got.shape() == want.shape());
  if (got.dtype() != want.dtype() || got.shape() != want.shape() || want.numel() == 0) return;
  CHECK(std::memcmp(got.raw_data(), want.raw_data(), want.numel() * dtype_size(want.dtype())) == 0);
}

void check_same_tensors(const std::map<std::string, Tensor>& got, const std::map<std::string, Tensor>& want) {
  CHECK(got.size() == want.size());
  for (const auto& entry : want) {
    const auto& name = entry.first;
    const auto& tensor = entry.second;
    auto it = got.find(name);
    REQUIRE_MESSAGE(it != got.end(), "missing tensor " << name);
    check_same_bits(name, it->second, tensor);
  }
}

std::vector<uint32_t> float_bits(const Tensor& t) {
  std::vector<uint32_t> bits;
  for (float v : t.to_vector<float>()) bits.push_back(std::bit_cast<uint32_t>(v));
  return bits;
}

// The F16 or BF16 bits the writer stores for `t`.
std::vector<uint16_t> stored_bits(const Tensor& t, StoredType stored, const char* dtype) {
  std::string bytes = to_safetensors_bytes({{"x", t}}, {}, stored);
  CHECK(header_of(bytes).find(fmt::format("\"dtype\":\"{}\"", dtype)) != std::string::npos);
  return u16s(data_of(bytes));
}

// The float32 values the reader makes of F16 or BF16 `bits`.
Tensor loaded_from_bits(const char* dtype, const std::vector<uint16_t>& bits) {
  std::string data;
  for (uint16_t b : bits) data += le(b, 2);
  std::string header = fmt::format(R"({{"x":{{"dtype":"{}","shape":[{}],"data_offsets":[0,{}]}}}})", dtype,
                                   bits.size(), data.size());
  SafetensorsFile f = parse_safetensors(make_file(header, data));
  CHECK(f.stored_dtype.at("x") == dtype);
  return f.tensors.at("x");
}

// The dictionary of tests/nn/fixtures/same.safetensors (make_fixtures.py, SAME).
std::map<std::string, Tensor> same_fixture_tensors() {
  std::vector<float> w;
  for (int i = 0; i < 12; ++i) w.push_back(0.5f * static_cast<float>(i) - 2.0f);
  return {
      {"w", from_vector(w, {2, 3, 2})},
      {"special",
       from_vector(std::vector<float>{kInf, -kInf, kNaN, -0.0f, std::numeric_limits<float>::denorm_min()},
                   {5})},
      {"scalar", scalar(3.25)},
      {"empty", zeros({0, 3})},
      {"a.bias", from_vector(std::vector<float>{1.0f, 2.0f}, {2})},
      {"b", from_vector(std::vector<double>{0.1, -1e300, std::numeric_limits<double>::denorm_min()}, {3})},
      {"ids", from_vector(std::vector<int64_t>{0, -1, std::numeric_limits<int64_t>::max(),
                                               std::numeric_limits<int64_t>::min()},
                          {2, 2})},
      {"z.empty64", zeros({0}, kInt64)},
  };
}
const std::map<std::string, std::string> kSameMetadata = {
    {"format", "pt"}, {"candor", "{\"hidden\": [64, 64]}\nna\xc3\xafve\ttab \x01 end/slash"}};

// One header entry, `"name":{"dtype":...,"shape":...,"data_offsets":...}`, as text.
std::string entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  const std::string& offsets) {
  return fmt::format(R"("{}":{{"dtype":"{}","shape":{},"data_offsets":{}}})", name, dtype, shape, offsets);
}

// `{body}` (built by appending: GCC 12 warns falsely on "{" + std::string&& at -O3, bug 105329).
std::string braced(const std::string& body) {
  std::string s = "{";
  s += body;
  s += '}';
  return s;
}

void check_refused(const std::string& bytes, const std::vector<std::string>& parts) {
  std::vector<std::string> all = {"model.safetensors: "};
  all.insert(all.end(), parts.begin(), parts.end());
  testing::check_throws<CheckpointError>([&] { parse_safetensors(bytes, "model.safetensors"); }, all);
}

}  // namespace

TEST_CASE("safetensors: F32, F64 and I64 round-trip exactly, from 0-d to 3-d and empty") {
  Generator gen(7);
  std::map<std::string, Tensor> tensors = {
      {"block.0.weight", randn({2, 3, 4}, kFloat32, &gen)},
      {"block.0.special", from_vector(std::vector<float>{kInf, -kInf, kNaN, -kNaN, -0.0f, 1e-45f,
                                                         std::numeric_limits<float>::max()},
                                      {7})},
      {"scale", scalar(-1.5)},
      {"empty", zeros({0, 3})},
      {"empty64", zeros({2, 0, 5}, kFloat64)},
      {"double", randn({5}, kFloat64, &gen)},
      {"double0", scalar(1.0 / 3.0, kFloat64)},
      {"ids", from_vector(std::vector<int64_t>{std::numeric_limits<int64_t>::min(), -1, 0,
                                               std::numeric_limits<int64_t>::max()},
                          {4})},
      {"step", scalar(12345678901234.0, kInt64)},
      {"", from_vector(std::vector<float>{4.0f}, {1, 1, 1})},  // the empty name is a valid JSON key
  };
  const std::string bytes = to_safetensors_bytes(tensors);
  SafetensorsFile parsed = parse_safetensors(bytes);
  check_same_tensors(parsed.tensors, tensors);
  CHECK(parsed.metadata.empty());
  CHECK(parsed.stored_dtype.at("block.0.weight") == "F32");
  CHECK(parsed.stored_dtype.at("double") == "F64");
  CHECK(parsed.stored_dtype.at("ids") == "I64");
  CHECK(header_length(bytes) % 8 == 0);

  TempDir dir;
  const std::string path = (dir.root() / "model.safetensors").string();
  save_safetensors(path, tensors);
  CHECK(read_bytes(path) == bytes);  // save writes exactly to_safetensors_bytes
  CHECK(std::distance(fs::directory_iterator(dir.root()), fs::directory_iterator()) == 1);  // no temporary left
  SafetensorsFile loaded = load_safetensors(path);
  check_same_tensors(loaded.tensors, tensors);

  // Writing over an existing checkpoint replaces it.
  save_safetensors(path, {{"only", scalar(2.0)}});
  CHECK(load_safetensors(path).tensors.size() == 1);

  // StoredType::F32 narrows float64 (rounding to nearest) and keeps int64.
  SafetensorsFile narrowed = parse_safetensors(to_safetensors_bytes(tensors, {}, StoredType::F32));
  CHECK(narrowed.tensors.at("double").dtype() == kFloat32);
  CHECK(narrowed.stored_dtype.at("double") == "F32");
  CHECK(narrowed.tensors.at("double0").item<float>() == static_cast<float>(1.0 / 3.0));
  check_same_bits("ids", narrowed.tensors.at("ids"), tensors.at("ids"));
  check_same_bits("block.0.weight", narrowed.tensors.at("block.0.weight"), tensors.at("block.0.weight"));
}

TEST_CASE("safetensors: metadata round-trips and __metadata__ is written only when there is metadata") {
  std::map<std::string, Tensor> tensors = {{"w", ones({2})}};
  std::map<std::string, std::string> metadata = {
      {"config", R"({"model": "mlp", "hidden": [64, 64]})"},
      {"quotes \" and \\ backslash", "line\nbreak\ttab\x01\x1f control, caf\xc3\xa9, \xe2\x82\xac, /"},
      {"empty", ""},
  };
  SafetensorsFile f = parse_safetensors(to_safetensors_bytes(tensors, metadata));
  CHECK(f.metadata == metadata);
  CHECK(header_of(to_safetensors_bytes(tensors)).find("__metadata__") == std::string::npos);
  CHECK(header_of(to_safetensors_bytes(tensors, metadata)).starts_with(R"({"__metadata__":{"config":)"));
  // Metadata alone, without tensors.
  SafetensorsFile only = parse_safetensors(to_safetensors_bytes({}, {{"k", "v"}}));
  CHECK(only.tensors.empty());
  CHECK(only.metadata == std::map<std::string, std::string>{{"k", "v"}});
  // A null __metadata__ (as some writers emit) reads as no metadata.
  CHECK(parse_safetensors(make_file(R"({"__metadata__":null})", "")).metadata.empty());
}

TEST_CASE("safetensors: the writer is deterministic and orders by dtype alignment, then name") {
  std::map<std::string, Tensor> tensors = {
      {"b", ones({1})}, {"a", ones({2}, kFloat64)}, {"c", ones({1}, kInt64)}, {"B", ones({1})}};
  const std::string first = to_safetensors_bytes(tensors, {{"k", "v"}});
  CHECK(first == to_safetensors_bytes(tensors, {{"k", "v"}}));
  // I64 before F64 before F32; "B" (0x42) before "b" (0x62) bytewise; compact JSON, padded.
  CHECK(header_of(first) ==
        R"({"__metadata__":{"k":"v"},"c":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},)"
        R"("a":{"dtype":"F64","shape":[2],"data_offsets":[8,24]},)"
        R"("B":{"dtype":"F32","shape":[1],"data_offsets":[24,28]},)"
        R"("b":{"dtype":"F32","shape":[1],"data_offsets":[28,32]}}     )");
  // Stored as F16, the floats sort after I64 and the float64 one is no longer first among them.
  const std::string half = to_safetensors_bytes(tensors, {}, StoredType::F16);
  CHECK(header_of(half).starts_with(R"({"c":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},)"
                                    R"("B":{"dtype":"F16","shape":[1],"data_offsets":[8,10]},)"
                                    R"("a":{"dtype":"F16")"));
  // Two saves of the same dictionary give identical files.
  TempDir dir;
  save_safetensors((dir.root() / "1.safetensors").string(), tensors, {{"k", "v"}});
  save_safetensors((dir.root() / "2.safetensors").string(), tensors, {{"k", "v"}});
  CHECK(read_bytes(dir.root() / "1.safetensors") == read_bytes(dir.root() / "2.safetensors"));
  CHECK(read_bytes(dir.root() / "1.safetensors") == first);
}

TEST_CASE("safetensors: F16 bit patterns, both ways") {
  const float tie_below_min_normal = 0x1p-14f - 0x1p-25f;  // halfway between 0x03FF and 0x0400
  Tensor f32 = from_vector(std::vector<float>{1.0f,
                                              -2.0f,
                                              65504.0f,
                                              65519.0f,
                                              65520.0f,
                                              0x1p-24f,
                                              0x1p-25f,
                                              0x3p-25f,
                                              0x1p-14f,
                                              tie_below_min_normal,
                                              1.0f + 0x1p-11f,
                                              1.0f + 0x3p-11f,
                                              2049.0f,
                                              2051.0f,
                                              0.1f,
                                              1.0f / 3.0f,
                                              1e-8f,
                                              kInf,
                                              -kInf,
                                              kNaN,
                                              -kNaN,
                                              -0.0f,
                                              1e6f,
                                              -1e6f},
                           {24});
  CHECK(stored_bits(f32, StoredType::F16, "F16") ==
        std::vector<uint16_t>{0x3C00, 0xC000, 0x7BFF, 0x7BFF, 0x7C00, 0x0001, 0x0000, 0x0002,
                              0x0400, 0x0400, 0x3C00, 0x3C02, 0x6800, 0x6802, 0x2E66, 0x3555,
                              0x0000, 0x7C00, 0xFC00, 0x7E00, 0xFE00, 0x8000, 0x7C00, 0xFC00});
  // A float64 is rounded once: 1 + 2^-11 + 2^-40 is just above a tie, so it rounds up (through
  // float32 it would first become the tie 1 + 2^-11 and then round down to 1).
  Tensor f64 = from_vector(std::vector<double>{1.0 + 0x1p-11 + 0x1p-40, 0x1p-25 + 0x1p-60, 65520.0 - 0x1p-30,
                                               1e-300, 1e300, -std::numeric_limits<double>::denorm_min()},
                           {6});
  CHECK(stored_bits(f64, StoredType::F16, "F16") ==
        std::vector<uint16_t>{0x3C01, 0x0001, 0x7BFF, 0x0000, 0x7C00, 0x8000});

  Tensor back = loaded_from_bits("F16", {0x0001, 0x03FF, 0x0400, 0x7BFF, 0x3C00, 0xC000, 0x3555, 0x8001,
                                         0x7C00, 0xFC00, 0x8000, 0x7E00, 0x7C01, 0xFE00});
  CHECK(back.dtype() == kFloat32);
  std::vector<float> v = back.to_vector<float>();
  CHECK(v[0] == 0x1p-24f);  // the smallest subnormal
  CHECK(v[1] == 1023 * 0x1p-24f);
  CHECK(v[2] == 0x1p-14f);
  CHECK(v[3] == 65504.0f);
  CHECK(v[4] == 1.0f);
  CHECK(v[5] == -2.0f);
  CHECK(v[6] == 0.333251953125f);
  CHECK(v[7] == -0x1p-24f);
  CHECK(v[8] == kInf);
  CHECK(v[9] == -kInf);
  CHECK(v[10] == 0.0f);
  CHECK(std::signbit(v[10]));
  std::vector<uint32_t> bits = float_bits(back);
  CHECK(bits[11] == 0x7FC00000u);  // NaN keeps its payload and sign
  CHECK(bits[12] == 0x7F802000u);
  CHECK(bits[13] == 0xFFC00000u);
}

TEST_CASE("safetensors: BF16 bit patterns, both ways") {
  Tensor f32 =
      from_vector(std::vector<float>{1.0f, 1.0f + 0x1p-8f, 1.0f + 0x3p-8f, std::numeric_limits<float>::max(),
                                     3.3895313892515355e38f, 0x1p-133f, 0x1p-134f, 0x3p-134f, 0x1p-149f,
                                     3.14159265f, kInf, -kInf, kNaN, -kNaN, -0.0f, -1.0f},
                  {16});
  CHECK(stored_bits(f32, StoredType::BF16, "BF16") ==
        std::vector<uint16_t>{0x3F80, 0x3F80, 0x3F82, 0x7F80, 0x7F7F, 0x0001, 0x0000, 0x0002, 0x0000, 0x4049,
                              0x7F80, 0xFF80, 0x7FC0, 0xFFC0, 0x8000, 0xBF80});
  Tensor f64 = from_vector(std::vector<double>{1.0 + 0x1p-8 + 0x1p-40, 1e39, -1e-50}, {3});
  CHECK(stored_bits(f64, StoredType::BF16, "BF16") == std::vector<uint16_t>{0x3F81, 0x7F80, 0x8000});
  // int64 tensors stay I64 whatever the float storage.
  CHECK(header_of(to_safetensors_bytes({{"n", ones({1}, kInt64)}}, {}, StoredType::BF16)).find("I64") !=
        std::string::npos);

  Tensor back = loaded_from_bits("BF16", {0x3F80, 0x0001, 0x7F7F, 0x7F80, 0xFF80, 0x4049, 0x8000, 0xFFC1});
  std::vector<float> v = back.to_vector<float>();
  CHECK(v[0] == 1.0f);
  CHECK(v[1] == 0x1p-133f);
  CHECK(v[2] == 3.3895313892515355e38f);
  CHECK(v[3] == kInf);
  CHECK(v[4] == -kInf);
  CHECK(v[5] == 3.140625f);
  CHECK(std::signbit(v[6]));
  CHECK(float_bits(back)[7] == 0xFFC10000u);
}

TEST_CASE("safetensors: the reference library's serialisation test vectors, byte for byte") {
  // The bytes the reference implementation's tests (safetensors/src/tensor.rs) expect from it.
  std::vector<float> values = {0, 1, 2, 3, 4, 5};
  const std::string attn =
      make_file(R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})", le_f32(values));
  CHECK(header_length(attn) == 64);  // already a multiple of 8: no padding
  CHECK(to_safetensors_bytes({{"attn.0", from_vector(values, {1, 2, 3})}}) == attn);
  const std::string attn0 =
      make_file(R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})", le_f32(values));
  CHECK(header_length(attn0) == 72);  // 65 bytes of JSON and 7 spaces
  CHECK(to_safetensors_bytes({{"attn0", from_vector(values, {1, 1, 2, 3})}}) == attn0);
  CHECK(to_safetensors_bytes({}) == std::string("\x08\0\0\0\0\0\0\0{}      ", 16));
  CHECK(to_safetensors_bytes({}, {{"framework", "pt"}}) ==
        std::string("\x28\0\0\0\0\0\0\0", 8) + R"({"__metadata__":{"framework":"pt"}}     )");
  SafetensorsFile f = parse_safetensors(attn0);
  CHECK(f.tensors.at("attn0").shape() == Shape{1, 1, 2, 3});
  CHECK(f.tensors.at("attn0").to_vector<float>() == values);
  // A header without padding (allowed by the format, written by some tools) reads too.
  SafetensorsFile unpadded = parse_safetensors(
      make_file(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", le_f32({2.5f}), false));
  CHECK(unpadded.tensors.at("x").item<float>() == 2.5f);
}

TEST_CASE("safetensors: byte-exact against the fixtures laid out from the specification") {
  SUBCASE("F32, F64 and I64 with metadata (same.safetensors)") {
    const std::string file = read_bytes(fixture("same.safetensors"));
    const auto tensors = same_fixture_tensors();
    CHECK(to_safetensors_bytes(tensors, kSameMetadata) == file);
    SafetensorsFile f = load_safetensors(fixture("same.safetensors").string());
    check_same_tensors(f.tensors, tensors);
    CHECK(f.metadata == kSameMetadata);
    CHECK(f.stored_dtype.at("b") == "F64");
    CHECK(f.stored_dtype.at("z.empty64") == "I64");
  }
  SUBCASE("floats stored as F16 (f16.safetensors)") {
    const std::string file = read_bytes(fixture("f16.safetensors"));
    Tensor h = from_vector(std::vector<float>{1.0f,
                                              -2.0f,
                                              65504.0f,
                                              65519.0f,
                                              65520.0f,
                                              0x1p-24f,
                                              0x1p-25f,
                                              0x3p-25f,
                                              0x1p-14f,
                                              1.0f + 0x1p-11f,
                                              1.0f + 0x3p-11f,
                                              2049.0f,
                                              2051.0f,
                                              0.1f,
                                              1e-8f,
                                              kInf,
                                              -kInf,
                                              kNaN,
                                              -0.0f,
                                              1e6f},
                           {4, 5});
    Tensor d = from_vector(
        std::vector<double>{1.0 + 0x1p-11 + 0x1p-40, 0x1p-25 + 0x1p-60, -(65520.0 - 0x1p-30)}, {3});
    Tensor n = from_vector(std::vector<int64_t>{7, -7}, {2});
    CHECK(to_safetensors_bytes({{"h", h}, {"d", d}, {"n", n}}, {}, StoredType::F16) == file);
    SafetensorsFile f = parse_safetensors(file, "f16.safetensors");
    CHECK(f.stored_dtype.at("h") == "F16");
    CHECK(f.tensors.at("h").shape() == Shape{4, 5});
    std::vector<float> hv = f.tensors.at("h").to_vector<float>();
    std::vector<float> want = {
        1.0f,           -2.0f,   65504.0f, 65504.0f,         kInf, 0x1p-24f, 0.0f,  0x1p-23f, 0x1p-14f, 1.0f,
        1.0f + 0x1p-9f, 2048.0f, 2052.0f,  0.0999755859375f, 0.0f, kInf,     -kInf, kNaN,     -0.0f,    kInf};
    for (size_t i = 0; i < want.size(); ++i) {
      INFO("h[" << i << "]");
      CHECK(((std::isnan(want[i]) && std::isnan(hv[i])) || hv[i] == want[i]));
    }
    CHECK(f.tensors.at("d").to_vector<float>() == std::vector<float>{1.0f + 0x1p-10f, 0x1p-24f, -65504.0f});
    check_same_bits("n", f.tensors.at("n"), n);
  }
  SUBCASE("floats stored as BF16 (bf16.safetensors)") {
    const std::string file = read_bytes(fixture("bf16.safetensors"));
    Tensor g = from_vector(std::vector<float>{1.0f, 1.0f + 0x1p-8f, 1.0f + 0x3p-8f,
                                              std::numeric_limits<float>::max(), 3.3895313892515355e38f,
                                              0x1p-133f, 0x1p-149f, 3.14159265f, kInf, -kInf, -0.0f, -1.0f},
                           {2, 6});
    Tensor i = from_vector(std::vector<int64_t>{-5}, {1});
    CHECK(to_safetensors_bytes({{"g", g}, {"i", i}}, {{"dtype", "bf16"}}, StoredType::BF16) == file);
    SafetensorsFile f = parse_safetensors(file);
    CHECK(f.tensors.at("g").to_vector<float>() == std::vector<float>{1.0f, 1.0f, 1.015625f, kInf,
                                                                     3.3895313892515355e38f, 0x1p-133f, 0.0f,
                                                                     3.140625f, kInf, -kInf, -0.0f, -1.0f});
    CHECK(f.metadata.at("dtype") == "bf16");
  }
  SUBCASE("every dtype candor reads, laid out in name order (mixed.safetensors)") {
    SafetensorsFile f = load_safetensors(fixture("mixed.safetensors").string());
    CHECK(f.tensors.size() == 12);
    std::vector<float> h = f.tensors.at("f16").to_vector<float>();
    CHECK(h[0] == 1.0f);
    CHECK(h[1] == 65504.0f);
    CHECK(h[2] == 0x1p-24f);
    CHECK(h[3] == 1023 * 0x1p-24f);
    CHECK(h[4] == kInf);
    CHECK(h[5] == -kInf);
    CHECK(std::isnan(h[6]));
    CHECK(std::signbit(h[7]));
    CHECK(h[8] == 0.333251953125f);
    std::vector<float> b = f.tensors.at("bf16").to_vector<float>();
    CHECK(b[0] == 1.0f);
    CHECK(b[1] == 3.3895313892515355e38f);
    CHECK(b[2] == 0x1p-133f);
    CHECK(b[3] == kInf);
    CHECK(b[4] == -kInf);
    CHECK(std::isnan(b[5]));
    CHECK(std::signbit(b[6]));
    CHECK(b[7] == 3.140625f);
    CHECK(f.tensors.at("f32").to_vector<float>() == std::vector<float>{1.5f, -0.25f});
    CHECK(f.tensors.at("f64").dtype() == kFloat64);
    CHECK(f.tensors.at("f64").item<double>() == -2.5);
    using I = std::vector<int64_t>;
    CHECK(f.tensors.at("i64").to_vector<int64_t>() == I{-(int64_t{1} << 40)});
    CHECK(f.tensors.at("i32").to_vector<int64_t>() == I{-2147483648LL, 2147483647LL, 0});
    CHECK(f.tensors.at("i16").to_vector<int64_t>() == I{-32768, 32767});
    CHECK(f.tensors.at("i8").to_vector<int64_t>() == I{-128, 127});
    CHECK(f.tensors.at("u32").to_vector<int64_t>() == I{4294967295LL});
    CHECK(f.tensors.at("u16").to_vector<int64_t>() == I{65535});
    CHECK(f.tensors.at("u8").shape() == Shape{2, 1});
    CHECK(f.tensors.at("u8").to_vector<int64_t>() == I{0, 255});
    CHECK(f.tensors.at("bool").to_vector<int64_t>() == I{0, 1, 1});
    // Any nonzero BOOL byte is true.
    SafetensorsFile odd = parse_safetensors(
        make_file(braced(entry("b", "BOOL", "[3]", "[0,3]")), std::string("\x00\x02\xff", 3)));
    CHECK(odd.tensors.at("b").to_vector<int64_t>() == I{0, 1, 1});
    for (const char* name : {"i32", "i16", "i8", "u32", "u16", "u8", "bool"}) {
      CHECK(f.tensors.at(name).dtype() == kInt64);
    }
    CHECK(f.stored_dtype.at("bool") == "BOOL");
    CHECK(f.stored_dtype.at("u16") == "U16");
    CHECK(f.stored_dtype.at("bf16") == "BF16");
  }
}

TEST_CASE("safetensors: malformed files are refused with a message naming the problem") {
  const std::string f32x2 = entry("a", "F32", "[2]", "[0,8]");
  auto file = [](const std::string& body, size_t data_bytes) {
    return make_file(braced(body), std::string(data_bytes, '\0'));
  };
  // Sanity: the well-formed base case loads.
  CHECK(parse_safetensors(file(f32x2, 8)).tensors.at("a").shape() == Shape{2});

  // The length field and the file's size.
  check_refused("", {"has 0 bytes", "fewer than the 8-byte header length"});
  check_refused("abc", {"has 3 bytes"});
  check_refused(le(1000, 8) + std::string(12, ' '), {"header length 1000 runs past the end", "12 bytes"});
  check_refused(le(uint64_t{1} << 40, 8) + "{}",
                {"header length 1099511627776", "over the limit of 100000000"});
  check_refused(le(~uint64_t{0}, 8), {"header length 18446744073709551615", "over the limit"});
  // The JSON.
  check_refused(make_file("", ""), {"the header is empty"});
  check_refused(make_file("[1, 2]", ""), {"starts with byte 0x5b, not '{'"});
  check_refused(make_file(" {}", ""), {"starts with byte 0x20"});
  check_refused(make_file("{not json}", ""), {"the header is not valid JSON", "parse error"});
  check_refused(make_file("{} trailing", ""), {"not valid JSON"});
  check_refused(make_file("{\"a\xff\":1}", ""), {"not valid JSON"});  // not UTF-8
  check_refused(make_file(R"({"a":[[[[[[[[[[1]]]]]]]]]]})", ""), {"nests 9 levels deep"});
  check_refused(file(f32x2 + "," + f32x2, 8),
                {"the header gives the key \"a\" twice", "two tensors with one name"});
  check_refused(file(R"("a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]})", 8),
                {"the key \"dtype\" twice"});
  // Entries.
  check_refused(file(R"("a":5)", 0), {"tensor \"a\" is described by a JSON number, not an object"});
  check_refused(file(R"("a":{"shape":[2],"data_offsets":[0,8]})", 8), {"tensor \"a\" has no \"dtype\""});
  check_refused(file(R"("a":{"dtype":"F32","data_offsets":[0,8]})", 8), {"tensor \"a\" has no \"shape\""});
  check_refused(file(R"("a":{"dtype":"F32","shape":[2]})", 8), {"tensor \"a\" has no \"data_offsets\""});
  check_refused(file(R"("a":{"dtype":4,"shape":[2],"data_offsets":[0,8]})", 8),
                {"tensor \"a\": \"dtype\" is a JSON number (4), not a string"});
  check_refused(file(entry("a", "F32", "\"2\"", "[0,8]"), 8),
                {"\"shape\" is a JSON string (\"2\"), not an array"});
  check_refused(file(entry("a", "F32", "[2]", "[0]"), 8), {"\"data_offsets\" is [0], not [begin, end]"});
  check_refused(file(entry("a", "F32", "[2]", "[0,8,16]"), 8), {"\"data_offsets\" is [0,8,16]"});
  check_refused(file(entry("a", "F32", "[2]", "\"0,8\""), 8), {"\"data_offsets\" is \"0,8\""});
  check_refused(file(entry("a", "F32", "[2]", "[0,8.0]"), 8), {"\"data_offsets\" is [0,8.0]"});
  check_refused(file(entry("a", "F32", "[2]", "[-8,0]"), 8), {"\"data_offsets\" is [-8,0]"});
  check_refused(file(entry("a", "F33", "[2]", "[0,8]"), 8), {"tensor \"a\" has unknown dtype \"F33\""});
  check_refused(file(entry("a", "f32", "[2]", "[0,8]"), 8), {"unknown dtype \"f32\""});
  check_refused(file(entry("a", "U64", "[1]", "[0,8]"), 8),
                {"tensor \"a\" has dtype U64, which candor cannot load"});
  check_refused(file(entry("a", "F8_E4M3", "[8]", "[0,8]"), 8), {"dtype F8_E4M3, which candor cannot load"});
  check_refused(file(entry("a", "F32", "[-2]", "[0,8]"), 8),
                {"shape [-2] holds -2, which is not a non-negative integer"});
  check_refused(file(entry("a", "F32", "[1.5]", "[0,8]"), 8), {"holds 1.5"});
  check_refused(file(entry("a", "F32", "[true]", "[0,8]"), 8), {"holds true"});
  check_refused(file(entry("a", "F32", "[2]", "[8,4]"), 8),
                {"tensor \"a\" has data_offsets [8, 4]: the end is before the beginning"});
  check_refused(file(entry("a", "F32", "[2]", "[0,12]"), 12),
                {"tensor \"a\" is F32 [2] (2 elements of 4 bytes = 8 bytes) but its data_offsets [0, 12] "
                 "hold 12 bytes"});
  check_refused(file(entry("a", "F32", "[4]", "[0,16]"), 8),
                {"tensor \"a\" ends at byte 16 but the data section has 8 bytes (truncated download?)"});
  check_refused(file(entry("a", "F32", "[0]", "[18446744073709551615,18446744073709551615]"), 0),
                {"ends at byte 18446744073709551615 but the data section has 0 bytes"});
  // Sizes that overflow are refused before anything is allocated.
  check_refused(file(entry("a", "F32", "[4294967296,4294967296,4]", "[0,8]"), 8),
                {"shape [4294967296,4294967296,4] has more elements than fit in 64 bits"});
  check_refused(file(entry("a", "F32", "[4294967296,4294967296,0]", "[0,0]"), 0), {"more elements than fit"});
  check_refused(file(entry("a", "F64", "[4611686018427387904]", "[0,8]"), 8),
                {"shape [4611686018427387904] of F64 has more bytes than fit in 64 bits"});
  check_refused(file(entry("a", "F32", "[18446744073709551615]", "[0,8]"), 8),
                {"not a non-negative integer"});
  check_refused(file(entry("a", "F32", "[99999999999999999999]", "[0,4]"), 4), {"holds 1e+20"});
  check_refused(file(entry("a", "F32", "[1e400]", "[0,4]"), 4), {"not valid JSON", "number overflow"});
  {
    std::string shape = "[1";
    for (int i = 0; i < 64; ++i) shape += ",1";
    check_refused(file(entry("a", "F32", shape + "]", "[0,4]"), 4),
                  {"tensor \"a\" has 65 dimensions; candor reads at most 64"});
  }
  // Coverage of the data section.
  check_refused(file(f32x2 + "," + entry("b", "F32", "[2]", "[4,12]"), 12),
                {"tensors \"a\" (bytes [0, 8)) and \"b\" (bytes [4, 12)) overlap"});
  check_refused(file(f32x2 + "," + entry("b", "F32", "[0]", "[4,4]"), 8),
                {"tensors \"a\"", "\"b\" (bytes [4, 4)) overlap"});
  check_refused(file(f32x2 + "," + entry("b", "F32", "[2]", "[12,20]"), 20),
                {"bytes [8, 12) of the data section belong to no tensor (a hole between \"a\" and \"b\")"});
  check_refused(file(entry("a", "F32", "[2]", "[4,12]"), 12),
                {"bytes [0, 4) of the data section belong to no tensor", "\"a\", starts at byte 4"});
  check_refused(file(f32x2, 12),
                {"the data section has 12 bytes but the tensors cover only [0, 8): 4 bytes at the end"});
  check_refused(file("", 4), {"the data section has 4 bytes but the tensors cover only [0, 0)"});
  // __metadata__.
  check_refused(file(R"("__metadata__":{"k":1},)" + f32x2, 8),
                {"\"__metadata__\" entry \"k\" is a JSON number (1), not a string"});
  check_refused(file(R"("__metadata__":{"k":{"nested":"x"}})", 0), {"entry \"k\" is a JSON object"});
  check_refused(file(R"("__metadata__":["k","v"])", 0),
                {"\"__metadata__\" is a JSON array, not an object of strings"});
  check_refused(file(R"("__metadata__":{"k":"v","k":"w"})", 0), {"the key \"k\" twice"});
  // A long tensor name is cut in the message.
  const std::string long_name(5000, 'n');
  const std::string message = testing::message_of<CheckpointError>(
      [&] { parse_safetensors(file(entry(long_name, "F32", "[2]", "[0,9]"), 9)); });
  CHECK(message.find("(5000 bytes)") != std::string::npos);
  CHECK(message.size() < 400);
}

TEST_CASE("safetensors: unreadable paths, unwritable destinations and tensors that cannot be written") {
  TempDir dir;
  const std::string missing = (dir.root() / "missing.safetensors").string();
  testing::check_throws<CheckpointError>([&] { load_safetensors(missing); },
                                         {missing + ": cannot open: No such file or directory"});
  testing::check_throws<CheckpointError>([&] { load_safetensors(dir.root().string()); }, {"is a directory"});
  const std::string nowhere = (dir.root() / "no" / "such" / "dir" / "m.safetensors").string();
  testing::check_throws<FileError>(
      [&] {
        save_safetensors(nowhere, {{"a", ones({1})}});
      },
      {"cannot write " + nowhere + ": No such file or directory"});
  CHECK_FALSE(fs::exists(nowhere));
  // A destination that is a directory: the temporary file is removed again.
  const fs::path target = dir.root() / "taken";
  fs::create_directories(target);
  testing::check_throws<FileError>(
      [&] {
        save_safetensors(target.string(), {{"a", ones({1})}});
      },
      {"cannot write " + target.string() + ": Is a directory"});
  CHECK(fs::is_empty(target));
  for (const fs::directory_entry& e : fs::directory_iterator(dir.root())) {
    CHECK_MESSAGE(e.path().filename().string().find(".tmp") == std::string::npos, e.path());
  }

  testing::check_throws<CheckpointError>(
      [&] {
        to_safetensors_bytes({{"__metadata__", ones({1})}});
      },
      {"cannot be named \"__metadata__\""});
  testing::check_throws<CheckpointError>(
      [&] {
        to_safetensors_bytes({{"w", Tensor()}});
      },
      {"tensor \"w\" is undefined"});
  testing::check_throws<CheckpointError>(
      [&] {
        to_safetensors_bytes({{"bad\xff", ones({1})}});
      },
      {"tensor name", "is not valid UTF-8"});
  testing::check_throws<CheckpointError>(
      [&] {
        to_safetensors_bytes({}, {{"k", "\xc3("}});
      },
      {"metadata value of \"k\" is not valid UTF-8"});
}

TEST_CASE("safetensors: a file cut at any point is refused, never crashes") {
  TempDir dir;
  for (const std::string& whole :
       {read_bytes(fixture("same.safetensors")), read_bytes(fixture("mixed.safetensors")),
        to_safetensors_bytes({{"w", ones({3, 3})}, {"e", zeros({0})}}, {{"k", "v"}}, StoredType::BF16)}) {
    REQUIRE_NOTHROW(parse_safetensors(whole));
    int refused = 0;
    for (size_t cut = 0; cut < whole.size(); ++cut) {
      INFO("cut at " << cut << " of " << whole.size());
      CHECK_THROWS_AS(parse_safetensors(std::string_view(whole).substr(0, cut)), CheckpointError);
      ++refused;
    }
    CHECK(refused == static_cast<int>(whole.size()));
    // The file reader too, at a few cuts: inside the length, inside the header, inside the data.
    for (size_t cut :
         {size_t{0}, size_t{5}, size_t{8}, size_t{40}, 8 + header_length(whole), whole.size() - 1}) {
      const fs::path path = dir.root() / "cut.safetensors";
      write_bytes(path, whole.substr(0, cut));
      INFO("file cut at " << cut);
      CHECK_THROWS_AS(load_safetensors(path.string()), CheckpointError);
    }
  }
  // The message for a cut in the data section points at the likely cause.
  const std::string whole = read_bytes(fixture("same.safetensors"));
  check_refused(whole.substr(0, whole.size() - 4),
                {"tensor \"w\" ends at byte 136 but the data section has 132 bytes (truncated download?)"});
}

TEST_CASE("safetensors: 500 random corruptions each load or throw CheckpointError") {
  const std::string base = read_bytes(fixture("same.safetensors"));
  const uint64_t header_end = 8 + header_length(base);
  const std::string structural = "{}[]\":,-.0123456789e \\";
  Generator gen(20240607);
  int loaded = 0, refused = 0;
  for (int iteration = 0; iteration < 500; ++iteration) {
    std::string bytes = base;
    const int flips = 1 + static_cast<int>(gen.next_u64() % 4);
    for (int k = 0; k < flips; ++k) {
      // Mostly the length field and the header, where the checks are; sometimes the data.
      const uint64_t where = gen.next_u64() % 8;
      const uint64_t pos = where < 1   ? gen.next_u64() % 8
                           : where < 5 ? 8 + gen.next_u64() % (header_end - 8)
                                       : header_end + gen.next_u64() % (bytes.size() - header_end);
      const uint64_t what = gen.next_u64();
      bytes[pos] = (what & 1) != 0 ? structural[(what >> 1) % structural.size()]
                                   : static_cast<char>(bytes[pos] ^ static_cast<char>(1 + (what >> 1) % 255));
    }
    if (iteration % 50 == 0) bytes.resize(gen.next_u64() % bytes.size());  // and a few cuts
    try {
      SafetensorsFile f = parse_safetensors(bytes, "corrupt.safetensors");
      ++loaded;
      for (const auto& [name, t] : f.tensors) CHECK(t.defined());
    } catch (const CheckpointError& e) {
      ++refused;
      CHECK(std::string(e.what()).starts_with("corrupt.safetensors: "));
    } catch (const std::exception& e) {
      FAIL("iteration " << iteration << " threw something other than CheckpointError: " << e.what());
    }
  }
  CHECK(loaded + refused == 500);
  // Both outcomes happen: flips in the data section load, most flips in the header do not.
  CHECK(loaded > 50);
  CHECK(refused > 250);
}
