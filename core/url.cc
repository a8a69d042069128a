#include "core/url.h"

#include <charconv>

namespace tt {
namespace {

UrlResult failure(std::string_view text, std::string_view why) {
  UrlResult r;
  r.error = "bad URL '" + std::string(text) + "': " + std::string(why);
  return r;
}

bool validHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

} // namespace

std::string HttpUrl::hostHeader() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != 80) {
    out += ":" + std::to_string(port);
  }
  return out;
}

UrlResult parseHttpUrl(std::string_view text) {
  constexpr std::string_view kScheme = "http://";
  if (text.starts_with("https://")) {
    return failure(text, "https is not supported; put a TLS terminator in front or use http://");
  }
  if (!text.starts_with(kScheme)) {
    return failure(text, "expected http://host[:port][/prefix]");
  }
  std::string_view rest = text.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return failure(text, "a query or fragment is not allowed");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return failure(text, "user info is not allowed");
  }
  HttpUrl url;
  std::string_view portText;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return failure(text, "unterminated IPv6 address");
    }
    url.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(":")) {
      return failure(text, "unexpected text after the IPv6 address");
    }
    portText = after.empty() ? std::string_view() : after.substr(1);
    if (url.host.empty()) {
      return failure(text, "empty host");
    }
  } else {
    const size_t colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    if (host.empty()) {
      return failure(text, "empty host");
    }
    for (const char c : host) {
      if (!validHostChar(c)) {
        return failure(text, "invalid character in host");
      }
    }
    url.host = std::string(host);
    if (colon != std::string_view::npos) {
      portText = authority.substr(colon + 1);
      if (portText.empty()) {
        return failure(text, "empty port");
      }
    }
  }
  if (!portText.empty()) {
    unsigned value = 0;
    const auto [ptr, ec] =
        std::from_chars(portText.data(), portText.data() + portText.size(), value);
    if (ec != std::errc() || ptr != portText.data() + portText.size() || value == 0 ||
        value > 65535) {
      return failure(text, "port must be a number from 1 to 65535");
    }
    url.port = static_cast<uint16_t>(value);
  }
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  url.prefix = std::string(path);
  UrlResult r;
  r.url = std::move(url);
  return r;
}

std::optional<HostPort> parseHostPort(const std::string& text, const std::string& defaultHost) {
  HostPort hp{defaultHost, 0};
  std::string port = text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    hp.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else if (const size_t colon = text.rfind(':'); colon != std::string::npos) {
    hp.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (hp.host.empty() || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  hp.port = std::stoi(port);
  if (hp.port > 65535) {
    return std::nullopt;
  }
  return hp;
}

} // namespace tt
