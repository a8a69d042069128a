#pragma once

#include "sim/token_runs.h"

#include <cstdint>
#include <set>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tt::sim {

// TGI's prefix trie (radix.rs; sim/README.md, "Prefix cache"): a radix trie over token
// identities whose edges hold whole KV blocks, with reference counts (allocations holding a node
// and the node's children), one clock tick per find or insert, and eviction of the least recently
// used unreferenced leaves, a leaf's tail first when only part of it is needed.
class RadixTrie {
public:
  static constexpr int32_t kRoot = 0;

  explicit RadixTrie(int64_t blockSize);

  struct Match {
    int32_t node = kRoot; // where the match ends
    int64_t tokens = 0;   // a whole number of blocks
  };
  // The longest cached prefix of `key` in whole blocks; touches the nodes on its way.
  Match find(std::span<const TokenRun> key);
  // Adds the first `tokens` tokens of `key` (a whole number of blocks); returns how many of them
  // were cached already.
  int64_t insert(std::span<const TokenRun> key, int64_t tokens);
  void incref(int32_t node);
  void decref(int32_t node);
  // Frees up to `blocks` blocks of unreferenced leaves, least recently used first; returns how
  // many it freed.
  int64_t evict(int64_t blocks);

  int64_t blocks() const { return blocks_; }

private:
  struct Node {
    std::vector<TokenRun> key; // the tokens of the edge into this node
    int64_t tokens = 0;
    uint64_t edge = 0; // its entry in children_
    int32_t parent = -1;
    int64_t refs = 0; // allocations holding it, plus its children (as TGI counts them)
    uint64_t lastAccess = 0;
  };

  uint64_t edgeKey(int32_t parent, const RunCursor& at) const;
  void touch(int32_t node);
  int32_t addNode(int32_t parent, const RunCursor& at);
  int32_t split(int32_t node, int64_t tokens);
  void removeNode(int32_t node);
  int32_t newNode();

  int64_t blockSize_;
  uint64_t time_ = 0;
  int64_t blocks_ = 0;
  std::vector<Node> nodes_;
  std::vector<int32_t> freeNodes_;
  std::unordered_map<uint64_t, int32_t> children_; // (parent, first block) -> child
  std::set<std::pair<uint64_t, int32_t>> leaves_;  // (last access, node) of refs == 0
};

} // namespace tt::sim
