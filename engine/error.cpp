#include "engine/error.h"

#include <fmt/format.h>

namespace candor {

namespace {
void append_escaped(std::string& out, char c) {
  switch (c) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
    out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
  } else {
    out += c;
  }
}

// The first `limit` bytes of `text`, not ending inside a UTF-8 sequence.
std::string_view head(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}
}  // namespace

std::string quote_value(std::string_view value, std::size_t limit) {
  std::string out = "\"";
  for (char c : head(value, limit)) append_escaped(out, c);
  out += '"';
  if (value.size() > limit) out += fmt::format("... ({} bytes)", value.size());
  return out;
}

std::string one_line(std::string_view message, std::size_t limit) {
  std::string out;
  for (char c : head(message, limit)) append_escaped(out, c);
  if (message.size() > limit) out += fmt::format("... ({} bytes)", message.size());
  return out;
}

}  // namespace candor
