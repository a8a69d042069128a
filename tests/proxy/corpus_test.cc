// llhttp 9.4.2's request cases (shared/corpora/llhttp/head) through the proxy: what llhttp 9
// refuses never reaches the upstream; what it accepts arrives upstream with the same meaning
// (method, target, headers less the hop-by-hop ones plus X-Forwarded-For, body).
#include "tests/proxy/harness.h"
#include "tests/support/forwarded_for.h"
#include "tests/support/llhttp_corpus.h"

#include "core/http_headers.h"

#include <catch2/catch.hpp>

namespace tt::test {
namespace {

namespace corpus = llhttp_corpus;

std::string originForm(const std::string& url) {
  for (const char* scheme : {"http://", "https://"}) {
    if (url.rfind(scheme, 0) == 0) {
      const size_t slash = url.find_first_of("/?", std::strlen(scheme));
      if (slash == std::string::npos) {
        return "/";
      }
      return url[slash] == '?' ? "/" + url.substr(slash) : url.substr(slash);
    }
  }
  return url;
}

// What the upstream should see for a message llhttp 9 parsed.
Headers forwardedHeaders(Headers h) {
  removeHopByHop(h);
  appendForwardedFor(h, "127.0.0.1");
  if (findHeader(h, "host") == nullptr) {
    h.emplace_back("Host", "127.0.0.1:0");
  }
  return h;
}

Headers withoutHost(Headers h) {
  std::erase_if(h, [](const auto& kv) { return iequals(kv.first, "host"); });
  return h;
}

} // namespace

TEST_CASE("llhttp corpus through the proxy: refused cases never reach the upstream, accepted "
          "ones arrive with the same meaning",
          "[proxy][corpus]") {
  int skipped = 0;
  const auto all =
      corpus::loadAll(std::filesystem::path(TT_SHARED_DIR) / "corpora/llhttp/head", skipped);
  std::vector<corpus::Case> cases;
  for (const auto& c : all) {
    if (c.request) {
      cases.push_back(c);
    }
  }
  REQUIRE(cases.size() > 100);

  FakeUpstream upstream(answerAll(jsonResponse("{}")));
  MemoryRecorder recorder;
  proxy::Config config = configFor(upstream.port());
  config.headerTimeoutMs = 300; // cases that end mid-head are cut quickly
  config.keepAliveTimeoutMs = 300;
  ProxyThread proxy(config, recorder);

  int refused = 0;
  int forwarded = 0;
  int upgrades = 0;
  for (const corpus::Case& c : cases) {
    INFO(c.id << " \"" << c.name << "\"");
    const corpus::Expected& e = c.expected;
    // The proxy also refuses RTSP, ICE and HTTP/0.9 requests, which llhttp parses but an
    // HTTP/1.1 upstream request cannot carry with the same meaning.
    const std::string input =
        c.input.substr(std::min(c.input.size(), c.input.find_first_not_of("\r\n")));
    const std::string firstLine = input.substr(0, input.find_first_of("\r\n"));
    const bool rtsp = firstLine.find(" HTTP/") == std::string::npos;
    const bool stricter = corpus::knownStricter().count(c.id) > 0 || rtsp;
    const bool refuse = e.rejected || stricter;
    const size_t before = upstream.requests().size();
    size_t responses = 0;
    {
      Client client(proxy.port());
      client.send(c.input);
      // One answer per complete message (ours or the upstream's); refusals also close.
      const size_t want = e.messages.size() + (refuse ? 1 : 0);
      const bool head = !e.messages.empty() && e.messages[0].method == "HEAD";
      responses = client.responses(want, 3000, head).size();
      if (refuse) {
        CHECK(client.closedByPeer(3000));
      }
    }
    const auto up = upstream.requests();
    const std::vector<UpstreamRequest> got(up.begin() + static_cast<long>(before), up.end());
    if (e.upgrade) {
      ++upgrades; // CONNECT is refused (405); other upgrades are forwarded without Upgrade
      continue;
    }
    if (refuse) {
      ++refused;
      // Only the complete messages before the refused bytes went upstream; never the bad one.
      CHECK(got.size() == (stricter ? 0 : e.messages.size()));
      CHECK(responses >= 1);
      continue;
    }
    ++forwarded;
    CHECK(responses == e.messages.size());
    CHECK(got.size() == e.messages.size());
    for (size_t i = 0; i < std::min(got.size(), e.messages.size()); ++i) {
      const corpus::Message& want = e.messages[i];
      const Message& have = got[i].message;
      CHECK(have.method == want.method);
      CHECK(have.target == originForm(want.url));
      CHECK(have.body == want.body);
      Headers haveHeaders = withoutHost(have.headers);
      Headers wantHeaders = withoutHost(forwardedHeaders(want.headers));
      std::sort(haveHeaders.begin(), haveHeaders.end());
      std::sort(wantHeaders.begin(), wantHeaders.end());
      CHECK(haveHeaders == wantHeaders);
    }
  }
  WARN("llhttp corpus through the proxy: " << cases.size() << " request cases, " << refused
                                           << " refused without reaching the upstream, "
                                           << forwarded << " forwarded with the same meaning, "
                                           << upgrades << " upgrade/CONNECT cases");
  REQUIRE(proxy.stop() == 0);
}

} // namespace tt::test
