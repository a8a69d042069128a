#pragma once

#include "sim/radix_trie.h"
#include "sim/token_runs.h"

#include <cstdint>
#include <optional>
#include <span>

namespace tt::sim {

// KV blocks reserved for one scheduler job.
struct Allocation {
  int64_t blocks = 0;                    // prefix blocks shared from the cache + blocks of its own
  int64_t prefixTokens = 0;              // prompt tokens found in the prefix cache (whole blocks)
  int32_t prefixNode = RadixTrie::kRoot; // the cache node the prefix ends in
};

// TGI's block allocators (block_allocator.rs, radix.rs; sim/README.md, "Prefix cache"):
// SimpleAllocator when prefix caching is off, RadixAllocator when on. Block ids do not change
// any decision, so only counts are kept.
class BlockAllocator {
public:
  // `maxBatchTotalTokens / blockSize` blocks of which block 0 is reserved.
  BlockAllocator(int64_t maxBatchTotalTokens, int64_t blockSize, bool prefixCaching);

  // Reserves room for `tokens` tokens of a job whose prompt is `prompt` (empty: the job passes
  // no token ids, so the cache is neither read nor filled). Evicts cached blocks when short; the
  // eviction stays done even when the allocation then fails, as in TGI. Returns nullopt when the
  // blocks are not there.
  std::optional<Allocation> allocate(int64_t tokens, std::span<const TokenRun> prompt);

  // Returns a job's blocks; with prefix caching its prompt's whole blocks join the cache.
  void free(const Allocation& allocation, std::span<const TokenRun> prompt);

  int64_t blockSize() const { return blockSize_; }
  int64_t usableBlocks() const { return usable_; }
  int64_t freeBlocks() const { return free_; }
  int64_t cachedBlocks() const { return trie_.blocks(); }
  int64_t blocksInUse() const { return usable_ - free_; }

private:
  int64_t blockSize_;
  bool prefixCaching_;
  int64_t usable_;
  int64_t free_;
  RadixTrie trie_;
};

} // namespace tt::sim
