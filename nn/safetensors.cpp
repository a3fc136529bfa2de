// safetensors reader and writer. The format and the choices made here are described in
// safetensors.h; this file is laid out as: the dtypes a file may hold, the F16/BF16 conversions,
// the header checks, reading, writing.
#include "nn/safetensors.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "engine/files.h"

namespace candor::nn {

namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit
constexpr size_t kMaxRank = 64;                    // far above any real tensor, bounds a shape
constexpr int kMaxJsonDepth = 8;                   // a valid header nests 3 deep
constexpr uint64_t kChunkElements = 1 << 16;       // conversions go through buffers this long

[[noreturn]] void fail(const std::string& source, const std::string& message) {
  throw CheckpointError(source + ": " + message);
}

// A tensor name (or any user string) quoted for a message, cut if it is very long.
std::string quote_name(std::string_view s) {
  constexpr size_t kMax = 120;
  if (s.size() <= kMax) return fmt::format("\"{}\"", s);
  return fmt::format("\"{}...\" ({} bytes)", s.substr(0, kMax), s.size());
}

// A JSON value shown in a message, cut if it is very long.
std::string shown(const json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 60) + "...";
  return s;
}

// ---- the dtypes a file may hold ----

enum class Kind { BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64 };

struct KindInfo {
  Kind kind;
  const char* name;
  uint64_t size;  // bytes per element
};

// In the order of the reference implementation's Dtype enum (increasing alignment); the writer
// sorts by the reverse of this order.
constexpr KindInfo kKinds[] = {
    {Kind::BOOL, "BOOL", 1}, {Kind::U8, "U8", 1},   {Kind::I8, "I8", 1},     {Kind::I16, "I16", 2},
    {Kind::U16, "U16", 2},   {Kind::F16, "F16", 2}, {Kind::BF16, "BF16", 2}, {Kind::I32, "I32", 4},
    {Kind::U32, "U32", 4},   {Kind::F32, "F32", 4}, {Kind::F64, "F64", 8},   {Kind::I64, "I64", 8},
};

// dtypes of the format that candor does not load.
constexpr const char* kUnsupported[] = {"U64", "F8_E5M2", "F8_E4M3", "F8_E8M0",
                                        "F4",  "F6_E2M3", "F6_E3M2", "C64"};

const KindInfo& info(Kind kind) {
  for (const KindInfo& k : kKinds) {
    if (k.kind == kind) return k;
  }
  return kKinds[0];  // unreachable: every Kind is in the table
}

int alignment_rank(Kind kind) {
  for (size_t i = 0; i < std::size(kKinds); ++i) {
    if (kKinds[i].kind == kind) return static_cast<int>(i);
  }
  return 0;
}

// The candor dtype a stored dtype loads as.
DType loaded_dtype(Kind kind) {
  switch (kind) {
    case Kind::F64:
      return kFloat64;
    case Kind::F32:
    case Kind::F16:
    case Kind::BF16:
      return kFloat32;
    default:
      return kInt64;
  }
}

// ---- F16 and BF16 ----

// Rounds `x` to the nearest value of a binary floating-point format with `exp_bits` exponent
// bits and `man_bits` stored mantissa bits (ties to even) and returns that value's bits. F16 is
// (5, 10), BF16 is (8, 7). Works on the exact value of x, so a float64 is rounded once.
uint16_t round_to_small_float(double x, int exp_bits, int man_bits) {
  const auto bits = std::bit_cast<uint64_t>(x);
  const auto sign = static_cast<uint16_t>((bits >> 63) << (exp_bits + man_bits));
  const uint64_t exp_field = (bits >> 52) & 0x7FF;
  const uint64_t fraction = bits & ((uint64_t{1} << 52) - 1);
  const auto all_ones = static_cast<uint16_t>(((1u << exp_bits) - 1) << man_bits);  // inf
  if (exp_field == 0x7FF) {  // inf, or NaN -> the quiet NaN
    return sign | all_ones | (fraction != 0 ? static_cast<uint16_t>(1u << (man_bits - 1)) : 0);
  }
  if (exp_field == 0) return sign;  // zero, or a float64 subnormal: far below half the F16/BF16 minimum
  const int bias = (1 << (exp_bits - 1)) - 1;
  const int e = static_cast<int>(exp_field) - 1023;  // x = m * 2^(e - 52), m in [2^52, 2^53)
  const uint64_t m = fraction | (uint64_t{1} << 52);
  if (e > bias) return sign | all_ones;  // at least twice the largest finite value
  // Count x in units of the result's last place, 2^(max(e, emin) - man_bits).
  const int emin = 1 - bias;
  const int shift = 52 - man_bits + (e < emin ? emin - e : 0);
  if (shift > 53) return sign;  // below half the smallest subnormal
  uint64_t q = m >> shift;
  const uint64_t rest = m & ((uint64_t{1} << shift) - 1);
  const uint64_t half = uint64_t{1} << (shift - 1);
  if (rest > half || (rest == half && (q & 1) != 0)) ++q;
  // For a normal, q includes the implicit leading bit, which adds one to the exponent field; a
  // carry out of the mantissa moves on into the exponent the same way. A subnormal that rounds
  // up to 2^man_bits becomes the smallest normal.
  const uint64_t base = e < emin ? 0 : static_cast<uint64_t>(e + bias - 1) << man_bits;
  const uint64_t out = base + q;
  if (out >= all_ones) return sign | all_ones;  // rounded past the largest finite value
  return sign | static_cast<uint16_t>(out);
}

uint16_t to_f16(double x) { return round_to_small_float(x, 5, 10); }
uint16_t to_bf16(double x) { return round_to_small_float(x, 8, 7); }

float from_f16(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h >> 15) << 31;
  const uint32_t exp = (h >> 10) & 0x1F;
  const uint32_t man = h & 0x3FF;
  if (exp == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (man << 13));  // inf, NaN
  if (exp == 0) {  // zero or subnormal: man * 2^-24, exact in float32
    const float v = std::ldexp(static_cast<float>(man), -24);
    return sign != 0 ? -v : v;
  }
  return std::bit_cast<float>(sign | ((exp + 127 - 15) << 23) | (man << 13));
}

// BF16 is the upper half of a float32.
float from_bf16(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

// ---- little-endian bytes ----

uint64_t read_le(const unsigned char* p, uint64_t size) {
  uint64_t v = 0;
  for (uint64_t i = 0; i < size; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

void write_le(unsigned char* p, uint64_t v, uint64_t size) {
  for (uint64_t i = 0; i < size; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

// Only big-endian machines call it (clang notices that this one never does).
[[maybe_unused]] void swap_bytes(void* data, uint64_t count, uint64_t size) {
  auto* p = static_cast<unsigned char*>(data);
  for (uint64_t i = 0; i < count; ++i) std::reverse(p + i * size, p + (i + 1) * size);
}

// ---- the header ----

struct Entry {
  std::string name;
  Kind kind;
  Shape shape;
  int64_t numel;
  uint64_t begin, end;  // within the data section
};

struct Header {
  std::vector<Entry> entries;  // ordered by name
  std::map<std::string, std::string> metadata;
};

// The length field: checks it against the file and returns N.
uint64_t check_header_length(const unsigned char* field, uint64_t file_size, const std::string& source) {
  if (file_size < 8) {
    fail(source, fmt::format("the file has {} bytes, fewer than the 8-byte header length a "
                             "safetensors file starts with (empty, truncated or not a safetensors file?)",
                             file_size));
  }
  const uint64_t n = read_le(field, 8);
  if (n > kMaxHeaderBytes) {
    fail(source, fmt::format("header length {} is over the limit of {} bytes (not a safetensors file?)", n,
                             kMaxHeaderBytes));
  }
  if (n > file_size - 8) {
    fail(source, fmt::format("header length {} runs past the end of the file, which has {} bytes "
                             "after the length field (truncated download?)",
                             n, file_size - 8));
  }
  return n;
}

// A JSON number that is a non-negative integer, or nothing.
std::optional<uint64_t> as_count(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  return std::nullopt;
}

Entry parse_entry(const std::string& name, const json& value, uint64_t data_size, const std::string& source) {
  const std::string tensor = "tensor " + quote_name(name);
  if (!value.is_object()) {
    fail(source, fmt::format("{} is described by a JSON {}, not an object with dtype, shape and "
                             "data_offsets",
                             tensor, value.type_name()));
  }
  auto field = [&](const char* key) -> const json& {
    auto it = value.find(key);
    if (it == value.end()) fail(source, fmt::format("{} has no \"{}\"", tensor, key));
    return *it;
  };
  Entry e;
  e.name = name;

  const json& dtype = field("dtype");
  if (!dtype.is_string()) {
    fail(source, fmt::format("{}: \"dtype\" is a JSON {} ({}), not a string", tensor, dtype.type_name(),
                             shown(dtype)));
  }
  const auto& dtype_name = dtype.get_ref<const std::string&>();
  const KindInfo* kind = nullptr;
  for (const KindInfo& k : kKinds) {
    if (dtype_name == k.name) kind = &k;
  }
  if (kind == nullptr) {
    if (std::find(std::begin(kUnsupported), std::end(kUnsupported), dtype_name) != std::end(kUnsupported)) {
      fail(source, fmt::format("{} has dtype {}, which candor cannot load (it loads F32, F64, I64, "
                               "F16, BF16, I32, I16, I8, U32, U16, U8 and BOOL)",
                               tensor, dtype_name));
    }
    fail(source, fmt::format("{} has unknown dtype {}", tensor, quote_name(dtype_name)));
  }
  e.kind = kind->kind;

  const json& shape = field("shape");
  if (!shape.is_array()) {
    fail(source, fmt::format("{}: \"shape\" is a JSON {} ({}), not an array", tensor, shape.type_name(),
                             shown(shape)));
  }
  if (shape.size() > kMaxRank) {
    fail(source,
         fmt::format("{} has {} dimensions; candor reads at most {}", tensor, shape.size(), kMaxRank));
  }
  // The product of the nonzero sizes must fit in int64 even when another size is 0, so that no
  // later product over the shape can overflow.
  uint64_t product = 1;
  bool has_zero = false;
  for (const json& d : shape) {
    std::optional<uint64_t> size = as_count(d);
    if (!size || *size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      fail(source, fmt::format("{}: shape {} holds {}, which is not a non-negative integer", tensor,
                               shown(shape), shown(d)));
    }
    e.shape.push_back(static_cast<int64_t>(*size));
    if (*size == 0) {
      has_zero = true;
    } else if (__builtin_mul_overflow(product, *size, &product) ||
               product > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      fail(source, fmt::format("{}: shape {} has more elements than fit in 64 bits", tensor, shown(shape)));
    }
  }
  e.numel = has_zero ? 0 : static_cast<int64_t>(product);

  const json& offsets = field("data_offsets");
  std::optional<uint64_t> begin, end;
  if (offsets.is_array() && offsets.size() == 2) {
    begin = as_count(offsets[0]);
    end = as_count(offsets[1]);
  }
  if (!begin || !end) {
    fail(source, fmt::format("{}: \"data_offsets\" is {}, not [begin, end] with two non-negative integers",
                             tensor, shown(offsets)));
  }
  e.begin = *begin;
  e.end = *end;
  if (e.end < e.begin) {
    fail(source, fmt::format("{} has data_offsets [{}, {}]: the end is before the beginning", tensor, e.begin,
                             e.end));
  }
  uint64_t nbytes = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(e.numel), kind->size, &nbytes)) {
    fail(source, fmt::format("{}: shape {} of {} has more bytes than fit in 64 bits", tensor,
                             format_shape(e.shape), kind->name));
  }
  if (e.end - e.begin != nbytes) {
    fail(source, fmt::format("{} is {} {} ({} elements of {} bytes = {} bytes) but its data_offsets "
                             "[{}, {}] hold {} bytes",
                             tensor, kind->name, format_shape(e.shape), e.numel, kind->size, nbytes, e.begin,
                             e.end, e.end - e.begin));
  }
  if (e.end > data_size) {
    fail(source, fmt::format("{} ends at byte {} but the data section has {} bytes (truncated download?)",
                             tensor, e.end, data_size));
  }
  return e;
}

// Checks that the tensors cover the data section exactly, without gaps or overlaps.
void check_coverage(const std::vector<Entry>& entries, uint64_t data_size, const std::string& source) {
  std::vector<const Entry*> order;
  for (const Entry& e : entries) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return std::tie(a->begin, a->end, a->name) < std::tie(b->begin, b->end, b->name);
  });
  uint64_t covered = 0;  // bytes [0, covered) belong to the tensors seen so far
  const Entry* last = nullptr;
  for (const Entry* e : order) {
    if (e->begin < covered) {
      fail(source,
           fmt::format("tensors {} (bytes [{}, {})) and {} (bytes [{}, {})) overlap", quote_name(last->name),
                       last->begin, last->end, quote_name(e->name), e->begin, e->end));
    }
    if (e->begin > covered) {
      if (last == nullptr) {
        fail(source, fmt::format("bytes [0, {}) of the data section belong to no tensor (a hole: the "
                                 "first tensor, {}, starts at byte {})",
                                 e->begin, quote_name(e->name), e->begin));
      }
      fail(source, fmt::format("bytes [{}, {}) of the data section belong to no tensor (a hole between "
                               "{} and {})",
                               covered, e->begin, quote_name(last->name), quote_name(e->name)));
    }
    covered = e->end;
    last = e;
  }
  if (covered != data_size) {
    fail(source, fmt::format("the data section has {} bytes but the tensors cover only [0, {}): {} bytes "
                             "at the end belong to no tensor",
                             data_size, covered, data_size - covered));
  }
}

Header parse_header(std::string_view text, uint64_t data_size, const std::string& source) {
  if (text.empty() || text[0] != '{') {
    fail(source, text.empty() ? std::string("the header is empty (not a safetensors file?)")
                              : fmt::format("the header starts with byte 0x{:02x}, not '{{' (not a "
                                            "safetensors file?)",
                                            static_cast<unsigned char>(text[0])));
  }
  // Keys seen in each object being parsed, to refuse a key given twice (JSON parsers otherwise
  // keep one of the two silently).
  std::vector<std::set<std::string>> keys;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) {
      if (depth >= kMaxJsonDepth) {
        fail(source, fmt::format("the header nests {} levels deep; a safetensors header nests 3", depth + 1));
      }
    }
    if (event == json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (event == json::parse_event_t::object_end && !keys.empty()) {
      keys.pop_back();
    } else if (event == json::parse_event_t::key && !keys.empty()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!keys.back().insert(key).second) {
        fail(source, fmt::format("the header gives the key {} twice{}", quote_name(key),
                                 keys.size() == 1 ? " (two tensors with one name)" : ""));
      }
    }
    return true;
  };
  json root;
  try {
    root = json::parse(text.begin(), text.end(), callback);
  } catch (const json::exception& e) {
    fail(source, fmt::format("the header is not valid JSON: {}", e.what()));
  }
  if (!root.is_object()) {
    fail(source, fmt::format("the header is a JSON {}, not an object", root.type_name()));
  }
  Header header;
  for (const auto& [key, value] : root.items()) {
    if (key == "__metadata__") {
      if (value.is_null()) continue;
      if (!value.is_object()) {
        fail(source,
             fmt::format("\"__metadata__\" is a JSON {}, not an object of strings", value.type_name()));
      }
      for (const auto& [mkey, mvalue] : value.items()) {
        if (!mvalue.is_string()) {
          fail(source, fmt::format("\"__metadata__\" entry {} is a JSON {} ({}), not a string",
                                   quote_name(mkey), mvalue.type_name(), shown(mvalue)));
        }
        header.metadata[mkey] = mvalue.get<std::string>();
      }
      continue;
    }
    header.entries.push_back(parse_entry(key, value, data_size, source));
  }
  check_coverage(header.entries, data_size, source);
  return header;
}

// ---- reading ----

// Copies `n` bytes at `offset` of the data section to `dst`.
using DataReader = std::function<void(uint64_t offset, void* dst, uint64_t n)>;

Tensor read_tensor(const Entry& e, const DataReader& read) {
  Tensor t = Tensor::empty(e.shape, loaded_dtype(e.kind));
  const uint64_t count = static_cast<uint64_t>(e.numel);
  if (count == 0) return t;
  const uint64_t size = info(e.kind).size;
  if (e.kind == Kind::F32 || e.kind == Kind::F64 || e.kind == Kind::I64) {
    read(e.begin, t.raw_data(), count * size);
    if constexpr (std::endian::native == std::endian::big) swap_bytes(t.raw_data(), count, size);
    return t;
  }
  std::vector<unsigned char> buffer(std::min(count, kChunkElements) * size);
  for (uint64_t first = 0; first < count; first += kChunkElements) {
    const uint64_t n = std::min(kChunkElements, count - first);
    read(e.begin + first * size, buffer.data(), n * size);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t v = read_le(buffer.data() + i * size, size);
      switch (e.kind) {
        case Kind::F16:
          t.data<float>()[first + i] = from_f16(static_cast<uint16_t>(v));
          break;
        case Kind::BF16:
          t.data<float>()[first + i] = from_bf16(static_cast<uint16_t>(v));
          break;
        case Kind::BOOL:
          t.data<int64_t>()[first + i] = v != 0 ? 1 : 0;
          break;
        case Kind::I8:
          t.data<int64_t>()[first + i] = static_cast<int8_t>(v);
          break;
        case Kind::I16:
          t.data<int64_t>()[first + i] = static_cast<int16_t>(v);
          break;
        case Kind::I32:
          t.data<int64_t>()[first + i] = static_cast<int32_t>(v);
          break;
        default:
          t.data<int64_t>()[first + i] = static_cast<int64_t>(v);
          break;  // U8, U16, U32
      }
    }
  }
  return t;
}

SafetensorsFile read_all(const Header& header, const DataReader& read) {
  SafetensorsFile file;
  file.metadata = header.metadata;
  for (const Entry& e : header.entries) {
    file.tensors.emplace(e.name, read_tensor(e, read));
    file.stored_dtype.emplace(e.name, info(e.kind).name);
  }
  return file;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// ---- writing ----

struct Planned {
  const std::string* name;
  const Tensor* tensor;
  Kind kind;
  uint64_t begin, end;
};

struct Plan {
  std::string header;  // the JSON, padded
  std::vector<Planned> items;
  uint64_t data_size = 0;
};

Kind stored_kind(DType dtype, StoredType stored) {
  if (dtype == kInt64) return Kind::I64;
  switch (stored) {
    case StoredType::Same:
      return dtype == kFloat64 ? Kind::F64 : Kind::F32;
    case StoredType::F32:
      return Kind::F32;
    case StoredType::F16:
      return Kind::F16;
    case StoredType::BF16:
      return Kind::BF16;
  }
  return Kind::F32;
}

// A string as a JSON string literal, escaped as the reference library's JSON writer does
// (", \ and control characters; other characters, non-ASCII included, as they are).
std::string json_string(const std::string& s, const std::string& what, const std::string& dest) {
  try {
    return json(s).dump();
  } catch (const json::exception&) {
    fail(dest, fmt::format("{} is not valid UTF-8", what));
  }
}

Plan make_plan(const std::map<std::string, Tensor>& tensors,
               const std::map<std::string, std::string>& metadata, StoredType stored,
               const std::string& dest) {
  Plan plan;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__") {
      fail(dest, "a tensor cannot be named \"__metadata__\": the format reserves that key");
    }
    if (!tensor.defined()) fail(dest, fmt::format("tensor {} is undefined", quote_name(name)));
    plan.items.push_back({&name, &tensor, stored_kind(tensor.dtype(), stored), 0, 0});
  }
  std::stable_sort(plan.items.begin(), plan.items.end(), [](const Planned& a, const Planned& b) {
    return alignment_rank(a.kind) > alignment_rank(b.kind);  // names are already in order
  });
  std::string text = "{";
  if (!metadata.empty()) {
    text += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : metadata) {
      if (!first) text += ',';
      first = false;
      text += json_string(key, "metadata key " + quote_name(key), dest);
      text += ':';
      text += json_string(value, "metadata value of " + quote_name(key), dest);
    }
    text += '}';
    if (!plan.items.empty()) text += ',';
  }
  uint64_t offset = 0;
  for (size_t i = 0; i < plan.items.size(); ++i) {
    Planned& p = plan.items[i];
    p.begin = offset;
    p.end = offset + static_cast<uint64_t>(p.tensor->numel()) * info(p.kind).size;
    offset = p.end;
    std::string shape;
    for (int64_t d : p.tensor->shape()) {
      if (!shape.empty()) shape += ',';
      shape += std::to_string(d);
    }
    text += fmt::format("{}{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
                        i == 0 ? "" : ",", json_string(*p.name, "tensor name " + quote_name(*p.name), dest),
                        info(p.kind).name, shape, p.begin, p.end);
  }
  text += '}';
  text.append((8 - text.size() % 8) % 8, ' ');
  plan.header = std::move(text);
  plan.data_size = offset;
  return plan;
}

// Hands the file's bytes, in order, to sink(const void* data, uint64_t n).
template <typename Sink>
void emit(const Plan& plan, Sink&& sink) {
  unsigned char length[8];
  write_le(length, plan.header.size(), 8);
  sink(length, 8);
  sink(plan.header.data(), plan.header.size());
  std::vector<unsigned char> buffer;
  for (const Planned& p : plan.items) {
    const Tensor& t = *p.tensor;
    const uint64_t count = static_cast<uint64_t>(t.numel());
    const uint64_t size = info(p.kind).size;
    if (count == 0) continue;
    const bool same = (p.kind == Kind::F32 && t.dtype() == kFloat32) ||
                      (p.kind == Kind::F64 && t.dtype() == kFloat64) || p.kind == Kind::I64;
    if (same && std::endian::native == std::endian::little) {
      sink(t.raw_data(), count * size);
      continue;
    }
    buffer.resize(std::min(count, kChunkElements) * size);
    for (uint64_t first = 0; first < count; first += kChunkElements) {
      const uint64_t n = std::min(kChunkElements, count - first);
      for (uint64_t i = 0; i < n; ++i) {
        unsigned char* out = buffer.data() + i * size;
        if (t.dtype() == kInt64) {
          write_le(out, static_cast<uint64_t>(t.data<int64_t>()[first + i]), 8);
          continue;
        }
        const double x = t.dtype() == kFloat64 ? t.data<double>()[first + i] : t.data<float>()[first + i];
        switch (p.kind) {
          case Kind::F64:
            write_le(out, std::bit_cast<uint64_t>(x), 8);
            break;
          case Kind::F32:
            write_le(out, std::bit_cast<uint32_t>(static_cast<float>(x)), 4);
            break;
          case Kind::F16:
            write_le(out, to_f16(x), 2);
            break;
          default:
            write_le(out, to_bf16(x), 2);
            break;  // BF16
        }
      }
      sink(buffer.data(), n * size);
    }
  }
}

// 64-bit FNV-1a (Fowler, Noll and Vo; the parameters of draft-eastlake-fnv): not a defence
// against someone who edits the file on purpose, but any flipped bit, truncation patched over,
// or data of another save changes it.
struct Fnv1a {
  uint64_t state = 0xcbf29ce484222325ull;
  void add(const void* data, uint64_t n) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (uint64_t i = 0; i < n; ++i) state = (state ^ bytes[i]) * 0x100000001b3ull;
  }
  std::string hex() const { return fmt::format("{:016x}", state); }
};

// The checksum's check, given a function that hands the data section's bytes, in order, to a sink.
template <typename Feed>
void verify_checksum(const Header& header, uint64_t section_size, const std::string& source, Feed&& feed) {
  const auto it = header.metadata.find(kChecksumKey);
  if (it == header.metadata.end()) return;
  Fnv1a hash;
  feed(section_size, [&](const void* data, uint64_t n) { hash.add(data, n); });
  if (hash.hex() != it->second) {
    fail(source, fmt::format("the tensor data does not match the checksum in the metadata ({} is {}, the data "
                             "hashes to {}): the file was corrupted or changed after it was written",
                             kChecksumKey, it->second, hash.hex()));
  }
}

}  // namespace

// ---- public API ----

std::map<std::string, std::string> with_data_checksum(const std::map<std::string, Tensor>& tensors,
                                                      std::map<std::string, std::string> metadata, StoredType stored) {
  metadata.erase(kChecksumKey);
  const Plan plan = make_plan(tensors, metadata, stored, "with_data_checksum");
  Fnv1a hash;
  uint64_t header_bytes = 8 + plan.header.size();  // emit hands the length and the header first
  emit(plan, [&](const void* data, uint64_t n) {
    const uint64_t skip = std::min(header_bytes, n);
    header_bytes -= skip;
    hash.add(static_cast<const char*>(data) + skip, n - skip);
  });
  metadata[kChecksumKey] = hash.hex();
  return metadata;
}

std::string to_safetensors_bytes(const std::map<std::string, Tensor>& tensors,
                                 const std::map<std::string, std::string>& metadata, StoredType stored) {
  const Plan plan = make_plan(tensors, metadata, stored, "to_safetensors_bytes");
  std::string bytes;
  bytes.reserve(8 + plan.header.size() + plan.data_size);
  emit(plan, [&](const void* data, uint64_t n) { bytes.append(static_cast<const char*>(data), n); });
  return bytes;
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata, StoredType stored) {
  const Plan plan = make_plan(tensors, metadata, stored, path);
  AtomicFile file(path);
  emit(plan, [&](const void* data, uint64_t n) { file.write(data, n); });
  file.commit();
}

SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& source) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const uint64_t n = check_header_length(data, bytes.size(), source);
  const std::string_view section = bytes.substr(8 + n);
  const Header header = parse_header(bytes.substr(8, n), section.size(), source);
  verify_checksum(header, section.size(), source, [&](uint64_t, auto&& sink) { sink(section.data(), section.size()); });
  // Offsets and sizes were checked against the section's length in parse_header.
  return read_all(header, [&](uint64_t offset, void* dst, uint64_t count) {
    std::memcpy(dst, section.data() + offset, count);
  });
}

SafetensorsFile load_safetensors(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, not a safetensors file");
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) fail(path, fmt::format("cannot open: {}", std::strerror(errno)));
  if (fseeko(f.get(), 0, SEEK_END) != 0) fail(path, fmt::format("cannot seek: {}", std::strerror(errno)));
  const off_t end = ftello(f.get());
  if (end < 0) fail(path, fmt::format("cannot tell the file's size: {}", std::strerror(errno)));
  const auto file_size = static_cast<uint64_t>(end);

  auto read_at = [&](uint64_t offset, void* dst, uint64_t count) {
    if (fseeko(f.get(), static_cast<off_t>(offset), SEEK_SET) != 0 ||
        std::fread(dst, 1, count, f.get()) != count) {
      fail(path, fmt::format("cannot read {} bytes at byte {} of the file (was it changed while being "
                             "read?)",
                             count, offset));
    }
  };
  unsigned char length[8] = {};
  if (file_size >= 8) read_at(0, length, 8);
  const uint64_t n = check_header_length(length, file_size, path);
  std::string text(n, '\0');
  read_at(8, text.data(), n);
  const uint64_t section_size = file_size - 8 - n;
  const Header header = parse_header(text, section_size, path);
  verify_checksum(header, section_size, path, [&](uint64_t size, auto&& sink) {
    std::vector<char> chunk(std::min<uint64_t>(size, uint64_t{1} << 20));
    for (uint64_t offset = 0; offset < size; offset += chunk.size()) {
      const uint64_t count = std::min<uint64_t>(chunk.size(), size - offset);
      read_at(8 + n + offset, chunk.data(), count);
      sink(chunk.data(), count);
    }
  });
  return read_all(header,
                  [&](uint64_t offset, void* dst, uint64_t count) { read_at(8 + n + offset, dst, count); });
}

}  // namespace candor::nn
