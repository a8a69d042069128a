#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tt::replay {

// Prompts for traces that carry lengths but no text (docs/replay.md, "Synthesized prompts").
// A prompt is a run of common English words, each with a leading space; the estimate is one
// token per word (true of these words in Llama, Mistral, Qwen and GPT tokenizers), and
// `tokensPerWord` corrects it after calibration through the target's /tokenize. Prefix hash ids
// become shared text: block i of a prompt is the words derived from hashIds[i] alone, so two
// prompts with the same leading ids start with the same text, block for block. Tokens not
// covered by hash ids come from `salt` (unique per request), so unrelated prompts share nothing.
struct SynthOptions {
  double tokensPerWord = 1.0;
  int blockTokens = 512; // tokens per hash id
  // Another seed gives other words with the same sharing between prompts: a server that has
  // seen one set holds none of the next in its prefix cache. 0: the words of every earlier run.
  uint64_t seed = 0;
};

// Words for `tokens` tokens under `options`.
int64_t wordsForTokens(int64_t tokens, const SynthOptions& options);

std::string synthesizePrompt(int64_t tokens, std::span<const int64_t> hashIds, uint64_t salt,
                             const SynthOptions& options);

} // namespace tt::replay
