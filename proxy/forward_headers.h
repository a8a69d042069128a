#pragma once

#include "core/exchange.h"

#include <string>
#include <string_view>

namespace tt::proxy {

// The hop-by-hop headers of one message (core/http_headers.h isHopByHop, and every name a
// Connection header lists), told apart without copying: the proxy forwards and stores each head
// in one pass instead of filtering copies of it.
class HopByHop {
public:
  explicit HopByHop(const Headers& headers);
  // True when a header named `name` applies to this connection only.
  bool drops(std::string_view name) const;

private:
  const Headers& headers_;
  bool listsNames_ = false; // some Connection header has a value
};

// Appends `name: value\r\n` for every header `hop` does not drop and `skip(name)` refuses
// (skip is a predicate on the name, or nullptr).
void appendForwarded(std::string& out, const Headers& headers, const HopByHop& hop,
                     bool (*skip)(std::string_view name) = nullptr);

// The request head's headers towards the upstream: the end-to-end ones, X-Forwarded-For joined
// with `peer` as core/http_headers.h appendForwardedFor does, then Host when the client sent none.
void appendRequestHeaders(std::string& out, const Headers& headers, std::string_view peer,
                          std::string_view host);

// What is stored of a head's headers: core/http_headers.h headersForStorage, in one pass.
Headers storedHeaders(const Headers& headers, const HopByHop& hop);

} // namespace tt::proxy
