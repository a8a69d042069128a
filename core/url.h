#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tt {

// An upstream or target address: `http://host[:port][/prefix]`.
struct HttpUrl {
  std::string host; // a name, an IPv4 address, or an IPv6 address without brackets
  uint16_t port = 80;
  std::string prefix; // path prefix without a trailing slash; empty for the root

  // host:port as a Host header value (IPv6 in brackets; port omitted when 80).
  std::string hostHeader() const;
};

struct UrlResult {
  std::optional<HttpUrl> url;
  std::string error; // one line saying what is wrong, when url is empty
};

// Parses `http://host[:port][/prefix]`. Refuses https (no TLS), user info, query, fragment,
// empty hosts and ports outside 1-65535.
UrlResult parseHttpUrl(std::string_view text);

// A listening address.
struct HostPort {
  std::string host;
  int port = 0;
};

// HOST:PORT, [IPv6]:PORT, or PORT alone (host `defaultHost`); nullopt when malformed.
std::optional<HostPort> parseHostPort(const std::string& text, const std::string& defaultHost);

} // namespace tt
