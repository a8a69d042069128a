#include "sim/block_allocator.h"

#include <algorithm>

namespace tt::sim {

BlockAllocator::BlockAllocator(int64_t maxBatchTotalTokens, int64_t blockSize, bool prefixCaching)
    : blockSize_(blockSize), prefixCaching_(prefixCaching),
      usable_(std::max<int64_t>(maxBatchTotalTokens / blockSize - 1, 0)), free_(usable_),
      trie_(blockSize) {}

std::optional<Allocation> BlockAllocator::allocate(int64_t tokens,
                                                   std::span<const TokenRun> prompt) {
  Allocation a;
  if (prefixCaching_ && !prompt.empty()) {
    const RadixTrie::Match m = trie_.find(prompt);
    a.prefixNode = m.node;
    a.prefixTokens = m.tokens;
  }
  // The prefix is held before anything is evicted, so that it stays.
  trie_.incref(a.prefixNode);
  const int64_t suffixBlocks = (tokens - a.prefixTokens + blockSize_ - 1) / blockSize_;
  if (free_ < suffixBlocks) {
    free_ += trie_.evict(suffixBlocks - free_);
  }
  if (free_ < suffixBlocks) {
    trie_.decref(a.prefixNode);
    return std::nullopt;
  }
  free_ -= suffixBlocks;
  a.blocks = a.prefixTokens / blockSize_ + suffixBlocks;
  return a;
}

void BlockAllocator::free(const Allocation& a, std::span<const TokenRun> prompt) {
  trie_.decref(a.prefixNode);
  if (!prefixCaching_ || prompt.empty()) {
    free_ += a.blocks - a.prefixTokens / blockSize_;
    return;
  }
  const int64_t promptTokens = tokenCount(prompt);
  if (promptTokens > a.prefixTokens) {
    const int64_t aligned = promptTokens / blockSize_ * blockSize_;
    if (aligned > 0) {
      // Blocks of tokens another job cached meanwhile are duplicates: back to the pool.
      const int64_t present = trie_.insert(prompt, aligned);
      free_ += std::max<int64_t>(present - a.prefixTokens, 0) / blockSize_;
    }
  }
  // The blocks past the prompt's last whole block (generated tokens) go back to the pool.
  free_ += a.blocks - promptTokens / blockSize_;
}

} // namespace tt::sim
