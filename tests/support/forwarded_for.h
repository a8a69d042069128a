#pragma once

#include "core/http_headers.h"

#include <string>
#include <string_view>

namespace tt::test {

// The reference the proxy's one-pass forwarding is checked against: `clientAddress` appended to
// X-Forwarded-For the way nginx's $proxy_add_x_forwarded_for does, the existing values joined by
// ", " then the address, in one header at the end; or a new header.
inline void appendForwardedFor(Headers& headers, std::string_view clientAddress) {
  std::string joined;
  for (const auto& [name, value] : headers) {
    if (iequals(name, "x-forwarded-for")) {
      joined += value;
      joined += ", ";
    }
  }
  joined += clientAddress;
  std::erase_if(headers, [](const auto& h) { return iequals(h.first, "x-forwarded-for"); });
  headers.emplace_back("X-Forwarded-For", std::move(joined));
}

} // namespace tt::test
