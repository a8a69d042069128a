#pragma once

#include "core/exchange.h"

#include <string_view>

namespace tt {

inline char asciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// ASCII case-insensitive equality, for header names and tokens. Inline: names are compared many
// times per message (hop-by-hop, credentials, TGI's x-* times).
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && asciiLower(a[i]) != asciiLower(b[i])) {
      return false;
    }
  }
  return true;
}

// `s` without leading and trailing spaces and tabs (HTTP optional whitespace).
std::string_view trimOws(std::string_view s);

// The value of the first header named `name`, or nullptr.
const std::string* findHeader(const Headers& headers, std::string_view name);

// True when the comma-separated list `value` holds `token` (case-insensitive, OWS trimmed).
bool hasToken(std::string_view value, std::string_view token);

// Headers that apply to one connection only (RFC 9110 §7.6.1): Connection, Keep-Alive,
// Proxy-Connection, TE, Upgrade, Proxy-Authenticate, Proxy-Authorization, Trailer.
// Transfer-Encoding and Content-Length are not in the list: a proxy that forwards the body bytes
// as received keeps their framing headers.
bool isHopByHop(std::string_view name);

// Removes hop-by-hop headers and every header named in a Connection header's tokens.
void removeHopByHop(Headers& headers);

// What is kept of a message's headers in an Exchange: no credentials (core/credentials.h), no
// hop-by-hop headers.
Headers headersForStorage(const Headers& headers);

} // namespace tt
