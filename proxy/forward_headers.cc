#include "proxy/forward_headers.h"

#include "core/credentials.h"
#include "core/http_headers.h"
#include "core/http_write.h"

namespace tt::proxy {
namespace {

bool isForwardedFor(std::string_view name) {
  return iequals(name, "x-forwarded-for");
}

} // namespace

HopByHop::HopByHop(const Headers& headers) : headers_(headers) {
  for (const auto& [name, value] : headers) {
    listsNames_ = listsNames_ || (!value.empty() && iequals(name, "connection"));
  }
}

bool HopByHop::drops(std::string_view name) const {
  if (isHopByHop(name)) {
    return true;
  }
  if (!listsNames_) {
    return false;
  }
  for (const auto& [key, value] : headers_) {
    if (iequals(key, "connection") && hasToken(value, name)) {
      return true;
    }
  }
  return false;
}

void appendForwarded(std::string& out, const Headers& headers, const HopByHop& hop,
                     bool (*skip)(std::string_view name)) {
  for (const auto& [name, value] : headers) {
    if (!hop.drops(name) && (skip == nullptr || !skip(name))) {
      appendHeader(out, name, value);
    }
  }
}

void appendRequestHeaders(std::string& out, const Headers& headers, std::string_view peer,
                          std::string_view host) {
  const HopByHop hop(headers);
  appendForwarded(out, headers, hop, &isForwardedFor);
  // One line joining the client's X-Forwarded-For values and the peer, written in place: no
  // temporary on the forwarding path.
  out += "X-Forwarded-For: ";
  bool hasHost = false;
  for (const auto& [name, value] : headers) {
    if (isForwardedFor(name) && !hop.drops(name)) {
      out += value;
      out += ", ";
    } else if (!hasHost && iequals(name, "host")) {
      hasHost = !hop.drops(name);
    }
  }
  out += peer;
  out += "\r\n";
  if (!hasHost) {
    appendHeader(out, "Host", host);
  }
}

Headers storedHeaders(const Headers& headers, const HopByHop& hop) {
  Headers kept;
  kept.reserve(headers.size());
  for (const auto& header : headers) {
    if (!hop.drops(header.first) && !isCredential(header.first)) {
      kept.push_back(header);
    }
  }
  return kept;
}

} // namespace tt::proxy
