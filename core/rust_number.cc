#include "core/rust_number.h"

#include <charconv>
#include <cmath>

namespace tt {

std::string rustNumber(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, result.ptr);
  if (text.find('e') != std::string::npos) {
    char fixed[400];
    const auto r = std::to_chars(fixed, fixed + sizeof fixed, value, std::chars_format::fixed);
    text.assign(fixed, r.ptr);
  }
  return text;
}

} // namespace tt
