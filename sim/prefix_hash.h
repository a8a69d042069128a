#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace tt::sim {

// Prefix identity for the prefix cache. A request names its prompt by one hash per block of
// `hashBlockTokens` tokens, in order: a trace's own block ids (Mooncake `hash_ids`, 512-token
// blocks) or hashes of the prompt's content computed with the helpers below. Hashes are chained
// here, so two prompts share a cache unit only if every block up to it matches.

uint64_t mixHash(uint64_t seed, uint64_t value);

// One hash per whole block of `blockTokens` token ids (a trailing partial block is dropped).
std::vector<uint64_t> hashTokenBlocks(std::span<const uint32_t> tokens, int64_t blockTokens);

// The same over text when no tokenizer is at hand: one hash per whole `blockBytes` bytes.
std::vector<uint64_t> hashTextBlocks(std::string_view text, int64_t blockBytes);

// Tokens per cache unit for hashes of `hashBlockTokens` and KV blocks of `blockSize`: the larger
// of the two when one divides the other, else 0 (prefix caching is then not modelled).
int64_t unitTokensFor(int64_t hashBlockTokens, int64_t blockSize);

// Chained keys of the whole units of a `promptTokens` prompt: as many as the hashes cover.
std::vector<uint64_t> unitKeys(std::span<const uint64_t> blockHashes, int64_t hashBlockTokens,
                               int64_t unitTokens, int64_t promptTokens);

} // namespace tt::sim
