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
  for (size_t start = 0; start + block <= tokens.size(); start += block) {
    uint64_t h = 0x243f6a8885a308d3ULL;
    for (size_t i = start; i < start + block; ++i) {
      h = mixHash(h, tokens[i]);
    }
    out.push_back(h);
  }
  return out;
}

std::vector<uint64_t> hashTextBlocks(std::string_view text, int64_t blockBytes) {
  std::vector<uint64_t> out;
  if (blockBytes <= 0) {
    return out;
  }
  const size_t block = static_cast<size_t>(blockBytes);
  for (size_t start = 0; start + block <= text.size(); start += block) {
    uint64_t h = 0x13198a2e03707344ULL;
    for (size_t i = start; i < start + block; ++i) {
      h = mixHash(h, static_cast<unsigned char>(text[i]));
    }
    out.push_back(h);
  }
  return out;
}

int64_t unitTokensFor(int64_t hashBlockTokens, int64_t blockSize) {
  if (hashBlockTokens <= 0 || blockSize <= 0) {
    return 0;
  }
  if (hashBlockTokens % blockSize == 0) {
    return hashBlockTokens;
  }
  if (blockSize % hashBlockTokens == 0) {
    return blockSize;
  }
  return 0;
}

std::vector<uint64_t> unitKeys(std::span<const uint64_t> blockHashes, int64_t hashBlockTokens,
                               int64_t unitTokens, int64_t promptTokens) {
  std::vector<uint64_t> keys;
  if (unitTokens <= 0 || hashBlockTokens <= 0) {
    return keys;
  }
  const int64_t hashesPerUnit = unitTokens / hashBlockTokens;
  const int64_t units =
      std::min(static_cast<int64_t>(blockHashes.size()) / hashesPerUnit, promptTokens / unitTokens);
  keys.reserve(static_cast<size_t>(std::max<int64_t>(units, 0)));
  uint64_t chain = 0x452821e638d01377ULL;
  for (int64_t u = 0; u < units; ++u) {
    for (int64_t i = 0; i < hashesPerUnit; ++i) {
      chain = mixHash(chain, blockHashes[static_cast<size_t>(u * hashesPerUnit + i)]);
    }
    keys.push_back(chain);
  }
  return keys;
}

} // namespace tt::sim
