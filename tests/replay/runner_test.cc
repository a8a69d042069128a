#include "fake_upstream.h"
#include "replay/runner.h"

#include "core/http_headers.h"
#include "core/uv_util.h"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <thread>

using namespace tt;
using namespace tt::replay;

namespace {

struct Replay {
  std::vector<Exchange> results;
  RunStats stats;
};

// `options` aimed at `url` (an http://127.0.0.1:PORT address).
RunOptions targeting(const std::string& url, RunOptions options = {}) {
  const auto parsed = parseHttpUrl(url);
  REQUIRE(parsed.url);
  options.target = *parsed.url;
  REQUIRE(uv_ip4_addr(options.target.host.c_str(), options.target.port,
                      reinterpret_cast<sockaddr_in*>(&options.address)) == 0);
  return options;
}

Replay runOnce(const std::vector<Exchange>& sources, const Plan& plan, const std::string& url,
               RunOptions options = {}) {
  options = targeting(url, options);
  Replay out;
  LoopGuard loop;
  MonotonicClock clock;
  Runner runner(loop.get(), clock, plan, sources, options,
                [&out](Exchange&& e) { out.results.push_back(std::move(e)); });
  out.stats = runner.run(clock.nowNs());
  REQUIRE(loop.close() == 0);
  return out;
}

Plan planOf(const std::vector<Exchange>& sources, PlanOptions options = {}) {
  std::vector<PlanSource> ps;
  for (const auto& e : sources) {
    ps.push_back({e.sentUs, -1});
  }
  return buildPlan(ps, options);
}

std::vector<Exchange> capturedSources(int n) {
  std::vector<Exchange> out;
  for (int i = 0; i < n; ++i) {
    Exchange e;
    e.id = 100 + i;
    e.sentUs = i * 200; // 5,000 req/s for a short burst
    e.method = "POST";
    e.path = "/generate_stream";
    e.endpoint = Endpoint::GenerateStream;
    e.stream = true;
    e.requestHeaders = {{"content-type", "application/json"},
                        {"x-tenant", std::to_string(i % 3)},
                        {"connection", "keep-alive"}};
    e.requestBody = "{\"inputs\":\"prompt number " + std::to_string(i) +
                    "\",\"parameters\":{\"max_new_tokens\":" + std::to_string(1 + i % 4) + "}}";
    e.maxNewTokens = 1 + i % 4;
    out.push_back(e);
  }
  return out;
}

} // namespace

TEST_CASE("a capture is replayed byte for byte and every result recorded") {
  test::FakeUpstream upstream;
  const auto sources = capturedSources(40);
  RunOptions options;
  options.maxConnections = 8;
  const Replay r = runOnce(sources, planOf(sources), upstream.url(), options);
  REQUIRE(upstream.stop() == 0);

  const auto received = upstream.requests();
  REQUIRE(received.size() == 40);
  std::map<std::string, int> bodies;
  for (const auto& q : received) {
    ++bodies[q.body];
    CHECK(q.target == "/generate_stream");
    CHECK(!findHeader(q.headers, "connection"));
    CHECK(findHeader(q.headers, "x-tenant") != nullptr);
  }
  for (const auto& s : sources) {
    CHECK(bodies[s.requestBody] == 1);
  }
  CHECK(upstream.connections() <= 8);

  REQUIRE(r.results.size() == 40);
  CHECK(r.stats.sent == 40);
  CHECK(r.stats.outcomes.at(Outcome::Ok) == 40);
  for (const auto& e : r.results) {
    REQUIRE(e.sourceRequestId);
    const Exchange& src = sources.at(static_cast<size_t>(*e.sourceRequestId - 100));
    CHECK(e.requestBody == src.requestBody);
    CHECK(e.outcome == Outcome::Ok);
    CHECK(e.status == 200);
    CHECK(e.intendedUs == src.sentUs);
    CHECK(e.sentUs >= *e.intendedUs);
    CHECK(static_cast<int64_t>(e.tokenTimesUs.size()) == *src.maxNewTokens);
    CHECK(e.outputTokens == src.maxNewTokens);
    CHECK(e.finishReason == "length");
    CHECK(e.endUs >= e.tokenTimesUs.back());
  }
}

TEST_CASE("traces without text get synthesized prompts with shared prefixes") {
  test::FakeUpstream upstream;
  std::vector<Exchange> sources(3);
  for (int i = 0; i < 3; ++i) {
    sources[i].id = i + 1;
    sources[i].inputTokens = 20;
    sources[i].maxNewTokens = i == 2 ? 0 : 2; // 0 goes out as 1: TGI refuses 0
    sources[i].endpoint = Endpoint::GenerateStream;
  }
  sources[0].prefixHashIds = {7, 8};
  sources[1].prefixHashIds = {7, 9};
  sources[2].prefixHashIds = {};
  RunOptions options;
  options.send.synth.blockTokens = 10;
  const Replay r = runOnce(sources, planOf(sources), upstream.url(), options);
  REQUIRE(upstream.stop() == 0);
  auto received = upstream.requests();
  REQUIRE(received.size() == 3);
  std::map<int64_t, std::string> prompts;
  for (const auto& q : received) {
    const auto body = nlohmann::json::parse(q.body);
    const std::string prompt = body["inputs"];
    prompts[body["parameters"]["max_new_tokens"].get<int64_t>() * 100 +
            static_cast<int64_t>(prompts.size())] = prompt;
  }
  std::vector<std::string> withTwo;
  std::string withOne;
  for (const auto& [key, prompt] : prompts) {
    int words = 0;
    for (char c : prompt) {
      words += c == ' ';
    }
    CHECK(words == 20);
    if (key / 100 == 2) {
      withTwo.push_back(prompt);
    } else {
      withOne = prompt;
    }
  }
  REQUIRE(withTwo.size() == 2);
  // Same first block (10 words), different second.
  auto firstWords = [](const std::string& p, int n) {
    size_t pos = 0;
    for (int i = 0; i <= n && pos != std::string::npos; ++i) {
      pos = p.find(' ', pos + 1);
    }
    return p.substr(0, pos);
  };
  CHECK(firstWords(withTwo[0], 9) == firstWords(withTwo[1], 9));
  CHECK(withTwo[0] != withTwo[1]);
  CHECK(firstWords(withOne, 9) != firstWords(withTwo[0], 9));
  for (const auto& e : r.results) {
    CHECK(e.requestBody.empty()); // synthesized bodies are not stored
    CHECK(e.requestBodyBytes > 0);
    CHECK(e.outcome == Outcome::Ok);
  }
}

TEST_CASE("target errors are recorded per request and the run goes on") {
  int calls = 0;
  test::FakeUpstream upstream([&calls](const test::FakeUpstream::Received& q) {
    if (++calls % 2 == 0) {
      const std::string body = R"({"error":"Model is overloaded","error_type":"overloaded"})";
      return "HTTP/1.1 429 Too Many Requests\r\ncontent-type: "
             "application/json\r\ncontent-length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    return test::FakeUpstream::sseAnswer(q);
  });
  const auto sources = capturedSources(10);
  RunOptions options;
  options.maxConnections = 1;
  const Replay r = runOnce(sources, planOf(sources), upstream.url(), options);
  REQUIRE(upstream.stop() == 0);
  CHECK(r.results.size() == 10);
  CHECK(r.stats.outcomes.at(Outcome::Ok) == 5);
  CHECK(r.stats.outcomes.at(Outcome::HttpError) == 5);
  CHECK(upstream.connections() == 1);
  for (const auto& e : r.results) {
    if (e.outcome == Outcome::HttpError) {
      CHECK(e.status == 429);
      CHECK(e.error == "Model is overloaded");
    }
  }
}

TEST_CASE("an unreachable target fails each request as an upstream error") {
  std::string url;
  {
    test::FakeUpstream closed;
    url = closed.url();
  }
  const auto sources = capturedSources(3);
  const Replay r = runOnce(sources, planOf(sources), url);
  CHECK(r.results.size() == 3);
  CHECK(r.stats.outcomes.at(Outcome::UpstreamError) == 3);
}

TEST_CASE("closed loop keeps at most N requests in flight") {
  test::FakeUpstream upstream;
  const auto sources = capturedSources(30);
  const Replay r = runOnce(sources, planOf(sources, {.mode = RateMode::Concurrency, .value = 3}),
                           upstream.url());
  REQUIRE(upstream.stop() == 0);
  CHECK(r.results.size() == 30);
  CHECK(upstream.maxConcurrent() <= 3);
  CHECK(upstream.connections() <= 3);
}

TEST_CASE("preconnect opens the pool before the start and the run sends on it") {
  test::FakeUpstream upstream;
  const auto sources = capturedSources(20);
  const Plan plan = planOf(sources);
  const RunOptions options = targeting(upstream.url(), {.maxConnections = 4});
  std::vector<Exchange> results;
  LoopGuard loop;
  MonotonicClock clock;
  RunStats stats;
  {
    Runner runner(loop.get(), clock, plan, sources, options,
                  [&results](Exchange&& e) { results.push_back(std::move(e)); });
    CHECK(runner.preconnect(6, 5'000) == 4); // at most --max-connections
    stats = runner.run(clock.nowNs());
  }
  REQUIRE(loop.close() == 0);
  REQUIRE(upstream.stop() == 0);
  CHECK(upstream.connections() == 4); // none opened on demand
  CHECK(results.size() == 20);
  CHECK(stats.outcomes.at(Outcome::Ok) == 20);
}

namespace {

// Moves the runner's clock in the test below, from a check handle on the runner's loop (it runs
// after each poll for I/O): to 10 ms before request k (connectAheadNs() with fast connects) until
// the upstream has accepted k's spare connection, then, one poll later (the runner has seen the
// connect complete by then), to request k's time, until the upstream has received request k.
// (With a clock other than MonotonicClock the runner sleeps on libuv timers instead of its
// timerfd; what it opens ahead is decided in the same place.)
struct ConnectAheadDriver {
  static constexpr int64_t kOriginNs = 1'000'000'000;
  static constexpr int64_t kGapNs = 30'000'000;   // between two requests
  static constexpr int64_t kAheadNs = 10'000'000; // connectAheadNs()
  static int64_t dueNs(int64_t k) { return kOriginNs + k * kGapNs; }

  explicit ConnectAheadDriver(const test::FakeUpstream& up) : upstream(up) {
    clock.setNs(dueNs(1) - kAheadNs); // request 0 is due: the run starts with it
  }

  void onCheck() {
    if (next > 4) {
      return;
    }
    if (!accepted) {
      // A runner that never opens a connection ahead is given 10 s of real time in all.
      const bool spare = upstream.connections() > next;
      if (!spare && realClock.nowNs() < giveUpNs) {
        return;
      }
      log.push_back((spare ? "connection ahead for request " : "no connection ahead for request ") +
                    std::to_string(next));
      accepted = true;
      return;
    }
    if (clock.nowNs() < dueNs(next)) {
      clock.setNs(dueNs(next));
    } else if (static_cast<int64_t>(upstream.requests().size()) > next) {
      log.push_back("request " + std::to_string(next) + " sent");
      accepted = false;
      ++next;
      clock.setNs(dueNs(next) - kAheadNs);
    }
  }

  const test::FakeUpstream& upstream;
  ManualClock clock;
  MonotonicClock realClock;
  int64_t giveUpNs = realClock.nowNs() + 10'000'000'000;
  int64_t next = 1;      // the request whose connection is to be opened ahead
  bool accepted = false; // the upstream accepted that connection
  std::vector<std::string> log;
};

} // namespace

// Every stream is held open, so no connection frees up: each request needs a new one, which the
// runner opens connectAheadNs before the request's time. Only the first, sent at the start, has
// to wait for its connect. What on-demand connections cost in send lag in real time is measured
// by bench/replay (replay_bench, "on demand").
TEST_CASE("on demand, connections are opened ahead of their requests") {
  test::FakeUpstream upstream({}, [](const test::FakeUpstream::Received&) { return true; });
  std::vector<Exchange> sources = capturedSources(5);
  for (size_t i = 0; i < sources.size(); ++i) {
    sources[i].sentUs = static_cast<int64_t>(i) * ConnectAheadDriver::kGapNs / 1000;
    sources[i].requestBody = R"({"inputs":"a prompt","parameters":{"max_new_tokens":4}})";
    sources[i].maxNewTokens = 4; // the held answers stay open after their first token
  }
  std::thread releaser([&upstream] {
    upstream.waitForRequests(5, std::chrono::seconds(20));
    upstream.release([](const test::FakeUpstream::Received&) { return true; });
  });
  ConnectAheadDriver driver(upstream);
  LoopGuard loop;
  uv_check_t check;
  uv_check_init(loop.get(), &check);
  check.data = &driver;
  uv_check_start(&check,
                 [](uv_check_t* h) { static_cast<ConnectAheadDriver*>(h->data)->onCheck(); });
  uv_unref(reinterpret_cast<uv_handle_t*>(&check)); // run() returns when the runner is done
  RunStats stats;
  {
    const RunOptions options = targeting(upstream.url());
    const Plan plan = planOf(sources);
    Runner runner(loop.get(), driver.clock, plan, sources, options, [](Exchange&&) {});
    stats = runner.run(ConnectAheadDriver::kOriginNs);
  }
  releaser.join();
  uv_close(reinterpret_cast<uv_handle_t*>(&check), nullptr);
  REQUIRE(loop.close() == 0);
  REQUIRE(upstream.stop() == 0);
  CHECK(driver.log == std::vector<std::string>{"connection ahead for request 1", "request 1 sent",
                                               "connection ahead for request 2", "request 2 sent",
                                               "connection ahead for request 3", "request 3 sent",
                                               "connection ahead for request 4", "request 4 sent"});
  CHECK(stats.outcomes.at(Outcome::Ok) == 5);
  CHECK(upstream.connections() == 5);
  CHECK(stats.connectionWaits == 1);
}

TEST_CASE("a closed loop sends nothing before its origin") {
  test::FakeUpstream upstream;
  const auto sources = capturedSources(6);
  const Plan plan = planOf(sources, {.mode = RateMode::Concurrency, .value = 2});
  const RunOptions options = targeting(upstream.url());
  std::vector<Exchange> results;
  LoopGuard loop;
  MonotonicClock clock;
  {
    Runner runner(loop.get(), clock, plan, sources, options,
                  [&results](Exchange&& e) { results.push_back(std::move(e)); });
    runner.run(clock.nowNs() + 30'000'000); // the origin 30 ms ahead, as with --start-at
  }
  REQUIRE(loop.close() == 0);
  REQUIRE(upstream.stop() == 0);
  REQUIRE(results.size() == 6);
  for (const auto& e : results) {
    CHECK(e.sentUs >= 0);
    CHECK(e.intendedUs.value_or(-1) >= 0);
  }
}

// A synthesized prompt of 150,000 tokens (over 500 KB) takes milliseconds to make and escape;
// the runner builds each request while it waits for its send time. Whether that keeps the build
// out of the send lag is measured by bench/replay (replay_bench --input-tokens).
TEST_CASE("requests with long synthesized prompts are sent whole, none before its time") {
  test::FakeUpstream upstream;
  std::vector<Exchange> sources;
  for (int i = 0; i < 4; ++i) {
    Exchange e;
    e.id = 100 + i;
    e.sentUs = i * 40'000;
    e.endpoint = Endpoint::GenerateStream;
    e.inputTokens = 150'000;
    e.maxNewTokens = 1;
    sources.push_back(e);
  }
  const Plan plan = planOf(sources);
  const RunOptions options = targeting(upstream.url());
  std::vector<Exchange> results;
  LoopGuard loop;
  MonotonicClock clock;
  {
    Runner runner(loop.get(), clock, plan, sources, options,
                  [&results](Exchange&& e) { results.push_back(std::move(e)); });
    runner.run(clock.nowNs() + 40'000'000);
  }
  REQUIRE(loop.close() == 0);
  REQUIRE(upstream.stop() == 0);
  REQUIRE(results.size() == 4);
  std::multiset<size_t> sentSizes;
  for (const auto& e : results) {
    INFO("request " << *e.sourceRequestId);
    CHECK(e.outcome == Outcome::Ok);
    CHECK(e.requestBodyBytes > 500'000);
    CHECK(e.sentUs >= *e.intendedUs);
    sentSizes.insert(static_cast<size_t>(e.requestBodyBytes));
  }
  std::multiset<size_t> receivedSizes;
  for (const auto& q : upstream.requests()) {
    receivedSizes.insert(q.body.size());
  }
  CHECK(receivedSizes == sentSizes);
}
