// Test 23 of docs/proxy.md, "Tests it passes", basic version: seeded mutations of llhttp's corpus
// (and of TGI-shaped messages) sent as raw client bytes and as raw upstream bytes through a running
// proxy. Nothing the proxy writes may be unparseable, on either leg; every connection ends; the
// proxy keeps serving. The CI runs it under ASan and UBSan, which turn any memory error into a
// failure. A libFuzzer harness over socketpairs, with long runs, is the reliability issue's.
#include "tests/proxy/harness.h"
#include "tests/support/llhttp_corpus.h"

#include <catch2/catch.hpp>

#include <map>
#include <random>

namespace tt::test {
namespace {

namespace corpus = llhttp_corpus;

// Byte-level mutations in the style of libFuzzer's: change, insert, erase, duplicate, splice,
// truncate. Inserted bytes favour the ones HTTP framing turns on.
class Mutator {
public:
  explicit Mutator(uint32_t seed) : random_(seed) {}

  std::string mutate(const std::vector<std::string>& seeds) {
    std::string s = pick(seeds);
    const int rounds = 1 + below(4);
    for (int r = 0; r < rounds; ++r) {
      apply(s, seeds);
    }
    return s;
  }

private:
  int below(size_t n) { return static_cast<int>(random_() % n); }
  size_t position(const std::string& s) { return s.empty() ? 0 : random_() % (s.size() + 1); }
  const std::string& pick(const std::vector<std::string>& seeds) {
    return seeds[static_cast<size_t>(below(seeds.size()))];
  }
  char interestingByte() {
    static constexpr std::string_view kBytes = "\r\n \t:;,0f9-+\"\\\x00\x7f\x80\xff";
    return kBytes[static_cast<size_t>(below(kBytes.size()))];
  }

  void apply(std::string& s, const std::vector<std::string>& seeds) {
    const size_t at = position(s);
    switch (below(6)) {
    case 0: // change a byte
      if (at < s.size()) {
        s[at] = below(2) == 0 ? interestingByte() : static_cast<char>(random_());
      }
      break;
    case 1: // insert a byte
      s.insert(at, 1, interestingByte());
      break;
    case 2: // erase a range
      s.erase(at, static_cast<size_t>(1 + below(8)));
      break;
    case 3: // duplicate a range
      s.insert(at, s.substr(position(s), static_cast<size_t>(1 + below(16))));
      break;
    case 4: { // splice in a piece of another seed
      const std::string& other = pick(seeds);
      s.insert(at, other.substr(position(other), static_cast<size_t>(1 + below(32))));
      break;
    }
    default: // truncate
      s.resize(at);
    }
  }

  std::mt19937 random_;
};

std::vector<std::string> corpusInputs(bool requests) {
  int skipped = 0;
  std::vector<std::string> inputs;
  for (const corpus::Case& c :
       corpus::loadAll(std::filesystem::path(TT_SHARED_DIR) / "corpora/llhttp/head", skipped)) {
    if (c.request == requests && !c.skipBody) {
      inputs.push_back(c.input);
    }
  }
  return inputs;
}

std::string generateRequest(std::string_view extraHeaders = "") {
  const std::string body = R"({"inputs":"hi","parameters":{"max_new_tokens":3}})";
  return "POST /generate HTTP/1.1\r\nHost: tgi\r\nContent-Type: application/json\r\n" +
         std::string(extraHeaders) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

// What the proxy wrote to a client: whether it parses (possibly cut short; it must never send
// garbage) and the status of the first response (0 when none came whole).
struct Written {
  bool parses = false;
  int firstStatus = 0;
};

Written written(const std::string& raw) {
  MessageReader reader(HttpParser::Kind::Response);
  Written w;
  w.parses = reader.feed(raw);
  w.firstStatus = reader.messages.empty() ? 0 : reader.messages.front().status;
  return w;
}

// The proxy still answers a plain request.
void checkServes(ProxyThread& proxy) {
  Client client(proxy.port());
  client.send(generateRequest());
  CHECK(client.response(5000).status == 200);
}

} // namespace

TEST_CASE("23 (basic): mutated client bytes never reach the upstream unparseable",
          "[proxy][fuzz]") {
  std::vector<std::string> seeds = corpusInputs(/*requests=*/true);
  REQUIRE(seeds.size() > 100);
  seeds.push_back(generateRequest());

  std::atomic<int> upstreamParseErrors{0};
  FakeUpstream upstream([&](UpConn& c) {
    MessageReader reader(HttpParser::Kind::Request);
    for (;;) {
      std::string data;
      const ssize_t n = c.sock.readSome(data, 5000);
      if (n <= 0) {
        return;
      }
      if (!reader.feed(data)) {
        ++upstreamParseErrors;
        return;
      }
      for (; !reader.messages.empty(); reader.messages.erase(reader.messages.begin())) {
        const bool head = reader.messages.front().method == "HEAD";
        if (!c.send(head ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" : jsonResponse("{}"))) {
          return;
        }
      }
    }
  });
  MemoryRecorder recorder;
  proxy::Config config = configFor(upstream.port());
  // Inputs that stop mid-message are cut by these instead of waiting for more bytes.
  config.headerTimeoutMs = 300;
  config.keepAliveTimeoutMs = 300;
  config.idleTimeoutMs = 300;
  ProxyThread proxy(config, recorder);

  Mutator mutator(20261123);
  constexpr int kRounds = 400;
  int unparseable = 0;
  std::map<int, int> byStatus; // the first answer's status: the mutations reach both paths
  for (int round = 0; round < kRounds; ++round) {
    const std::string input = mutator.mutate(seeds);
    INFO("round " << round);
    Client client(proxy.port());
    client.send(input);
    if (round % 2 == 0) {
      client.sock.shutdownWrite(); // the client's end arrives at once: the abort paths
    } else {
      client.send(generateRequest("Connection: close\r\n")); // more, then the proxy closes
    }
    std::string raw;
    CHECK(client.sock.readToEof(raw, 5000)); // every connection ends
    // HEAD answers have no body: a reader without the request cannot frame them.
    if (input.find("HEAD") == std::string::npos) {
      const Written w = written(raw);
      unparseable += w.parses ? 0 : 1;
      ++byStatus[w.firstStatus];
    }
  }
  CHECK(unparseable == 0);
  CHECK(upstreamParseErrors == 0);
  CHECK(byStatus[200] > 0);
  CHECK(byStatus[400] > 0);
  checkServes(proxy);
  CHECK(proxy.stop() == 0);
}

TEST_CASE("23 (basic): mutated upstream bytes reach the client parseable or as a 502",
          "[proxy][fuzz]") {
  std::vector<std::string> seeds = corpusInputs(/*requests=*/false);
  REQUIRE(seeds.size() > 40);
  const std::string valid = jsonResponse(R"({"generated_text":" a b c"})",
                                         "x-compute-type: gpu+optimized\r\nx-total-time: 12\r\n");
  seeds.push_back(valid);
  seeds.push_back("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: "
                  "chunked\r\n\r\n" +
                  chunk("data:{\"token\":{\"id\":1,\"text\":\" a\"},\"generated_text\":null}\n\n") +
                  chunk(":\n\n") + chunk("data:{\"generated_text\":\" a\"}\n\n") + "0\r\n\r\n");

  Mutator mutator(1123);
  std::mutex m;
  std::string answer = seeds.back();
  FakeUpstream upstream([&](UpConn& c) {
    if (c.readRequest(5000)) {
      std::lock_guard lock(m);
      c.send(answer);
    }
    c.sock.shutdownWrite();
    c.waitClosed(5000);
  });
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(upstream.port()), recorder);

  constexpr int kRounds = 300;
  int unparseable = 0;
  std::map<int, int> byStatus;
  for (int round = 0; round < kRounds; ++round) {
    {
      std::lock_guard lock(m);
      answer = mutator.mutate(seeds);
    }
    INFO("round " << round);
    Client client(proxy.port());
    client.send(generateRequest("Connection: close\r\n"));
    std::string raw;
    CHECK(client.sock.readToEof(raw, 5000)); // every connection ends
    const Written w = written(raw);
    unparseable += w.parses ? 0 : 1;
    ++byStatus[w.firstStatus];
  }
  CHECK(unparseable == 0);
  CHECK(byStatus[200] > 0);
  CHECK(byStatus[502] > 0);
  {
    std::lock_guard lock(m);
    answer = valid;
  }
  checkServes(proxy);
  CHECK(proxy.stop() == 0);
}

} // namespace tt::test
