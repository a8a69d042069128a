#include "tgisim/tokenizer.h"

namespace tt::tgisim {
namespace {

constexpr size_t kWordPieceChars = 4;

bool isWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

bool isSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Length of a special marker at `i` (`<s>`, `</s>`, `<|name|>`), or 0.
size_t markerAt(std::string_view text, size_t i) {
  const std::string_view rest = text.substr(i);
  if (rest.starts_with("<s>")) {
    return 3;
  }
  if (rest.starts_with("</s>")) {
    return 4;
  }
  if (!rest.starts_with("<|")) {
    return 0;
  }
  for (size_t j = 2; j < rest.size() && j < 40; ++j) {
    const unsigned char c = static_cast<unsigned char>(rest[j]);
    if (c == '|') {
      return (j + 1 < rest.size() && rest[j + 1] == '>' && j > 2) ? j + 2 : 0;
    }
    if (!(isWordByte(c) && c < 0x80) && c != '_') {
      return 0;
    }
  }
  return 0;
}

// Bytes of the UTF-8 character starting with `c` (1 for ASCII and stray continuation bytes).
size_t charBytes(unsigned char c) {
  if (c >= 0xF0) {
    return 4;
  }
  if (c >= 0xE0) {
    return 3;
  }
  if (c >= 0xC0) {
    return 2;
  }
  return 1;
}

} // namespace

template <typename Emit> void Tokenizer::scan(std::string_view text, Emit&& emit) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (const size_t m = markerAt(text, i); m > 0) {
      emit(i, i + m, true);
      i += m;
      continue;
    }
    const bool spacedWord =
        c == ' ' && i + 1 < n && isWordByte(static_cast<unsigned char>(text[i + 1]));
    if (isWordByte(c) || spacedWord) {
      size_t j = spacedWord ? i + 1 : i;
      while (j < n && isWordByte(static_cast<unsigned char>(text[j]))) {
        size_t pieceEnd = j;
        for (size_t chars = 0; chars < kWordPieceChars && pieceEnd < n &&
                               isWordByte(static_cast<unsigned char>(text[pieceEnd]));
             ++chars) {
          pieceEnd += charBytes(static_cast<unsigned char>(text[pieceEnd]));
        }
        if (pieceEnd > n) {
          pieceEnd = n;
        }
        emit(i, pieceEnd, false);
        i = pieceEnd;
        j = pieceEnd;
      }
      continue;
    }
    if (isSpace(c)) {
      size_t j = i;
      while (j < n && isSpace(static_cast<unsigned char>(text[j]))) {
        ++j;
      }
      // A final space before a word belongs to the word.
      if (j < n && j - i > 1 && text[j - 1] == ' ' &&
          isWordByte(static_cast<unsigned char>(text[j]))) {
        --j;
      }
      emit(i, j, false);
      i = j;
      continue;
    }
    emit(i, i + 1, false);
    ++i;
  }
}

uint32_t Tokenizer::idOf(std::string_view piece) {
  if (piece == "<s>") {
    return kBosId;
  }
  if (piece == "</s>") {
    return kEosId;
  }
  uint32_t h = 2166136261u;
  for (const char c : piece) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return 3 + h % (kVocabSize - 3);
}

std::vector<TokenPiece> Tokenizer::encode(std::string_view text, bool addSpecialTokens) const {
  std::vector<TokenPiece> out;
  if (addSpecialTokens) {
    out.push_back({.id = kBosId, .text = "<s>", .start = 0, .stop = 0, .special = true});
  }
  scan(text, [&](size_t start, size_t stop, bool special) {
    std::string piece(text.substr(start, stop - start));
    const uint32_t id = idOf(piece);
    out.push_back(
        {.id = id, .text = std::move(piece), .start = start, .stop = stop, .special = special});
  });
  return out;
}

size_t Tokenizer::count(std::string_view text, bool addSpecialTokens) const {
  size_t n = addSpecialTokens ? 1 : 0;
  scan(text, [&](size_t, size_t, bool) { ++n; });
  return n;
}

} // namespace tt::tgisim
