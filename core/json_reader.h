#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tt {

enum class JsonKind { None, Null, Bool, Number, String, EmptyString, Object, Array };

// A validating JSON reader with nlohmann's acceptance rules (RFC 8259, well-formed UTF-8, paired
// surrogate escapes, finite numbers) that builds nothing: the hot paths (the proxy's token events,
// the capture writer's request and response fields) read the few members they need from it and
// leave anything unusual to nlohmann. Every reading function returns false on input it refuses or
// does not want to judge: integer parts over 300 digits, exponents beyond a double, nesting deeper
// than 64.
class JsonReader {
public:
  explicit JsonReader(std::string_view text)
      : begin_(reinterpret_cast<const unsigned char*>(text.data())), p_(begin_),
        end_(begin_ + text.size()) {}

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
  bool atNumber() const { return p_ != end_ && (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')); }
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }

  // A string (at its opening quote). `raw` is its bytes between the quotes; `escaped` tells
  // whether raw differs from the decoded text; `decodedBytes`, when given, the decoded UTF-8 size.
  bool string(std::string_view* raw, bool* escaped, size_t* decodedBytes = nullptr);

  // Any value; its kind in `kind`. `depth` counts the containers around it.
  bool value(int depth, JsonKind* kind);

  // A number whose value is an integer that fits int64 (nlohmann's number_integer, read the way
  // nlohmann's get<int64_t> reads it); false for anything else, which the caller cannot judge.
  bool integer(int64_t* out);

  // An object (at '{'). For each member, onMember(key, escaped, keyOffset) is called with the
  // reader at the member's value, which it must read; false from it refuses the document.
  template <class OnMember> bool object(int depth, OnMember&& onMember) {
    if (depth > kMaxDepth || !eat('{')) {
      return false;
    }
    skipSpace();
    if (eat('}')) {
      return true;
    }
    for (;;) {
      skipSpace();
      const size_t keyOffset = offset();
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
      if (!onMember(key, escaped, keyOffset)) {
        return false;
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

  // An array (at '['). For each element, onElement(index) is called with the reader at the
  // element, which it must read; false from it refuses the document.
  template <class OnElement> bool array(int depth, OnElement&& onElement) {
    if (depth > kMaxDepth || !eat('[')) {
      return false;
    }
    skipSpace();
    if (eat(']')) {
      return true;
    }
    for (size_t index = 0;; ++index) {
      skipSpace();
      if (!onElement(index)) {
        return false;
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

private:
  static constexpr int kMaxDepth = 64;   // deeper documents take the slow path
  static constexpr int kMaxDigits = 300; // longer integer parts could overflow a double

  bool literal(std::string_view word);
  bool number();
  bool digitsFollow();
  bool escape(size_t* decodedBytes);
  bool hex4(uint32_t* unit);
  bool utf8();

  const unsigned char* begin_;
  const unsigned char* p_;
  const unsigned char* end_;
};

} // namespace tt
