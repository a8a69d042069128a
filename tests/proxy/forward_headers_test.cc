// The proxy's one-pass header forwarding matches the copy-and-filter reference (core/http_headers.h
// and tests/support/forwarded_for.h).
#include "proxy/forward_headers.h"

#include "tests/support/forwarded_for.h"

#include "core/http_headers.h"

#include <catch2/catch.hpp>

namespace tt::test {
namespace {

std::string serialized(const Headers& headers) {
  std::string out;
  for (const auto& [name, value] : headers) {
    out += name + ": " + value + "\r\n";
  }
  return out;
}

// The reference: filtered copies, as the proxy built them before.
std::string referenceRequest(Headers headers, std::string_view peer, std::string_view host) {
  removeHopByHop(headers);
  appendForwardedFor(headers, peer);
  if (findHeader(headers, "host") == nullptr) {
    headers.emplace_back("Host", std::string(host));
  }
  return serialized(headers);
}

} // namespace

TEST_CASE("the reference appends X-Forwarded-For like nginx", "[proxy][headers]") {
  Headers none = {{"Host", "a"}};
  appendForwardedFor(none, "127.0.0.1");
  CHECK(none == Headers{{"Host", "a"}, {"X-Forwarded-For", "127.0.0.1"}});

  Headers two = {{"x-forwarded-for", "1.1.1.1"}, {"Host", "a"}, {"X-Forwarded-For", "2.2.2.2"}};
  appendForwardedFor(two, "::1");
  CHECK(two == Headers{{"Host", "a"}, {"X-Forwarded-For", "1.1.1.1, 2.2.2.2, ::1"}});
}

TEST_CASE("forwarded and stored headers match the copy-and-filter reference", "[proxy][headers]") {
  const std::vector<Headers> cases = {
      {},
      {{"Host", "a"}, {"Content-Type", "application/json"}},
      {{"host", "a"}, {"Connection", "keep-alive, X-Drop"}, {"x-drop", "1"}, {"Keep-Alive", "5"}},
      {{"X-Forwarded-For", "1.2.3.4"}, {"Authorization", "Bearer t"}, {"x-forwarded-for", "5.6"}},
      {{"Connection", "x-forwarded-for, host"}, {"X-Forwarded-For", "1"}, {"Host", "h"}},
      {{"Connection", ""}, {"Cookie", "c"}, {"X-Api-Key", "k"}, {"TE", "trailers"}, {"A", ""}},
      {{"Connection", " , close ,"}, {"Upgrade", "h2c"}, {"Trailer", "x"}, {"B", "b"}},
  };
  for (const Headers& headers : cases) {
    CAPTURE(serialized(headers));
    std::string forwarded;
    proxy::appendRequestHeaders(forwarded, headers, "10.0.0.1", "up:80");
    CHECK(forwarded == referenceRequest(headers, "10.0.0.1", "up:80"));

    const proxy::HopByHop hop(headers);
    CHECK(proxy::storedHeaders(headers, hop) == headersForStorage(headers));
    Headers endToEnd = headers;
    removeHopByHop(endToEnd);
    std::string plain;
    proxy::appendForwarded(plain, headers, hop);
    CHECK(plain == serialized(endToEnd));
  }
}

} // namespace tt::test
