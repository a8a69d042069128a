// One SSE stream at a time through the capture proxy on loopback (docs/proxy.md, "Tests it passes",
// 1 and 28): 60 token events on a jittered schedule (one every 15-25 ms) from a scripted upstream,
// read by a blocking client. For each run: the per-event forwarding delay (the client's read minus
// the upstream's write, target p99 at most 1 ms) and the error of the recorded token times against
// the upstream's writes, per event time and per gap (target at most 1 ms).
// Usage: proxy_stream_bench [RUNS=3]
#include "tests/proxy/harness.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace {

using namespace tt;
using namespace tt::test;

constexpr int kEvents = 60;

std::string tokenEvent(int k) {
  return R"(data: {"index":)" + std::to_string(k) + R"(,"token":{"id":)" + std::to_string(100 + k) +
         R"(,"text":"#)" + std::to_string(k) +
         R"(#","logprob":-0.5,"special":false},"generated_text":null,"details":null})"
         "\n\n";
}

struct Run {
  bool complete = false;
  std::vector<int64_t> delaysUs; // client read - upstream write, per event
  int64_t worstTokenErrorUs = 0; // |recorded - written|, per event time and per gap
};

Run runOnce() {
  std::mutex m;
  std::vector<int64_t> sent(kEvents + 1, 0);
  FakeUpstream upstream([&](UpConn& c) {
    if (!c.readRequest()) {
      return;
    }
    c.send("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: "
           "chunked\r\n\r\n");
    uint32_t seed = 12345;
    int64_t t = monoNs() + 20'000'000;
    for (int k = 1; k <= kEvents; ++k) {
      seed = seed * 1103515245 + 12345;
      t += 15'000'000 + static_cast<int64_t>((seed >> 8) % 10'000'001);
      sleepUntilNs(t);
      {
        std::lock_guard lock(m);
        sent[static_cast<size_t>(k)] = monoNs();
      }
      c.send(chunk(tokenEvent(k)));
    }
    c.send("0\r\n\r\n");
    c.waitClosed(5000);
  });
  MemoryRecorder recorder;
  ProxyThread proxy(configFor(upstream.port()), recorder);
  int64_t origin = 0;
  proxy.call([&](proxy::Server& s) { origin = s.originNs(); });
  Client client(proxy.port());
  const std::string body = R"({"inputs":"count","parameters":{"max_new_tokens":64}})";
  client.send("POST /generate_stream HTTP/1.1\r\nHost: tgi\r\nContent-Type: "
              "application/json\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body);
  std::vector<int64_t> read(kEvents + 1, 0);
  int next = 1;
  const int64_t deadline = monoNs() + 30'000'000'000;
  while (next <= kEvents && monoNs() < deadline) {
    std::string data;
    const ssize_t r = client.sock.readSome(data, 1000);
    const int64_t now = monoNs();
    if (r == 0) {
      break;
    }
    client.raw += data;
    while (next <= kEvents &&
           client.raw.find("#" + std::to_string(next) + "#") != std::string::npos) {
      read[static_cast<size_t>(next++)] = now;
    }
  }
  const auto records = recorder.waitFor(1, 10'000);
  proxy.stop();
  upstream.stop();
  Run run;
  if (next <= kEvents || records.size() != 1 ||
      records[0].tokenTimesUs.size() != static_cast<size_t>(kEvents)) {
    return run;
  }
  run.complete = true;
  const std::vector<int64_t>& times = records[0].tokenTimesUs;
  for (size_t k = 1; k <= kEvents; ++k) {
    run.delaysUs.push_back((read[k] - sent[k]) / 1000);
    const int64_t sentUs = (sent[k] - origin) / 1000;
    int64_t error = std::abs(times[k - 1] - sentUs);
    if (k > 1) {
      const int64_t gapSent = (sent[k] - sent[k - 1]) / 1000;
      error = std::max(error, std::abs((times[k - 1] - times[k - 2]) - gapSent));
    }
    run.worstTokenErrorUs = std::max(run.worstTokenErrorUs, error);
  }
  return run;
}

int64_t percentile(std::vector<int64_t> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

} // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 3;
  std::printf("| run | events | forwarding delay p50 / p99 / max (µs) | worst token time error "
              "(µs) |\n|---|---|---|---|\n");
  bool allComplete = true;
  for (int i = 1; i <= runs; ++i) {
    const Run r = runOnce();
    allComplete = allComplete && r.complete;
    if (!r.complete) {
      std::printf("| %d | incomplete | - | - |\n", i);
      continue;
    }
    std::printf("| %d | %d | %lld / %lld / %lld | %lld |\n", i, kEvents,
                static_cast<long long>(percentile(r.delaysUs, 0.5)),
                static_cast<long long>(percentile(r.delaysUs, 0.99)),
                static_cast<long long>(percentile(r.delaysUs, 1.0)),
                static_cast<long long>(r.worstTokenErrorUs));
  }
  return allComplete ? 0 : 1;
}
