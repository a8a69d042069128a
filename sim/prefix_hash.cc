#include "sim/prefix_hash.h"

#include <algorithm>

namespace tt::sim {

uint64_t mixHash(uint64_t seed, uint64_t value) {
  // splitmix64 finaliser over the combination: cheap and well spread.
  uint64_t z = seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<uint64_t> hashTokenBlocks(std::span<const uint32_t> tokens, int64_t blockTokens) {
  std::vector<uint64_t> out;
  if (blockTokens <= 0) {
    return out;
  }
  const size_t block = static_cast<size_t>(blockTokens);
  for (size_t start = 0; start < tokens.size(); start += block) {
    const size_t end = std::min(start + block, tokens.size());
    uint64_t h = 0x243f6a8885a308d3ULL;
    for (size_t i = start; i < end; ++i) {
      h = mixHash(h, tokens[i]);
    }
    out.push_back(h);
  }
  return out;
}

} // namespace tt::sim
