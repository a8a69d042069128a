#include "core/json_reader.h"

#include "core/json_string.h"

#include <charconv>

namespace tt {
namespace {

bool isHex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}

size_t utf8Bytes(uint32_t codePoint) {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

} // namespace

bool JsonReader::string(std::string_view* raw, bool* escaped, size_t* decodedBytes) {
  if (!eat('"')) {
    return false;
  }
  const unsigned char* start = p_;
  *escaped = false;
  size_t escapeSavings = 0; // raw bytes minus decoded bytes over the escapes
  while (p_ != end_) {
    const unsigned char c = *p_;
    if (c == '"') {
      *raw =
          std::string_view(reinterpret_cast<const char*>(start), static_cast<size_t>(p_ - start));
      ++p_;
      if (decodedBytes != nullptr) {
        *decodedBytes = raw->size() - escapeSavings;
      }
      return true;
    }
    if (c < 0x20) {
      return false;
    }
    if (c == '\\') {
      *escaped = true;
      const unsigned char* escapeStart = p_;
      size_t bytes = 0;
      if (!escape(&bytes)) {
        return false;
      }
      escapeSavings += static_cast<size_t>(p_ - escapeStart) - bytes;
    } else if (c < 0x80) {
      ++p_;
    } else if (!utf8()) {
      return false;
    }
  }
  return false;
}

bool JsonReader::value(int depth, JsonKind* kind) {
  if (p_ == end_) {
    return false;
  }
  switch (*p_) {
  case '{':
    *kind = JsonKind::Object;
    return object(depth + 1, [&](std::string_view, bool, size_t) {
      JsonKind member = JsonKind::None;
      return value(depth + 1, &member);
    });
  case '[':
    *kind = JsonKind::Array;
    return array(depth + 1, [&](size_t) {
      JsonKind element = JsonKind::None;
      return value(depth + 1, &element);
    });
  case '"': {
    std::string_view raw;
    bool escaped = false;
    if (!string(&raw, &escaped)) {
      return false;
    }
    *kind = raw.empty() ? JsonKind::EmptyString : JsonKind::String;
    return true;
  }
  case 't':
    *kind = JsonKind::Bool;
    return literal("true");
  case 'f':
    *kind = JsonKind::Bool;
    return literal("false");
  case 'n':
    *kind = JsonKind::Null;
    return literal("null");
  default:
    *kind = JsonKind::Number;
    return number();
  }
}

bool JsonReader::integer(int64_t* out) {
  const unsigned char* start = p_;
  if (!number()) {
    return false;
  }
  const auto* first = reinterpret_cast<const char*>(start);
  const auto* last = reinterpret_cast<const char*>(p_);
  const auto [ptr, ec] = std::from_chars(first, last, *out);
  return ec == std::errc() && ptr == last; // a fraction stops from_chars early
}

bool JsonReader::literal(std::string_view word) {
  if (static_cast<size_t>(end_ - p_) < word.size() ||
      std::string_view(reinterpret_cast<const char*>(p_), word.size()) != word) {
    return false;
  }
  p_ += word.size();
  return true;
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? with a finite value, as nlohmann requires;
// integer parts over kMaxDigits digits and exponents out of a double's range are refused (the
// latter could be an underflow, which nlohmann accepts as 0).
bool JsonReader::number() {
  const unsigned char* start = p_;
  eat('-');
  if (p_ == end_ || !isDigit(*p_)) {
    return false;
  }
  int digits = 0;
  if (!eat('0')) {
    while (p_ != end_ && isDigit(*p_)) {
      ++p_;
      ++digits;
    }
  }
  if (eat('.') && !digitsFollow()) {
    return false;
  }
  if (digits > kMaxDigits) {
    return false;
  }
  if (!eat('e') && !eat('E')) {
    return true;
  }
  if (!eat('+')) {
    eat('-');
  }
  if (!digitsFollow()) {
    return false;
  }
  double value = 0;
  const auto [ptr, ec] = std::from_chars(reinterpret_cast<const char*>(start),
                                         reinterpret_cast<const char*>(p_), value);
  return ec == std::errc() && ptr == reinterpret_cast<const char*>(p_);
}

// One or more digits.
bool JsonReader::digitsFollow() {
  if (p_ == end_ || !isDigit(*p_)) {
    return false;
  }
  while (p_ != end_ && isDigit(*p_)) {
    ++p_;
  }
  return true;
}

// After a backslash: one escape, \u surrogates paired as nlohmann requires; `decodedBytes` is
// the size of what it stands for in UTF-8.
bool JsonReader::escape(size_t* decodedBytes) {
  ++p_;
  if (p_ == end_) {
    return false;
  }
  const unsigned char c = *p_++;
  *decodedBytes = 1;
  if (c != 'u') {
    return c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' ||
           c == 't';
  }
  uint32_t unit = 0;
  if (!hex4(&unit)) {
    return false;
  }
  if (unit >= 0xDC00 && unit <= 0xDFFF) {
    return false; // a low surrogate alone
  }
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    uint32_t low = 0;
    *decodedBytes = 4;
    return eat('\\') && eat('u') && hex4(&low) && low >= 0xDC00 && low <= 0xDFFF;
  }
  *decodedBytes = utf8Bytes(unit);
  return true;
}

bool JsonReader::hex4(uint32_t* unit) {
  if (end_ - p_ < 4) {
    return false;
  }
  *unit = 0;
  for (int i = 0; i < 4; ++i) {
    const unsigned char c = *p_++;
    if (!isHex(c)) {
      return false;
    }
    const uint32_t digit = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    *unit = *unit * 16 + digit;
  }
  return true;
}

// One well-formed UTF-8 sequence of 2 to 4 bytes (core/json_string.h).
bool JsonReader::utf8() {
  const std::string_view rest(reinterpret_cast<const char*>(p_), static_cast<size_t>(end_ - p_));
  const Utf8Sequence seq = utf8Sequence(rest, 0);
  p_ += seq.length;
  return seq.wellFormed;
}

} // namespace tt
