#include "sim/block_allocator.h"
#include "sim/prefix_hash.h"

#include <catch2/catch.hpp>

using namespace tt::sim;

TEST_CASE("block 0 is reserved and reservations round up to whole blocks") {
  BlockAllocator a(1600, 16, false);
  CHECK(a.usableBlocks() == 99);
  const auto x = a.allocate(17, {}, 0);
  REQUIRE(x);
  CHECK(x->blocks == 2);
  CHECK(a.freeBlocks() == 97);
  CHECK_FALSE(a.allocate(97 * 16 + 1, {}, 0));
  a.free(*x, {}, 0, 10);
  CHECK(a.freeBlocks() == 99);
}

TEST_CASE("prefix cache: hits in whole units, LRU eviction of unreferenced leaves") {
  BlockAllocator a(101, 1, true); // 100 usable blocks
  const std::vector<uint64_t> hashes = {1, 2, 3};
  const auto keys3 = unitKeys(hashes, 16, 16, 48);
  REQUIRE(keys3.size() == 3);
  const auto x = a.allocate(49, keys3, 16);
  REQUIRE(x);
  CHECK(x->prefixTokens == 0);
  a.free(*x, keys3, 16, 48);
  CHECK(a.cachedBlocks() == 48); // the prompt's 3 units stay; the generated block is freed
  CHECK(a.freeBlocks() == 52);

  const auto keys2 = unitKeys(hashes, 16, 16, 40);
  const auto y = a.allocate(41, keys2, 16);
  REQUIRE(y);
  CHECK(y->prefixTokens == 32);
  CHECK(y->blocks == 32 + 9);
  CHECK(a.freeBlocks() == 43);
  a.free(*y, keys2, 16, 40);
  CHECK(a.freeBlocks() == 52);

  // 70 blocks: 18 short, so the least recently used leaf (unit 3) then unit 2 are evicted.
  const auto z = a.allocate(70, {}, 0);
  REQUIRE(z);
  CHECK(a.cachedBlocks() == 16);
  CHECK(a.freeBlocks() == 14);
  a.free(*z, {}, 0, 60);
  const auto w = a.allocate(20, keys3, 16);
  REQUIRE(w);
  CHECK(w->prefixTokens == 16);
}

TEST_CASE("a referenced prefix is not evicted, a failed allocation still evicts") {
  BlockAllocator a(101, 1, true);
  const std::vector<uint64_t> hashes = {7, 8};
  const auto keys = unitKeys(hashes, 16, 16, 32);
  const auto x = a.allocate(33, keys, 16);
  REQUIRE(x);
  a.free(*x, keys, 16, 32);
  const auto y = a.allocate(40, keys, 16); // holds the cached 32
  REQUIRE(y);
  CHECK_FALSE(a.allocate(70, {}, 0)); // only 60 free and nothing evictable
  CHECK(a.cachedBlocks() == 32);
  a.free(*y, keys, 16, 32);
  CHECK_FALSE(a.allocate(101, {}, 0)); // evicts everything, still short
  CHECK(a.cachedBlocks() == 0);
  CHECK(a.freeBlocks() == 100);
}

TEST_CASE("hash units: block hashes group or split to the KV block size") {
  CHECK(unitTokensFor(512, 1) == 512);
  CHECK(unitTokensFor(512, 256) == 512);
  CHECK(unitTokensFor(16, 256) == 256);
  CHECK(unitTokensFor(24, 16) == 0);
  const std::vector<uint64_t> h = {1, 2, 3, 4};
  CHECK(unitKeys(h, 16, 32, 100).size() == 2);
  CHECK(unitKeys(h, 16, 16, 50).size() == 3); // only whole units of the prompt
  // Chained: the same block hash after a different prefix is a different unit.
  const std::vector<uint64_t> g = {9, 2};
  CHECK(unitKeys(h, 16, 16, 64)[1] != unitKeys(g, 16, 16, 64)[1]);
  const std::vector<uint32_t> tokens(40, 5);
  CHECK(hashTokenBlocks(tokens, 16).size() == 2);
  CHECK(hashTextBlocks("abcdefgh", 3).size() == 2);
}
