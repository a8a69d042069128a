#include "sim/radix_trie.h"

#include "sim/prefix_hash.h"

namespace tt::sim {

RadixTrie::RadixTrie(int64_t blockSize) : blockSize_(blockSize), nodes_(1) {}

uint64_t RadixTrie::edgeKey(int32_t parent, const RunCursor& at) const {
  return mixHash(static_cast<uint64_t>(parent), at.key(blockSize_));
}

RadixTrie::Match RadixTrie::find(std::span<const TokenRun> key) {
  ++time_;
  Match m;
  RunCursor q(key, tokenCount(key));
  while (q.remaining() >= blockSize_) {
    const auto it = children_.find(edgeKey(m.node, q));
    if (it == children_.end()) {
      break;
    }
    const int32_t child = it->second;
    touch(child);
    const Node& c = nodes_[static_cast<size_t>(child)];
    const int64_t shared = commonTokens(RunCursor(c.key, c.tokens), q) / blockSize_ * blockSize_;
    if (shared == 0) {
      break; // another block under the same key
    }
    m.node = child;
    m.tokens += shared;
    q.skip(shared);
    if (shared < c.tokens) {
      break;
    }
  }
  return m;
}

int64_t RadixTrie::insert(std::span<const TokenRun> key, int64_t tokens) {
  ++time_;
  RunCursor q(key, tokens);
  int32_t node = kRoot;
  int64_t present = 0;
  while (q.remaining() > 0) {
    const auto it = children_.find(edgeKey(node, q));
    if (it == children_.end()) {
      addNode(node, q);
      return present;
    }
    const int32_t child = it->second;
    touch(child);
    const Node& c = nodes_[static_cast<size_t>(child)];
    const int64_t shared = commonTokens(RunCursor(c.key, c.tokens), q) / blockSize_ * blockSize_;
    if (shared == 0) {
      return present; // another block under the same key: left out
    }
    if (shared == q.remaining()) {
      return present + shared;
    }
    node = shared == c.tokens ? child : split(child, shared);
    present += shared;
    q.skip(shared);
  }
  return present;
}

void RadixTrie::incref(int32_t node) {
  if (node == kRoot) {
    return;
  }
  Node& n = nodes_[static_cast<size_t>(node)];
  if (n.refs == 0) {
    leaves_.erase({n.lastAccess, node});
  }
  ++n.refs;
}

void RadixTrie::decref(int32_t node) {
  if (node == kRoot) {
    return;
  }
  Node& n = nodes_[static_cast<size_t>(node)];
  --n.refs;
  if (n.refs == 0) {
    leaves_.insert({n.lastAccess, node});
  }
}

int64_t RadixTrie::evict(int64_t blocks) {
  int64_t evicted = 0;
  while (!leaves_.empty()) {
    const auto [lastAccess, id] = *leaves_.begin();
    leaves_.erase(leaves_.begin());
    Node& n = nodes_[static_cast<size_t>(id)];
    const int64_t needed = blocks - evicted;
    const int64_t own = n.tokens / blockSize_;
    if (needed >= own) {
      removeNode(id);
      evicted += own;
      if (evicted >= blocks) {
        break;
      }
    } else {
      // Only the tail goes; the rest stays a leaf with its access time.
      n.tokens -= needed * blockSize_;
      n.key = sliceRuns(n.key, 0, n.tokens);
      blocks_ -= needed;
      evicted += needed;
      leaves_.insert({lastAccess, id});
      break;
    }
  }
  return evicted;
}

void RadixTrie::touch(int32_t node) {
  Node& n = nodes_[static_cast<size_t>(node)];
  if (leaves_.erase({n.lastAccess, node}) > 0) {
    leaves_.insert({time_, node});
  }
  n.lastAccess = time_;
}

int32_t RadixTrie::addNode(int32_t parent, const RunCursor& at) {
  const int32_t id = newNode();
  Node& n = nodes_[static_cast<size_t>(id)];
  n.tokens = at.remaining();
  n.key = at.take(n.tokens);
  n.parent = parent;
  n.lastAccess = time_;
  n.edge = edgeKey(parent, at);
  children_[n.edge] = id;
  incref(parent);
  leaves_.insert({time_, id});
  blocks_ += n.tokens / blockSize_;
  return id;
}

int32_t RadixTrie::split(int32_t node, int64_t tokens) {
  // The node keeps its id, children, references and access time with the tail of its key; a new
  // parent takes the head (radix.rs split_node).
  const int32_t head = newNode();
  Node& n = nodes_[static_cast<size_t>(node)];
  Node& h = nodes_[static_cast<size_t>(head)];
  h.key = sliceRuns(n.key, 0, tokens);
  h.tokens = tokens;
  h.parent = n.parent;
  h.edge = n.edge;
  h.refs = 1; // the tail
  h.lastAccess = time_;
  children_[h.edge] = head;
  n.key = sliceRuns(n.key, tokens, n.tokens);
  n.tokens -= tokens;
  n.parent = head;
  n.edge = edgeKey(head, RunCursor(n.key, n.tokens));
  children_[n.edge] = node;
  return head;
}

void RadixTrie::removeNode(int32_t node) {
  Node& n = nodes_[static_cast<size_t>(node)];
  children_.erase(n.edge);
  blocks_ -= n.tokens / blockSize_;
  const int32_t parent = n.parent;
  n = Node{};
  freeNodes_.push_back(node);
  decref(parent);
}

int32_t RadixTrie::newNode() {
  if (!freeNodes_.empty()) {
    const int32_t id = freeNodes_.back();
    freeNodes_.pop_back();
    return id;
  }
  nodes_.emplace_back();
  return static_cast<int32_t>(nodes_.size() - 1);
}

} // namespace tt::sim
