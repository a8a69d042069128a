#include "core/credentials.h"
#include "core/http_headers.h"

#include <catch2/catch.hpp>

namespace tt {

TEST_CASE("headers: case-insensitive lookup and tokens", "[headers]") {
  const Headers h = {{"Content-Type", "application/json"}, {"connection", "Keep-Alive, Upgrade"}};
  REQUIRE(findHeader(h, "content-type") != nullptr);
  CHECK(*findHeader(h, "CONTENT-TYPE") == "application/json");
  CHECK(findHeader(h, "host") == nullptr);
  CHECK(hasToken(*findHeader(h, "Connection"), "upgrade"));
  CHECK(hasToken(" close\t", "close"));
  CHECK_FALSE(hasToken("closed", "close"));
  CHECK(trimOws(" \t a b \t") == "a b");
  CHECK(iequals("X-API-Key", "x-api-key"));
  CHECK_FALSE(iequals("x-api-key", "x-api-keys"));
}

TEST_CASE("headers: hop-by-hop removal, Connection-listed too", "[headers]") {
  Headers h = {{"Host", "a"},
               {"Connection", "keep-alive, X-Private"},
               {"Keep-Alive", "timeout=5"},
               {"x-private", "1"},
               {"TE", "trailers"},
               {"Upgrade", "h2c"},
               {"Proxy-Connection", "close"},
               {"Transfer-Encoding", "chunked"},
               {"Content-Type", "application/json"}};
  removeHopByHop(h);
  CHECK(h == Headers{{"Host", "a"},
                     {"Transfer-Encoding", "chunked"},
                     {"Content-Type", "application/json"}});
  CHECK(isHopByHop("Proxy-Authorization"));
  CHECK_FALSE(isHopByHop("Content-Length"));
}

TEST_CASE("headers: credentials are never stored", "[headers]") {
  const Headers h = {{"Authorization", "Bearer s3cret"},
                     {"Cookie", "a=b"},
                     {"x-api-key", "k"},
                     {"api-key", "k"},
                     {"X-Goog-Api-Key", "k"},
                     {"Proxy-Authorization", "Basic x"},
                     {"Connection", "close"},
                     {"Content-Type", "application/json"},
                     {"x-request-id", "42"}};
  CHECK(headersForStorage(h) ==
        Headers{{"Content-Type", "application/json"}, {"x-request-id", "42"}});
  CHECK(isCredential("set-cookie"));
  CHECK_FALSE(isCredential("x-api-version"));
}

TEST_CASE("credentials: header and query parameter names, TGI's headers kept", "[headers]") {
  for (const char* name : {"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
                           "X-Api-Key", "api_key", "X-APIKEY", "key", "Ocp-Apim-Subscription-Key",
                           "X-Auth-Token", "X-Access-Token", "access_token", "X-Amz-Security-Token",
                           "X-Amz-Signature", "X-Amz-Credential", "X-Client-Secret", "password"}) {
    INFO(name);
    CHECK(isCredential(name));
  }
  for (const char* name :
       {"Content-Type", "x-time-per-token", "x-prompt-tokens", "x-generated-tokens",
        "x-compute-characters", "x-api-version", "Keep-Alive", "Author", "stream", "tokens"}) {
    INFO(name);
    CHECK_FALSE(isCredential(name));
  }
  CHECK(targetForStorage("/generate") == "/generate");
  CHECK(targetForStorage("/generate?stream=true") == "/generate?stream=true");
  CHECK(targetForStorage("/v1/chat/completions?api_key=s3&x=1&token=t&flag&key=") ==
        "/v1/chat/completions?api_key=redacted&x=1&token=redacted&flag&key=redacted");
}

} // namespace tt
