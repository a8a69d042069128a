#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tt::sim {

// KV blocks reserved for one scheduler job.
struct Allocation {
  int64_t blocks = 0;       // prefix blocks shared from the cache + blocks of its own
  int64_t prefixTokens = 0; // prompt tokens found in the prefix cache
  int64_t matchedUnits = 0; // cache units those tokens span
  int32_t prefixNode = -1;  // deepest matched cache node (-1: none)
};

// TGI's block allocators (reference/tgi.md §2.2): SimpleAllocator when prefix caching is off,
// RadixAllocator when on. Block ids do not change any decision, so only counts are kept.
//
// The prefix cache is a trie of "units": each unit covers a whole number of blocks of prompt
// tokens and is identified by a key that names the whole prefix up to it (chained hashes, see
// prefix_hash.h), so the trie is a hash map from key to node. Matching, reference counts,
// insertion of a freed job's prompt and LRU eviction of unreferenced leaves follow radix.rs,
// except that a unit is evicted whole where TGI may truncate a node.
class BlockAllocator {
public:
  // `maxBatchTotalTokens / blockSize` blocks of which block 0 is reserved.
  BlockAllocator(int64_t maxBatchTotalTokens, int64_t blockSize, bool prefixCaching);

  // Reserves room for `tokens` tokens of a job whose prompt is `promptTokens` long and whose
  // prefix units are `unitKeys` (each `unitTokens` long, a multiple of the block size). Evicts
  // cached blocks when short; the eviction stays done even when the allocation then fails, as
  // in TGI. Returns nullopt when the blocks are not there.
  std::optional<Allocation> allocate(int64_t tokens, std::span<const uint64_t> unitKeys,
                                     int64_t unitTokens);

  // Returns a job's blocks; with prefix caching its prompt's whole units join the cache.
  void free(const Allocation& allocation, std::span<const uint64_t> unitKeys, int64_t unitTokens,
            int64_t promptTokens);

  int64_t blockSize() const { return blockSize_; }
  int64_t usableBlocks() const { return usable_; }
  int64_t freeBlocks() const { return free_; }
  int64_t cachedBlocks() const { return cached_; }
  int64_t blocksInUse() const { return usable_ - free_; }

private:
  struct Node {
    uint64_t key = 0;
    int32_t parent = -1;
    int64_t blocks = 0;
    int64_t refs = 0;
    int32_t children = 0;
    uint64_t lastAccess = 0;
  };

  void incref(int32_t node);
  void decref(int32_t node);
  void touch(int32_t node);
  void evict(int64_t blocksNeeded);
  bool evictable(const Node& n) const { return n.refs == 0 && n.children == 0; }
  int32_t newNode(const Node& node);

  int64_t blockSize_;
  bool prefixCaching_;
  int64_t usable_;
  int64_t free_;
  int64_t cached_ = 0; // blocks held by cache nodes
  uint64_t time_ = 0;
  std::vector<Node> nodes_;
  std::vector<int32_t> freeNodes_;
  std::unordered_map<uint64_t, int32_t> byKey_;
  std::set<std::pair<uint64_t, int32_t>> leaves_; // (lastAccess, node) of evictable leaves
};

} // namespace tt::sim
