#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tt::proxy {

// SHA-256 (FIPS 180-4), incremental. Used to record what a redacted prompt or body was without
// keeping it; tested against the FIPS 180-4 example vectors.
class Sha256 {
public:
  Sha256();
  void update(std::string_view data);
  // The digest of everything updated so far; the object must not be updated afterwards.
  std::array<uint8_t, 32> finish();
  // finish() as 64 lowercase hex digits.
  std::string finishHex();

private:
  void block(const uint8_t* p);

  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t length_ = 0; // bytes
};

// The hex digest of `data` in one call.
std::string sha256Hex(std::string_view data);

} // namespace tt::proxy
