// The block allocators and TGI's prefix trie (sim/README.md, "Prefix cache"), by hand.
#include "sim/block_allocator.h"
#include "sim/prefix_hash.h"
#include "sim/prompt_identity.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace tt::sim;

namespace {

std::vector<TokenRun> runs(std::initializer_list<TokenRun> list) {
  std::vector<TokenRun> out;
  for (const TokenRun& r : list) {
    appendRun(out, r.id, r.offset, r.length);
  }
  return out;
}

} // namespace

TEST_CASE("block 0 is reserved and reservations round up to whole blocks") {
  BlockAllocator a(1600, 16, false);
  CHECK(a.usableBlocks() == 99);
  const auto x = a.allocate(17, {});
  REQUIRE(x);
  CHECK(x->blocks == 2);
  CHECK(a.freeBlocks() == 97);
  CHECK_FALSE(a.allocate(97 * 16 + 1, {}));
  a.free(*x, {});
  CHECK(a.freeBlocks() == 99);
}

TEST_CASE("prefix cache: a freed prompt stays cached, hits and eviction go token by token") {
  BlockAllocator a(101, 1, true); // 100 usable blocks
  const auto p = runs({{1, 0, 48}});
  const auto x = a.allocate(49, p);
  REQUIRE(x);
  CHECK(x->prefixTokens == 0);
  a.free(*x, p);
  CHECK(a.cachedBlocks() == 48); // the prompt stays; the generated token's block is freed
  CHECK(a.freeBlocks() == 52);

  // The first 40 tokens of the same prompt: all found, the one new block is its own.
  const auto q = runs({{1, 0, 40}});
  const auto y = a.allocate(41, q);
  REQUIRE(y);
  CHECK(y->prefixTokens == 40);
  CHECK(y->blocks == 41);
  CHECK(a.freeBlocks() == 51);
  a.free(*y, q);
  CHECK(a.freeBlocks() == 52);

  // 70 blocks without token ids: 18 short, taken from the tail of the cached prompt.
  const auto z = a.allocate(70, {});
  REQUIRE(z);
  CHECK(a.cachedBlocks() == 30);
  CHECK(a.freeBlocks() == 0);
  a.free(*z, {});
  const auto w = a.allocate(49, p);
  REQUIRE(w);
  CHECK(w->prefixTokens == 30);
  CHECK(w->blocks == 49);
}

TEST_CASE("a referenced prefix is not evicted, a failed allocation still evicts") {
  BlockAllocator a(101, 1, true);
  const auto p = runs({{7, 0, 32}});
  const auto x = a.allocate(33, p);
  REQUIRE(x);
  a.free(*x, p);
  const auto y = a.allocate(40, p); // holds the cached 32
  REQUIRE(y);
  CHECK_FALSE(a.allocate(70, {})); // only 60 free and nothing evictable
  CHECK(a.cachedBlocks() == 32);
  a.free(*y, p);
  CHECK_FALSE(a.allocate(101, {})); // evicts everything, still short
  CHECK(a.cachedBlocks() == 0);
  CHECK(a.freeBlocks() == 100);
}

TEST_CASE("prompts that diverge share their common blocks, the older tail is evicted first") {
  BlockAllocator a(101, 1, true);
  const auto pa = runs({{1, 0, 10}, {2, 0, 10}});
  const auto pb = runs({{1, 0, 10}, {3, 0, 5}});
  const auto x = a.allocate(20, pa);
  REQUIRE(x);
  a.free(*x, pa);
  const auto y = a.allocate(15, pb);
  REQUIRE(y);
  CHECK(y->prefixTokens == 10);
  a.free(*y, pb);
  CHECK(a.cachedBlocks() == 25); // 10 shared + 10 + 5
  // 87 blocks: 12 short. A's tail (10, older) goes whole, then 2 from the end of B's tail; the
  // shared head has a child left and stays.
  const auto z = a.allocate(87, {});
  REQUIRE(z);
  CHECK(a.cachedBlocks() == 13);
  a.free(*z, {});
  const auto fa = a.allocate(20, pa);
  REQUIRE(fa);
  CHECK(fa->prefixTokens == 10);
  a.free(*fa, pa);
  const auto fb = a.allocate(15, pb);
  REQUIRE(fb);
  CHECK(fb->prefixTokens == 13);
}

TEST_CASE("with blocks of 16 tokens, prefixes are cached and found in whole blocks") {
  BlockAllocator a(1600, 16, true); // 99 usable blocks
  const auto p = runs({{1, 0, 40}});
  const auto x = a.allocate(49, p); // 40 prompt + 10 new - 1: 4 blocks
  REQUIRE(x);
  CHECK(x->blocks == 4);
  a.free(*x, p);
  CHECK(a.cachedBlocks() == 2); // 32 of the 40 prompt tokens
  CHECK(a.freeBlocks() == 97);
  const auto y = a.allocate(49, p);
  REQUIRE(y);
  CHECK(y->prefixTokens == 32);
  CHECK(y->blocks == 2 + 2);
}

TEST_CASE("a job's prompt: the trace's prefix ids, then the request's own tokens") {
  const std::vector<uint64_t> hashes = {5, 6};
  // 40 tokens with 16-token ids: 16 + 16 named by the ids, 8 the request's own.
  const auto first = promptRuns({.request = 3,
                                 .originalTokens = 40,
                                 .hashes = hashes,
                                 .hashTokens = 16,
                                 .jobPromptTokens = 40,
                                 .jobInputTokens = 40});
  REQUIRE(first.size() == 3);
  CHECK(first[0].length == 16);
  CHECK(first[1].length == 16);
  CHECK(first[2].offset == 32);
  CHECK(first[2].length == 8);
  // Its continuation starts with the same tokens and goes on with the generated ones.
  const auto next = promptRuns({.request = 3,
                                .originalTokens = 40,
                                .hashes = hashes,
                                .hashTokens = 16,
                                .jobPromptTokens = 1064,
                                .jobInputTokens = 1064});
  REQUIRE(next.size() == 4);
  CHECK(commonTokens(RunCursor(first, 40), RunCursor(next, 1064)) == 40);
  CHECK(next[3].length == 1024);
  // Another request with the same ids shares their 32 tokens, not the rest.
  const auto other = promptRuns({.request = 4,
                                 .originalTokens = 40,
                                 .hashes = hashes,
                                 .hashTokens = 16,
                                 .jobPromptTokens = 40,
                                 .jobInputTokens = 40});
  CHECK(commonTokens(RunCursor(first, 40), RunCursor(other, 40)) == 32);
  // Left-truncated to 30 tokens: a window no other job starts with.
  const auto window = promptRuns({.request = 3,
                                  .originalTokens = 40,
                                  .hashes = hashes,
                                  .hashTokens = 16,
                                  .jobPromptTokens = 40,
                                  .jobInputTokens = 30});
  CHECK(tokenCount(window) == 30);
  CHECK(commonTokens(RunCursor(first, 40), RunCursor(window, 30)) == 0);
}

TEST_CASE("prefix ids from token ids: one per block, the last one partial") {
  const std::vector<uint32_t> tokens(40, 5);
  const auto ids = hashTokenBlocks(tokens, 16);
  REQUIRE(ids.size() == 3);
  CHECK(ids[0] == ids[1]);
  CHECK(ids[2] != ids[1]);
}
