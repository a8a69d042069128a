// tgi-sim's pace at a size one core can emit: 200 concurrent streams at --time-scale 20 with
// --prefill-chunking off --max-batch-size 16 (tgisim/README.md, "Pacing"), the test
// suite's end-to-end case, timed. For each run: the share of token gaps within 1 ms of the scaled
// durations of the forwards between them (target: at least 90%), the worst gap error, and how late
// tokens reached the client and the server's forward timer fired. Where real-time priority is
// permitted, the server and the client each run under SCHED_FIFO on a CPU of their own.
// Usage: tgisim_pace_bench [RUNS=3]
#include "tests/tgisim/sim_harness.h"
#include "tests/tgisim/stream_client.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

namespace {

constexpr int kStreams = 200;
constexpr double kScale = 20;

struct Pace {
  bool complete = true;
  size_t gaps = 0;
  size_t gapsWithin = 0;
  double worstGapErrorMs = 0;
  double worstLatenessMs = 0;
  double worstTimerMs = 0;
};

Pace runOnce() {
  const std::vector<int> cpus = tt::test::allowedCpus();
  std::optional<int> serverCpu;
  std::optional<int> clientCpu;
  if (cpus.size() >= 2) {
    serverCpu = cpus[0];
    clientCpu = cpus[1];
  }
  tt::test::ForwardLog log;
  tt::test::ServerThread server(
      tt::test::simConfig({"--time-scale", "20", "--max-concurrent-requests", "256",
                           "--prefill-chunking", "off", "--max-batch-size", "16"}),
      &log, serverCpu);
  tt::LoopGuard loop;
  tt::MonotonicClock clock;
  std::vector<std::unique_ptr<tt::test::StreamConn>> streams;
  for (int i = 0; i < kStreams; ++i) {
    const std::string body = R"({"inputs":"Stream number )" + std::to_string(i) +
                             R"( says hello","parameters":{"max_new_tokens":)" +
                             std::to_string(10 + i) + R"(,"details":true}})";
    streams.push_back(std::make_unique<tt::test::StreamConn>(
        *loop.get(), clock, server.port(), tt::test::postRequest("/generate_stream", body)));
  }
  {
    std::optional<tt::RealtimeScope> realtime;
    if (clientCpu) {
      realtime.emplace(*clientCpu);
    }
    uv_run(loop.get(), UV_RUN_DEFAULT);
  }
  server.stop();
  loop.close();

  Pace pace;
  const auto& forwards = log.forwards;
  std::map<size_t, const std::vector<size_t>*> byCount; // a stream's token count is 10 + i
  for (const auto& [id, list] : log.tokenForwards) {
    byCount[list.size()] = &list;
  }
  for (int i = 0; i < kStreams; ++i) {
    const auto it = byCount.find(static_cast<size_t>(10 + i));
    const std::vector<int64_t>& arrivals = streams[i]->times();
    if (!streams[i]->done() || it == byCount.end() || arrivals.size() != it->second->size()) {
      pace.complete = false;
      continue;
    }
    const std::vector<size_t>& at = *it->second;
    for (size_t k = 0; k < at.size(); ++k) {
      pace.worstLatenessMs =
          std::max(pace.worstLatenessMs,
                   static_cast<double>(arrivals[k] - forwards[at[k]].intendedNs) / 1e6);
      if (k == 0) {
        continue;
      }
      int64_t virtualUs = 0;
      for (size_t f = at[k - 1] + 1; f <= at[k]; ++f) {
        virtualUs += forwards[f].record.durationUs;
      }
      const double expectedMs = static_cast<double>(virtualUs) / 1000.0 / kScale;
      const double actualMs = static_cast<double>(arrivals[k] - arrivals[k - 1]) / 1e6;
      const double error = std::abs(actualMs - expectedMs);
      pace.worstGapErrorMs = std::max(pace.worstGapErrorMs, error);
      pace.gapsWithin += error <= 1.0 ? 1 : 0;
      ++pace.gaps;
    }
  }
  for (const auto& f : forwards) {
    pace.worstTimerMs =
        std::max(pace.worstTimerMs, static_cast<double>(f.firedNs - f.intendedNs) / 1e6);
  }
  return pace;
}

} // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 3;
  std::printf("%d streams at --time-scale %g, --max-batch-size 16, prefill chunking off\n",
              kStreams, kScale);
  std::printf("| run | streams complete | token gaps | within 1 ms | worst gap error ms | "
              "worst token lateness ms | worst timer lateness ms |\n"
              "|---|---|---|---|---|---|---|\n");
  bool allComplete = true;
  for (int run = 1; run <= runs; ++run) {
    const Pace p = runOnce();
    allComplete = allComplete && p.complete;
    std::printf(
        "| %d | %s | %zu | %.1f%% | %.3f | %.3f | %.3f |\n", run, p.complete ? "all" : "NOT ALL",
        p.gaps,
        p.gaps == 0 ? 0.0 : 100.0 * static_cast<double>(p.gapsWithin) / static_cast<double>(p.gaps),
        p.worstGapErrorMs, p.worstLatenessMs, p.worstTimerMs);
  }
  return allComplete ? 0 : 1;
}
