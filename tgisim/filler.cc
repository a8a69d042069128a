#include "tgisim/filler.h"

#include "core/enum_names.h"
#include "tgisim/tokenizer.h"

#include <array>
#include <charconv>
#include <cstdlib>

namespace tt::tgisim {
namespace {

constexpr std::array kFinishReasonNames{
    std::pair{FinishReason::Length, std::string_view{"length"}},
    std::pair{FinishReason::EosToken, std::string_view{"eos_token"}},
    std::pair{FinishReason::StopSequence, std::string_view{"stop_sequence"}},
};

// Short English words: each is one piece of the stand-in tokenizer once a space precedes it.
constexpr std::array<std::string_view, 64> kWords = {
    "the",  "of",   "and",  "to",   "in",   "is",   "it",  "that", "for", "on",  "was",
    "with", "as",   "at",   "by",   "this", "from", "or",  "be",   "are", "an",  "not",
    "but",  "have", "they", "you",  "we",   "all",  "can", "had",  "her", "one", "our",
    "out",  "day",  "get",  "has",  "him",  "his",  "how", "man",  "new", "now", "old",
    "see",  "two",  "way",  "who",  "boy",  "did",  "its", "let",  "put", "say", "she",
    "too",  "use",  "time", "year", "work", "data", "GPU", "fast", "text"};

// A logprob with a short decimal form, like the f32 values TGI serializes.
double shortLogprob(double u) {
  const float f = static_cast<float>(-3.0 * u);
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, f);
  *result.ptr = '\0';
  return std::strtod(buffer, nullptr);
}

} // namespace

uint64_t SplitMix::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double SplitMix::uniform() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

uint64_t mixSeed(uint64_t a, uint64_t b) {
  SplitMix m(a ^ (b * 0x9E3779B97F4A7C15ull));
  return m.next();
}

uint64_t hashText(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

FillerText::FillerText(uint64_t seed, double eosProbability)
    : rng_(seed), eosProbability_(eosProbability) {}

GenToken FillerText::next() {
  GenToken token;
  const bool eos = produced_ > 0 && eosProbability_ > 0 && rng_.uniform() < eosProbability_;
  ++produced_;
  token.logprob = shortLogprob(rng_.uniform());
  if (eos) {
    token.id = Tokenizer::kEosId;
    token.text = "</s>";
    token.special = true;
    return token;
  }
  token.text = " ";
  token.text += kWords[rng_.next() % kWords.size()];
  token.id = Tokenizer::idOf(token.text);
  return token;
}

std::string_view finishReasonName(FinishReason reason) {
  return nameOf(kFinishReasonNames, reason);
}

} // namespace tt::tgisim
