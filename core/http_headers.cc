#include "core/http_headers.h"

#include "core/credentials.h"

#include <algorithm>
#include <array>

namespace tt {
namespace {

// Calls f(token) for each non-empty token of a comma-separated list.
template <typename F> void forEachToken(std::string_view value, F&& f) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    const std::string_view token = trimOws(value.substr(0, comma));
    if (!token.empty()) {
      f(token);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    value.remove_prefix(comma + 1);
  }
}

} // namespace

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

const std::string* findHeader(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) {
      return &value;
    }
  }
  return nullptr;
}

bool hasToken(std::string_view value, std::string_view token) {
  bool found = false;
  forEachToken(value, [&](std::string_view t) { found = found || iequals(t, token); });
  return found;
}

bool isHopByHop(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kNames = {
      "connection", "keep-alive",         "proxy-connection",    "te",
      "upgrade",    "proxy-authenticate", "proxy-authorization", "trailer"};
  return std::any_of(kNames.begin(), kNames.end(),
                     [&](std::string_view n) { return iequals(n, name); });
}

void removeHopByHop(Headers& headers) {
  Headers listed;
  for (const auto& [name, value] : headers) {
    if (iequals(name, "connection")) {
      forEachToken(value, [&](std::string_view t) { listed.emplace_back(std::string(t), ""); });
    }
  }
  std::erase_if(headers, [&](const auto& h) {
    return isHopByHop(h.first) || findHeader(listed, h.first) != nullptr;
  });
}

Headers headersForStorage(const Headers& headers) {
  Headers kept = headers;
  removeHopByHop(kept);
  std::erase_if(kept, [](const auto& h) { return isCredential(h.first); });
  return kept;
}

} // namespace tt
