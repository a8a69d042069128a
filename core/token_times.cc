#include "core/token_times.h"

namespace tt {
namespace {

constexpr char kFormatV1 = 1;

uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t unzigzag(uint64_t u) {
  return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
}

} // namespace

std::string encodeTokenTimes(std::span<const int64_t> timesUs, int64_t baseUs) {
  constexpr size_t kMaxVarintBytes = 10;
  std::string out(1 + timesUs.size() * kMaxVarintBytes, '\0'); // cut to size at the end
  char* p = out.data();
  *p++ = kFormatV1;
  int64_t previous = baseUs;
  for (const int64_t t : timesUs) {
    // Unsigned subtraction: wraps instead of overflowing, and unzigzag undoes it exactly.
    uint64_t u =
        zigzag(static_cast<int64_t>(static_cast<uint64_t>(t) - static_cast<uint64_t>(previous)));
    while (u >= 0x80) {
      *p++ = static_cast<char>((u & 0x7f) | 0x80);
      u >>= 7;
    }
    *p++ = static_cast<char>(u);
    previous = t;
  }
  out.resize(static_cast<size_t>(p - out.data()));
  return out;
}

std::optional<std::vector<int64_t>> decodeTokenTimes(std::string_view blob, int64_t baseUs) {
  if (blob.empty() || blob.front() != kFormatV1) {
    return std::nullopt;
  }
  std::vector<int64_t> times;
  times.reserve(blob.size());
  uint64_t previous = static_cast<uint64_t>(baseUs);
  size_t i = 1;
  while (i < blob.size()) {
    uint64_t u = 0;
    int shift = 0;
    for (;;) {
      if (i >= blob.size() || shift > 63) {
        return std::nullopt; // truncated or over-long varint
      }
      const auto byte = static_cast<uint8_t>(blob[i++]);
      u |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        break;
      }
      shift += 7;
    }
    previous += static_cast<uint64_t>(unzigzag(u));
    times.push_back(static_cast<int64_t>(previous));
  }
  return times;
}

} // namespace tt
