#include "sim/block_allocator.h"

#include <algorithm>

namespace tt::sim {

BlockAllocator::BlockAllocator(int64_t maxBatchTotalTokens, int64_t blockSize, bool prefixCaching)
    : blockSize_(blockSize), prefixCaching_(prefixCaching),
      usable_(std::max<int64_t>(maxBatchTotalTokens / blockSize - 1, 0)), free_(usable_) {}

std::optional<Allocation>
BlockAllocator::allocate(int64_t tokens, std::span<const uint64_t> unitKeys, int64_t unitTokens) {
  Allocation a;
  if (prefixCaching_) {
    for (const uint64_t key : unitKeys) {
      const auto it = byKey_.find(key);
      if (it == byKey_.end()) {
        break;
      }
      a.prefixNode = it->second;
      a.blocks += nodes_[static_cast<size_t>(it->second)].blocks;
      ++a.matchedUnits;
    }
    a.prefixTokens = a.matchedUnits * unitTokens;
  }
  const int64_t suffixBlocks = (tokens - a.prefixTokens + blockSize_ - 1) / blockSize_;
  incref(a.prefixNode);
  if (free_ < suffixBlocks) {
    evict(suffixBlocks - free_);
  }
  if (free_ < suffixBlocks) {
    decref(a.prefixNode);
    return std::nullopt;
  }
  free_ -= suffixBlocks;
  a.blocks += suffixBlocks;
  for (int32_t n = a.prefixNode; n >= 0; n = nodes_[static_cast<size_t>(n)].parent) {
    touch(n);
  }
  return a;
}

void BlockAllocator::free(const Allocation& a, std::span<const uint64_t> unitKeys,
                          int64_t unitTokens, int64_t promptTokens) {
  const int64_t prefixBlocks = a.prefixTokens / blockSize_;
  int64_t own = a.blocks - prefixBlocks;
  if (prefixCaching_ && unitTokens > 0) {
    const int64_t units =
        std::min<int64_t>(static_cast<int64_t>(unitKeys.size()), promptTokens / unitTokens);
    const int64_t blocksPerUnit = unitTokens / blockSize_;
    int32_t parent = a.prefixNode;
    for (int64_t u = a.matchedUnits; u < units; ++u) {
      const uint64_t key = unitKeys[static_cast<size_t>(u)];
      const auto it = byKey_.find(key);
      if (it != byKey_.end()) {
        // Another job cached this unit meanwhile: ours are duplicates and go back to the pool.
        parent = it->second;
        touch(parent);
        continue;
      }
      Node n;
      n.key = key;
      n.parent = parent;
      n.blocks = blocksPerUnit;
      const int32_t id = newNode(n);
      if (parent >= 0) {
        Node& p = nodes_[static_cast<size_t>(parent)];
        if (evictable(p)) {
          leaves_.erase({p.lastAccess, parent});
        }
        ++p.children;
      }
      own -= blocksPerUnit;
      cached_ += blocksPerUnit;
      touch(id);
      parent = id;
    }
  }
  free_ += own;
  decref(a.prefixNode);
}

void BlockAllocator::incref(int32_t node) {
  for (int32_t n = node; n >= 0; n = nodes_[static_cast<size_t>(n)].parent) {
    Node& x = nodes_[static_cast<size_t>(n)];
    if (evictable(x)) {
      leaves_.erase({x.lastAccess, n});
    }
    ++x.refs;
  }
}

void BlockAllocator::decref(int32_t node) {
  for (int32_t n = node; n >= 0; n = nodes_[static_cast<size_t>(n)].parent) {
    Node& x = nodes_[static_cast<size_t>(n)];
    --x.refs;
    if (evictable(x)) {
      leaves_.insert({x.lastAccess, n});
    }
  }
}

void BlockAllocator::touch(int32_t node) {
  Node& x = nodes_[static_cast<size_t>(node)];
  const bool leaf = evictable(x);
  if (leaf) {
    leaves_.erase({x.lastAccess, node});
  }
  x.lastAccess = ++time_;
  if (leaf) {
    leaves_.insert({x.lastAccess, node});
  }
}

void BlockAllocator::evict(int64_t blocksNeeded) {
  int64_t evicted = 0;
  while (evicted < blocksNeeded && !leaves_.empty()) {
    const int32_t id = leaves_.begin()->second;
    leaves_.erase(leaves_.begin());
    Node& x = nodes_[static_cast<size_t>(id)];
    evicted += x.blocks;
    free_ += x.blocks;
    cached_ -= x.blocks;
    byKey_.erase(x.key);
    if (x.parent >= 0) {
      Node& p = nodes_[static_cast<size_t>(x.parent)];
      --p.children;
      if (evictable(p)) {
        leaves_.insert({p.lastAccess, x.parent});
      }
    }
    freeNodes_.push_back(id);
  }
}

int32_t BlockAllocator::newNode(const Node& node) {
  int32_t id = 0;
  if (!freeNodes_.empty()) {
    id = freeNodes_.back();
    freeNodes_.pop_back();
    nodes_[static_cast<size_t>(id)] = node;
  } else {
    id = static_cast<int32_t>(nodes_.size());
    nodes_.push_back(node);
  }
  byKey_.emplace(node.key, id);
  return id;
}

} // namespace tt::sim
