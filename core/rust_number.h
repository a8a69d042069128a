#pragma once

#include <string>

namespace tt {

// Rust's `Display` for f64, as TGI's metrics and serde's messages show numbers: the shortest text
// that reads back, in plain decimals (no exponent, no `.0` on whole numbers); NaN, +Inf, -Inf.
std::string rustNumber(double value);

} // namespace tt
