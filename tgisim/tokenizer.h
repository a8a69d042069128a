#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tt::tgisim {

// One token of the stand-in tokenizer: byte offsets into the text it came from.
struct TokenPiece {
  uint32_t id = 0;
  std::string text;
  size_t start = 0;
  size_t stop = 0;
  bool special = false;
};

// A deterministic tokenizer stand-in (README.md, "Tokenizer"): no vocabulary file, stable ids.
//  - `<s>`, `</s>` and `<|name|>` markers are one special token each;
//  - a word (ASCII letters and digits, and every non-ASCII UTF-8 character) with at most one
//    leading space is split into pieces of up to 4 characters (the space rides on the first);
//  - any other run of whitespace is one token; every other ASCII byte is one token.
// Ids are an FNV-1a hash of the piece's text into [3, 32000); `<s>` is 1 and `</s>` is 2.
class Tokenizer {
public:
  static constexpr uint32_t kBosId = 1;
  static constexpr uint32_t kEosId = 2;
  static constexpr uint32_t kVocabSize = 32000;

  // `addSpecialTokens` puts `<s>` first, as TGI's /generate validation does (chat does not).
  std::vector<TokenPiece> encode(std::string_view text, bool addSpecialTokens) const;
  // The number of tokens encode() would return, without building them.
  size_t count(std::string_view text, bool addSpecialTokens) const;
  // The id of one piece's text.
  static uint32_t idOf(std::string_view piece);

private:
  template <typename Emit> static void scan(std::string_view text, Emit&& emit);
};

} // namespace tt::tgisim
