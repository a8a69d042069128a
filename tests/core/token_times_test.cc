#include "core/token_times.h"

#include <catch2/catch.hpp>

#include <limits>
#include <random>

using tt::decodeTokenTimes;
using tt::encodeTokenTimes;

namespace {

std::vector<int64_t> roundTrip(const std::vector<int64_t>& times, int64_t base) {
  const auto decoded = decodeTokenTimes(encodeTokenTimes(times, base), base);
  REQUIRE(decoded.has_value());
  return *decoded;
}

} // namespace

TEST_CASE("100,000 jittered token times round-trip exactly and compactly") {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> gapUs(5'000, 120'000);
  std::vector<int64_t> times;
  int64_t t = 1'234'567;
  for (int i = 0; i < 100'000; ++i) {
    t += gapUs(rng);
    times.push_back(t);
  }
  const std::string blob = encodeTokenTimes(times, 1'000'000);
  CHECK(blob.size() <= 1 + 3 * times.size()); // gaps below 2^20 us take at most 3 bytes
  CHECK(roundTrip(times, 1'000'000) == times);
}

TEST_CASE("zero gaps take one byte each") {
  const std::vector<int64_t> times(1000, 500);
  CHECK(encodeTokenTimes(times, 500).size() == 1001);
  CHECK(roundTrip(times, 500) == times);
}

TEST_CASE("huge, negative and extreme gaps round-trip") {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  const std::vector<int64_t> times{0, kMax, kMin, -1, 86'400'000'000, 86'399'999'999, 0};
  CHECK(roundTrip(times, 0) == times);
  CHECK(roundTrip(times, kMin) == times);
}

TEST_CASE("no tokens encode to the format byte alone") {
  CHECK(encodeTokenTimes({}, 7).size() == 1);
  CHECK(roundTrip({}, 7).empty());
}

TEST_CASE("malformed blobs are refused, not misread") {
  CHECK_FALSE(decodeTokenTimes("", 0).has_value());
  CHECK_FALSE(decodeTokenTimes(std::string_view("\x02\x01", 2), 0).has_value()); // unknown format
  CHECK_FALSE(decodeTokenTimes(std::string_view("\x01\x80", 2), 0).has_value()); // cut varint
  const std::string overlong = std::string(1, '\x01') + std::string(11, '\xff') + '\x01';
  CHECK_FALSE(decodeTokenTimes(overlong, 0).has_value());
}
