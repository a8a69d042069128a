#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tt::tgisim {

// One generated token as TGI reports it (docs/tgi.md, "Non-streaming answers", `Token`).
struct GenToken {
  uint32_t id = 0;
  std::string text;
  double logprob = 0;
  bool special = false; // the end-of-sequence token
};

// A small deterministic PRNG (splitmix64): the same seed gives the same sequence everywhere.
class SplitMix {
public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // Uniform in [0, 1).
  double uniform();

private:
  uint64_t state_;
};

// Mixes several values into one seed.
uint64_t mixSeed(uint64_t a, uint64_t b);
// FNV-1a 64 of a string, for seeding greedy generation from the prompt.
uint64_t hashText(std::string_view text);

// The filler text a request generates (README.md, "Generated text"): words of one to four
// letters from a fixed list, each one token with a leading space, picked by a PRNG seeded per
// request; logprobs in (-3, 0]. With `eosProbability` > 0 every token after the first is the
// end-of-sequence token `</s>` (special) with that probability. Each word re-tokenizes to
// exactly one token of the stand-in tokenizer, so a continuation's prompt grows by one token per
// generated token.
class FillerText {
public:
  FillerText(uint64_t seed, double eosProbability);
  GenToken next();

private:
  SplitMix rng_;
  double eosProbability_;
  int64_t produced_ = 0;
};

// Why a sequence's text ends: TGI's FinishReason (docs/tgi.md, "Non-streaming answers"), of which
// the scheduler model (sim::FinishReason) knows the first two.
enum class FinishReason { Length, EosToken, StopSequence };

std::string_view finishReasonName(FinishReason reason);

} // namespace tt::tgisim
