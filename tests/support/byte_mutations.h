#pragma once

#include <random>
#include <string>
#include <string_view>

namespace tt::test {

// `text` after 1 to 3 random edits, each a byte replaced, removed or inserted, the new bytes drawn
// from `noise`: documents whose meaning or validity changed, for the scans held against nlohmann.
inline std::string mutated(std::string text, std::string_view noise, std::mt19937& rng) {
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    const size_t at = rng() % text.size();
    const char byte = noise[rng() % noise.size()];
    switch (rng() % 3) {
    case 0:
      text[at] = byte;
      break;
    case 1:
      text.erase(at, 1);
      break;
    default:
      text.insert(at, 1, byte);
      break;
    }
  }
  return text;
}

} // namespace tt::test
