#include "core/url.h"

#include <catch2/catch.hpp>

namespace tt {

TEST_CASE("url: http upstream URLs", "[url]") {
  const UrlResult a = parseHttpUrl("http://127.0.0.1:8080");
  REQUIRE(a.url);
  CHECK(a.url->host == "127.0.0.1");
  CHECK(a.url->port == 8080);
  CHECK(a.url->prefix.empty());
  CHECK(a.url->hostHeader() == "127.0.0.1:8080");

  const UrlResult b = parseHttpUrl("http://tgi.internal/api/v1/");
  REQUIRE(b.url);
  CHECK(b.url->host == "tgi.internal");
  CHECK(b.url->port == 80);
  CHECK(b.url->prefix == "/api/v1");
  CHECK(b.url->hostHeader() == "tgi.internal");

  const UrlResult c = parseHttpUrl("http://[::1]:3000/");
  REQUIRE(c.url);
  CHECK(c.url->host == "::1");
  CHECK(c.url->port == 3000);
  CHECK(c.url->prefix.empty());
  CHECK(c.url->hostHeader() == "[::1]:3000");
}

TEST_CASE("url: bad URLs get one clear line", "[url]") {
  CHECK(parseHttpUrl("https://a").error ==
        "bad URL 'https://a': https is not supported; put a TLS terminator in front or use "
        "http://");
  CHECK(parseHttpUrl("localhost:3000").error ==
        "bad URL 'localhost:3000': expected http://host[:port][/prefix]");
  CHECK(parseHttpUrl("http://:80").error == "bad URL 'http://:80': empty host");
  CHECK(parseHttpUrl("http://a:").error == "bad URL 'http://a:': empty port");
  CHECK(parseHttpUrl("http://a:0").error ==
        "bad URL 'http://a:0': port must be a number from 1 to 65535");
  CHECK(parseHttpUrl("http://a:65536").error ==
        "bad URL 'http://a:65536': port must be a number from 1 to 65535");
  CHECK(parseHttpUrl("http://a:80x").error ==
        "bad URL 'http://a:80x': port must be a number from 1 to 65535");
  CHECK(parseHttpUrl("http://u:p@a").error == "bad URL 'http://u:p@a': user info is not allowed");
  CHECK(parseHttpUrl("http://a/x?y").error ==
        "bad URL 'http://a/x?y': a query or fragment is not allowed");
  CHECK(parseHttpUrl("http://[::1").error == "bad URL 'http://[::1': unterminated IPv6 address");
  CHECK(parseHttpUrl("http://a b").error == "bad URL 'http://a b': invalid character in host");
  CHECK_FALSE(parseHttpUrl("http://a b").url);
}

} // namespace tt
