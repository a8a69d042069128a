#include "proxy/token_scan.h"

#include "core/json_string.h"

#include <cstdint>

namespace tt::proxy {
namespace {

enum class Kind { None, Null, Bool, Number, String, EmptyString, Object, Array };

// A member the decision reads: whether it was seen and the kind of its value.
struct Member {
  bool seen = false;
  Kind kind = Kind::None;
};

constexpr int kMaxDepth = 64;   // deeper documents take the slow path
constexpr int kMaxDigits = 300; // longer integer parts could overflow a double: slow path

bool isHex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}

// A validating JSON reader with nlohmann's acceptance rules (RFC 8259, well-formed UTF-8,
// paired surrogate escapes, finite numbers). Every function returns false on input it refuses
// or does not want to judge.
class Reader {
public:
  explicit Reader(std::string_view s)
      : p_(reinterpret_cast<const unsigned char*>(s.data())), end_(p_ + s.size()) {}

  void skipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) {
      ++p_;
    }
  }
  bool atEnd() const { return p_ == end_; }
  bool eat(char c) {
    if (p_ != end_ && *p_ == static_cast<unsigned char>(c)) {
      ++p_;
      return true;
    }
    return false;
  }
  bool peek(char c) const { return p_ != end_ && *p_ == static_cast<unsigned char>(c); }

  // A string (at its opening quote). `raw` is its bytes between the quotes; `escaped` tells
  // whether raw differs from the decoded text.
  bool string(std::string_view* raw, bool* escaped) {
    if (!eat('"')) {
      return false;
    }
    const unsigned char* start = p_;
    *escaped = false;
    while (p_ != end_) {
      const unsigned char c = *p_;
      if (c == '"') {
        *raw =
            std::string_view(reinterpret_cast<const char*>(start), static_cast<size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c < 0x20) {
        return false;
      }
      if (c == '\\') {
        *escaped = true;
        if (!escape()) {
          return false;
        }
      } else if (c < 0x80) {
        ++p_;
      } else if (!utf8()) {
        return false;
      }
    }
    return false;
  }

  // Any value; its kind in `kind`. `depth` counts the containers around it.
  bool value(int depth, Kind* kind) {
    if (p_ == end_) {
      return false;
    }
    switch (*p_) {
    case '{':
      *kind = Kind::Object;
      return object(depth + 1);
    case '[':
      *kind = Kind::Array;
      return array(depth + 1, nullptr);
    case '"': {
      std::string_view raw;
      bool escaped = false;
      if (!string(&raw, &escaped)) {
        return false;
      }
      *kind = raw.empty() ? Kind::EmptyString : Kind::String;
      return true;
    }
    case 't':
      *kind = Kind::Bool;
      return literal("true");
    case 'f':
      *kind = Kind::Bool;
      return literal("false");
    case 'n':
      *kind = Kind::Null;
      return literal("null");
    default:
      *kind = Kind::Number;
      return number();
    }
  }

  // An array (at '['). When `firstReason` is given, `first` receives the kind of the first
  // element (None for an empty array) and `firstReason` that element's finish_reason member.
  bool array(int depth, Member* firstReason, Kind* first = nullptr) {
    if (depth > kMaxDepth || !eat('[')) {
      return false;
    }
    skipSpace();
    if (eat(']')) {
      return true;
    }
    for (bool head = true;; head = false) {
      skipSpace();
      Kind kind = Kind::Null;
      if (head && firstReason != nullptr && peek('{')) {
        kind = Kind::Object;
        if (!object(depth + 1, firstReason)) {
          return false;
        }
      } else if (!value(depth, &kind)) {
        return false;
      }
      if (head && first != nullptr) {
        *first = kind;
      }
      skipSpace();
      if (eat(']')) {
        return true;
      }
      if (!eat(',')) {
        return false;
      }
    }
  }

  // An object (at '{'). When `reason` is given, its finish_reason member is noted there.
  bool object(int depth, Member* reason = nullptr) {
    if (depth > kMaxDepth || !eat('{')) {
      return false;
    }
    skipSpace();
    if (eat('}')) {
      return true;
    }
    for (;;) {
      skipSpace();
      std::string_view key;
      bool escaped = false;
      if (!string(&key, &escaped)) {
        return false;
      }
      skipSpace();
      if (!eat(':')) {
        return false;
      }
      skipSpace();
      Member* slot = nullptr;
      if (reason != nullptr && (escaped || key == "finish_reason")) {
        if (escaped || reason->seen) {
          return false; // an escaped or repeated key could be the one that counts
        }
        slot = reason;
        slot->seen = true;
      }
      Kind kind = Kind::Null;
      if (!value(depth, &kind)) {
        return false;
      }
      if (slot != nullptr) {
        slot->kind = kind;
      }
      skipSpace();
      if (eat('}')) {
        return true;
      }
      if (!eat(',')) {
        return false;
      }
    }
  }

private:
  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::string_view(reinterpret_cast<const char*>(p_), word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)? ; exponents and very long integers go to the slow path.
  bool number() {
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
    if (eat('.')) {
      if (p_ == end_ || !isDigit(*p_)) {
        return false;
      }
      while (p_ != end_ && isDigit(*p_)) {
        ++p_;
      }
    }
    return digits <= kMaxDigits && !peek('e') && !peek('E');
  }

  // After a backslash: one escape, \u surrogates paired as nlohmann requires.
  bool escape() {
    ++p_;
    if (p_ == end_) {
      return false;
    }
    const unsigned char c = *p_++;
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
      return eat('\\') && eat('u') && hex4(&low) && low >= 0xDC00 && low <= 0xDFFF;
    }
    return true;
  }

  bool hex4(uint32_t* unit) {
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
  bool utf8() {
    const std::string_view rest(reinterpret_cast<const char*>(p_), static_cast<size_t>(end_ - p_));
    const Utf8Sequence seq = utf8Sequence(rest, 0);
    p_ += seq.length;
    return seq.wellFormed;
  }

  const unsigned char* p_;
  const unsigned char* end_;
};

} // namespace

bool isTokenEvent(std::string_view data) {
  Reader r(data);
  r.skipSpace();
  if (!r.eat('{')) {
    return false;
  }
  // The members classifyTgiEvent reads at the top, and the first choice's finish_reason.
  Member error;
  Member token;
  Member generatedText;
  Member choices;
  Member reason;
  Kind firstChoice = Kind::None;
  r.skipSpace();
  if (!r.eat('}')) {
    for (;;) {
      r.skipSpace();
      std::string_view key;
      bool escaped = false;
      if (!r.string(&key, &escaped) || escaped) {
        return false;
      }
      r.skipSpace();
      if (!r.eat(':')) {
        return false;
      }
      r.skipSpace();
      Member* slot = key == "error"            ? &error
                     : key == "token"          ? &token
                     : key == "generated_text" ? &generatedText
                     : key == "choices"        ? &choices
                                               : nullptr;
      if (slot != nullptr && slot->seen) {
        return false; // with repeated members the last one counts: not worth following
      }
      Kind kind = Kind::Null;
      if (slot == &choices && r.peek('[')) {
        kind = Kind::Array;
        if (!r.array(1, &reason, &firstChoice)) {
          return false;
        }
      } else if (!r.value(0, &kind)) {
        return false;
      }
      if (slot != nullptr) {
        slot->seen = true;
        slot->kind = kind;
      }
      r.skipSpace();
      if (r.eat('}')) {
        break;
      }
      if (!r.eat(',')) {
        return false;
      }
    }
  }
  r.skipSpace();
  if (!r.atEnd()) {
    return false;
  }
  if (error.seen && error.kind != Kind::Null) {
    return false;
  }
  if (token.seen && token.kind == Kind::Object) {
    return !(generatedText.seen &&
             (generatedText.kind == Kind::String || generatedText.kind == Kind::EmptyString));
  }
  if (choices.seen && choices.kind == Kind::Array) {
    return firstChoice == Kind::Object && reason.kind != Kind::String;
  }
  return false;
}

} // namespace tt::proxy
