#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace tt::sim {

uint64_t mixHash(uint64_t seed, uint64_t value);

// Prefix ids for a prompt whose token ids are known (tgi-sim): one hash per block of
// `blockTokens` token ids, the last block possibly partial, so that two prompts share a block's
// id exactly when they share its tokens (see RequestSpec::blockHashes).
std::vector<uint64_t> hashTokenBlocks(std::span<const uint32_t> tokens, int64_t blockTokens);

} // namespace tt::sim
