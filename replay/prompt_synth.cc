#include "replay/prompt_synth.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

namespace tt::replay {
namespace {

constexpr std::array<std::string_view, 64> kWords = {
    " the",   " of",    " and",  " to",    " in",    " is",    " that",  " for",
    " it",    " as",    " was",  " with",  " be",    " by",    " on",    " not",
    " he",    " this",  " are",  " or",    " his",   " from",  " at",    " which",
    " but",   " have",  " an",   " had",   " they",  " you",   " were",  " their",
    " one",   " all",   " we",   " can",   " her",   " has",   " there", " been",
    " if",    " more",  " when", " will",  " would", " who",   " so",    " no",
    " time",  " world", " year", " water", " house", " light", " book",  " table",
    " green", " small", " city", " river", " music", " paper", " story", " system"};

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void appendWords(std::string& out, uint64_t seed, int64_t count) {
  uint64_t state = splitmix(seed);
  for (int64_t i = 0; i < count; ++i) {
    state = splitmix(state);
    out += kWords[state % kWords.size()];
  }
}

} // namespace

int64_t wordsForTokens(int64_t tokens, const SynthOptions& options) {
  const double perWord = options.tokensPerWord > 0 ? options.tokensPerWord : 1.0;
  return std::max<int64_t>(0, std::llround(static_cast<double>(tokens) / perWord));
}

// Seeds of one SynthOptions::seed lie this far from the next one's (an odd constant, the golden
// ratio's: the words' seeds of two runs never meet for any realistic hash id or salt).
constexpr uint64_t kSeedStride = 0x9E3779B97F4A7C15ULL;

std::string synthesizePrompt(int64_t tokens, std::span<const int64_t> hashIds, uint64_t salt,
                             const SynthOptions& options) {
  std::string out;
  out.reserve(static_cast<size_t>(std::max<int64_t>(tokens, 1)) * 6);
  int64_t remaining = std::max<int64_t>(tokens, 1);
  const int64_t block = options.blockTokens > 0 ? options.blockTokens : remaining;
  for (const int64_t id : hashIds) {
    if (remaining <= 0) {
      break;
    }
    const int64_t take = std::min(block, remaining);
    appendWords(out, static_cast<uint64_t>(id) * 2 + 1 + options.seed * kSeedStride,
                wordsForTokens(take, options));
    remaining -= take;
  }
  if (remaining > 0) {
    appendWords(out, salt * 2 + options.seed * kSeedStride, wordsForTokens(remaining, options));
  }
  if (out.empty()) {
    out = kWords[0];
  }
  return out;
}

} // namespace tt::replay
