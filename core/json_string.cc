#include "core/json_string.h"

namespace tt {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD"; // U+FFFD

} // namespace

Utf8Sequence utf8Sequence(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t need = 0;
  unsigned lo = 0x80;
  unsigned hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    lo = lead == 0xE0 ? 0xA0 : 0x80;
    hi = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    lo = lead == 0xF0 ? 0x90 : 0x80;
    hi = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return {1, false};
  }
  size_t length = 1;
  for (; length <= need && i + length < text.size(); ++length) {
    const auto c = static_cast<unsigned char>(text[i + length]);
    if (c < lo || c > hi) {
      break;
    }
    lo = 0x80; // only the second byte has a narrower range
    hi = 0xBF;
  }
  return {length, length == need + 1};
}

void appendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0; // start of the bytes that need no escaping
  const auto flush = [&](size_t end) { out.append(text.substr(run, end - run)); };
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    size_t length = 1;
    if (c >= 0x80) {
      const Utf8Sequence sequence = utf8Sequence(text, i);
      if (sequence.wellFormed) {
        i += sequence.length;
        continue;
      }
      length = sequence.length;
    }
    flush(i);
    switch (c) {
    case '"':
      out.append("\\\"");
      break;
    case '\\':
      out.append("\\\\");
      break;
    case '\b':
      out.append("\\b");
      break;
    case '\f':
      out.append("\\f");
      break;
    case '\n':
      out.append("\\n");
      break;
    case '\r':
      out.append("\\r");
      break;
    case '\t':
      out.append("\\t");
      break;
    default:
      if (c < 0x20) {
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
      } else {
        out.append(kReplacement);
      }
    }
    i += length;
    run = i;
  }
  flush(text.size());
  out.push_back('"');
}

} // namespace tt
