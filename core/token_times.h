#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tt {

// Compact, lossless encoding of a request's token arrival times (microseconds).
//
// Layout: one format byte (1), then for each time the zigzag LEB128 varint of its difference
// from the previous time, the first one from `baseUs` (the request's send time). Typical
// inter-token gaps of 5-100 ms take 3 bytes; zero gaps take 1; any int64 step fits in 10, and a
// time earlier than the one before it (clock skew in an import) still round-trips.
std::string encodeTokenTimes(std::span<const int64_t> timesUs, int64_t baseUs);

// Decodes what encodeTokenTimes wrote; nullopt when the bytes are not a valid encoding.
std::optional<std::vector<int64_t>> decodeTokenTimes(std::string_view blob, int64_t baseUs);

} // namespace tt
