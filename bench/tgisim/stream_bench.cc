// tgi-sim serving 1,000 concurrent streams in real time (--time-scale 1): token-emission
// lateness, i.e. how long after its forward's scheduled end each token event reaches a client
// on the same host, and how late the server's forward timer fires.
#include "tests/tgisim/sim_harness.h"
#include "tests/tgisim/stream_client.h"

#include <algorithm>
#include <cstdio>

namespace {

double percentile(std::vector<double> v, double q) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

} // namespace

int main(int argc, char** argv) {
  const int streams = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int tokens = argc > 2 ? std::atoi(argv[2]) : 64;
  tt::test::ForwardLog log;
  tt::test::ServerThread server(
      tt::test::simConfig({"--max-concurrent-requests", std::to_string(streams + 8)}), &log);
  tt::LoopGuard loop;
  tt::MonotonicClock clock;
  std::vector<std::unique_ptr<tt::test::StreamConn>> conns;
  for (int i = 0; i < streams; ++i) {
    const std::string body = R"({"inputs":"Benchmark stream )" + std::to_string(i) +
                             R"(","parameters":{"max_new_tokens":)" + std::to_string(tokens) + "}}";
    conns.push_back(std::make_unique<tt::test::StreamConn>(
        *loop.get(), clock, server.port(), tt::test::postRequest("/generate_stream", body)));
  }
  const int64_t start = clock.nowNs();
  uv_run(loop.get(), UV_RUN_DEFAULT);
  const double wallS = static_cast<double>(clock.nowNs() - start) / 1e9;
  server.stop();
  loop.close();

  // Client arrival of every token against the scheduled end of the forward that emitted it.
  // Tokens of one forward are matched in order to the streams' events by time.
  std::vector<int64_t> ends;
  std::vector<double> timer;
  for (const auto& f : log.forwards) {
    ends.push_back(f.intendedNs);
    timer.push_back(static_cast<double>(f.firedNs - f.intendedNs) / 1e6);
  }
  std::vector<double> lateness;
  int complete = 0;
  for (const auto& c : conns) {
    complete += c->done() && static_cast<int>(c->times().size()) == tokens ? 1 : 0;
    for (const int64_t t : c->times()) {
      // The forward this token came from: the last one scheduled to end at or before it.
      const auto it = std::upper_bound(ends.begin(), ends.end(), t);
      if (it != ends.begin()) {
        lateness.push_back(static_cast<double>(t - *(it - 1)) / 1e6);
      }
    }
  }
  std::printf("streams %d x %d tokens, complete %d, forwards %zu, wall %.2f s\n", streams, tokens,
              complete, log.forwards.size(), wallS);
  std::printf("| what | p50 ms | p99 ms | max ms |\n|---|---|---|---|\n");
  std::printf("| token arrival at client - forward end | %.3f | %.3f | %.3f |\n",
              percentile(lateness, 0.5), percentile(lateness, 0.99), percentile(lateness, 1.0));
  std::printf("| server forward timer | %.3f | %.3f | %.3f |\n", percentile(timer, 0.5),
              percentile(timer, 0.99), percentile(timer, 1.0));
  return complete == streams ? 0 : 1;
}
