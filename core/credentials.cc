#include "core/credentials.h"

#include "core/http_headers.h"

#include <array>

namespace tt {
namespace {

bool anyOf(std::string_view part, const auto& names) {
  for (const std::string_view n : names) {
    if (iequals(part, n)) {
      return true;
    }
  }
  return false;
}

} // namespace

bool isCredential(std::string_view name) {
  static constexpr std::array<std::string_view, 11> kParts = {
      "authorization", "auth",   "cookie",     "cookie2",     "apikey",   "secret",
      "password",      "passwd", "credential", "credentials", "signature"};
  std::string_view previous;
  std::string_view part;
  while (!name.empty()) {
    const size_t end = name.find_first_of("-_");
    previous = part;
    part = name.substr(0, end);
    if (anyOf(part, kParts)) {
      return true;
    }
    name = end == std::string_view::npos ? std::string_view() : name.substr(end + 1);
  }
  return iequals(part, "key") || (iequals(part, "token") && !iequals(previous, "per"));
}

std::string targetForStorage(std::string_view target) {
  const size_t query = target.find('?');
  if (query == std::string_view::npos) {
    return std::string(target);
  }
  std::string out(target.substr(0, query + 1));
  std::string_view rest = target.substr(query + 1);
  bool first = true;
  while (true) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    if (!first) {
      out += '&';
    }
    first = false;
    if (eq != std::string_view::npos && isCredential(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1));
      out += "redacted";
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(amp + 1);
  }
  return out;
}

} // namespace tt
