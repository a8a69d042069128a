// Send lag of the open-loop replayer against a tgi-sim process on the same host: requests at a
// fixed rate (500, 2,000, 5,000 req/s), each a stream lasting about --stream-seconds, so up to
// rate x stream-seconds (10,000 at 5,000 req/s) streams are open at once. Send lag is the actual
// write minus the intended send time (what `tracetune replay` stores as sent_us - intended_us).
// Each rate runs twice: connections opened on demand, and a pool opened before the start.
//
// In production the replayer and TGI run on different machines. Here they share the cores, and
// the kernel, seeing the two processes wake each other through their sockets, tends to queue
// both on one core while the other idles: the replayer then waits milliseconds for a core. So
// by default tgi-sim runs on one CPU and the replayer on another, as if on two machines;
// `--cpus shared` leaves the placement to the kernel. `--priority realtime` runs the replayer's
// sending thread under SCHED_FIFO, as `tracetune replay --realtime` does (root or CAP_SYS_NICE).
// `--repeat N` runs every configuration N times and summarises the p99 of each run.
// `--input-tokens N` sends prompts synthesized to N tokens (over 500 KB at 150,000) instead of
// short recorded ones: the runner builds each while it waits for its send time, so the build
// should stay out of the send lag.
//
// replay_bench [--rates 500,2000,5000] [--seconds 3] [--tokens 8] [--time-scale 1]
//              [--cpus split|shared] [--priority normal|realtime] [--repeat N] [--input-tokens N]
#include "core/clock.h"
#include "core/percentile.h"
#include "core/realtime.h"
#include "core/uv_util.h"
#include "replay/plan.h"
#include "replay/runner.h"
#include "tests/support/child_process.h"

#include <sched.h>
#include <sys/resource.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

using namespace tt;
using namespace std::chrono_literals;

namespace {

struct Args {
  std::vector<int> rates = {500, 2000, 5000};
  double seconds = 3;      // of sending, per run
  int tokens = 8;          // max_new_tokens of every request
  int64_t inputTokens = 0; // > 0: synthesized prompts of this many tokens
  double timeScale = 1;    // tgi-sim's: real time; at 5,000 req/s a stream lasts about 2 s
  int maxConnections = 12'000;
  bool splitCpus = true;
  bool realtime = false;
  int repeat = 1;
  int serverCpu = -1; // with splitCpus: the first two CPUs this process may use
  int replayerCpu = -1;
};

Args parseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--rates") {
      a.rates.clear();
      std::stringstream in(value);
      std::string item;
      while (std::getline(in, item, ',')) {
        a.rates.push_back(std::stoi(item));
      }
    } else if (flag == "--seconds") {
      a.seconds = std::stod(value);
    } else if (flag == "--tokens") {
      a.tokens = std::stoi(value);
    } else if (flag == "--time-scale") {
      a.timeScale = std::stod(value);
    } else if (flag == "--cpus" && (value == "split" || value == "shared")) {
      a.splitCpus = value == "split";
    } else if (flag == "--priority" && (value == "normal" || value == "realtime")) {
      a.realtime = value == "realtime";
    } else if (flag == "--input-tokens") {
      a.inputTokens = std::stoll(value);
    } else if (flag == "--repeat") {
      a.repeat = std::max(1, std::stoi(value));
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      std::exit(2);
    }
  }
  return a;
}

struct Result {
  int64_t requests = 0;
  int64_t ok = 0;
  int64_t maxStreams = 0;
  double meanStreamS = 0;
  int preopened = 0;
  std::optional<double> p50, p99, max; // send lag, µs
};

// The most requests open at one instant (sent and not yet ended).
int64_t maxOpen(const std::vector<Exchange>& results) {
  std::vector<std::pair<int64_t, int>> edges;
  for (const auto& e : results) {
    edges.emplace_back(e.sentUs, 1);
    edges.emplace_back(e.endUs.value_or(e.sentUs), -1);
  }
  std::sort(edges.begin(), edges.end());
  int64_t open = 0;
  int64_t most = 0;
  for (const auto& [t, d] : edges) {
    open += d;
    most = std::max(most, open);
  }
  return most;
}

// Moves the calling thread, and what it spawns from now on, to one CPU.
void pinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    std::perror("sched_setaffinity");
    std::exit(1);
  }
}

Result runOnce(const Args& args, int rate, bool preopen) {
  if (args.splitCpus) {
    pinTo(args.serverCpu); // tgi-sim inherits it
  }
  std::vector<std::string> simArgs = {TGI_SIM_BIN, "--hostname", "127.0.0.1", "--port", "0"};
  simArgs.insert(simArgs.end(), {"--time-scale", std::to_string(args.timeScale),
                                 "--max-concurrent-requests", "100000", "--kv-tokens", "4000000"});
  if (args.inputTokens > 0) { // room for the long prompts (the tokenizer's count may differ)
    const std::string input = std::to_string(2 * args.inputTokens);
    const std::string total = std::to_string(2 * args.inputTokens + args.tokens);
    simArgs.insert(simArgs.end(), {"--max-input-tokens", input, "--max-batch-prefill-tokens", input,
                                   "--max-total-tokens", total});
  }
  test::ChildProcess sim(simArgs);
  if (args.splitCpus) {
    pinTo(args.replayerCpu);
  }
  const std::string line = sim.readLine(30s);
  const std::string prefix = "tgi-sim listening on 127.0.0.1:";
  if (line.rfind(prefix, 0) != 0) {
    std::fprintf(stderr, "tgi-sim did not start: %s %s\n", line.c_str(), sim.err.c_str());
    std::exit(1);
  }
  const int port = std::stoi(line.substr(prefix.size()));

  const auto n = static_cast<int64_t>(std::llround(rate * args.seconds));
  std::vector<Exchange> sources(static_cast<size_t>(n));
  std::vector<replay::PlanSource> planSources;
  for (int64_t i = 0; i < n; ++i) {
    Exchange& e = sources[static_cast<size_t>(i)];
    e.id = i + 1;
    e.sentUs = i * 1'000'000 / rate;
    e.method = "POST";
    e.path = "/generate_stream";
    e.endpoint = Endpoint::GenerateStream;
    e.stream = true;
    e.requestHeaders = {{"content-type", "application/json"}};
    if (args.inputTokens > 0) {
      e.inputTokens = args.inputTokens; // no body: the prompt is synthesized to this length
    } else {
      e.requestBody = R"({"inputs":"replay benchmark request )" + std::to_string(i) +
                      R"( with a short prompt","parameters":{"max_new_tokens":)" +
                      std::to_string(args.tokens) + "}}";
    }
    e.maxNewTokens = args.tokens;
    planSources.push_back({e.sentUs, -1});
  }
  const replay::Plan plan = replay::buildPlan(planSources, {});

  replay::RunOptions options;
  const auto url = parseHttpUrl("http://127.0.0.1:" + std::to_string(port));
  options.target = *url.url;
  uv_ip4_addr("127.0.0.1", port, reinterpret_cast<sockaddr_in*>(&options.address));
  options.maxConnections = args.maxConnections;
  options.timeoutMs = 120'000;

  std::vector<Exchange> results;
  results.reserve(static_cast<size_t>(n));
  Result r;
  replay::RunStats stats;
  {
    LoopGuard loop;
    MonotonicClock clock;
    replay::Runner runner(loop.get(), clock, plan, sources, options,
                          [&results](Exchange&& e) { results.push_back(std::move(e)); });
    if (preopen) {
      // The pool the run will need: rate x stream length, with a margin.
      const int pool = std::min(args.maxConnections, static_cast<int>(rate * 2.5 * 1.3));
      r.preopened = runner.preconnect(pool, 30'000);
    }
    std::optional<RealtimeScope> realtime;
    if (args.realtime) {
      realtime.emplace();
      if (!realtime->error().empty()) {
        std::fprintf(stderr, "--priority realtime: %s\n", realtime->error().c_str());
        std::exit(1);
      }
    }
    stats = runner.run(clock.nowNs() + 10'000'000); // start 10 ms ahead
    if (loop.close() != 0) {
      std::fprintf(stderr, "replay loop not empty\n");
    }
  }
  sim.signal(SIGTERM);
  sim.wait(30s);

  r.requests = stats.sent;
  r.ok = stats.outcomes.count(Outcome::Ok) ? stats.outcomes.at(Outcome::Ok) : 0;
  r.maxStreams = maxOpen(results);
  double total = 0;
  std::vector<int64_t> sendLagUs;
  sendLagUs.reserve(results.size());
  for (const auto& e : results) {
    total += static_cast<double>(e.endUs.value_or(e.sentUs) - e.sentUs) / 1e6;
    sendLagUs.push_back(e.sentUs - e.intendedUs.value_or(e.sentUs));
  }
  r.meanStreamS = results.empty() ? 0 : total / static_cast<double>(results.size());
  r.p50 = percentile(sendLagUs, 50);
  r.p99 = percentile(sendLagUs, 99);
  r.max = percentile(sendLagUs, 100);
  return r;
}

std::string ms(std::optional<double> us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", us ? *us / 1000.0 : -1.0);
  return buf;
}

} // namespace

int main(int argc, char** argv) {
  Args args = parseArgs(argc, argv);
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    args.splitCpus = false;
  }
  for (int cpu = 0; cpu < CPU_SETSIZE && args.replayerCpu < 0; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) {
      (args.serverCpu < 0 ? args.serverCpu : args.replayerCpu) = cpu;
    }
  }
  args.splitCpus = args.splitCpus && args.replayerCpu >= 0;
  // Every stream is a socket on each side: raise the soft descriptor limit to the hard one (the
  // tgi-sim child inherits it).
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  std::printf("fd limit %llu; %g s per run, %s prompts, max_new_tokens %d, tgi-sim --time-scale "
              "%g, %s, replayer priority %s\n",
              static_cast<unsigned long long>(limit.rlim_cur), args.seconds,
              args.inputTokens > 0
                  ? ("synthesized " + std::to_string(args.inputTokens) + "-token").c_str()
                  : "short recorded",
              args.tokens, args.timeScale,
              args.splitCpus ? "tgi-sim and the replayer on a CPU each" : "CPUs shared",
              args.realtime ? "real-time (SCHED_FIFO)" : "normal");
  std::printf("| req/s | connections | requests | ok | max open streams | mean stream s | "
              "send lag p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|---|\n");
  std::vector<std::string> summaries;
  for (const int rate : args.rates) {
    for (const bool preopen : {false, true}) {
      std::vector<int64_t> p99s; // µs
      for (int run = 0; run < args.repeat; ++run) {
        const Result r = runOnce(args, rate, preopen);
        std::printf("| %d | %s | %lld | %lld | %lld | %.2f | %s | %s | %s |\n", rate,
                    preopen ? ("pre-opened " + std::to_string(r.preopened)).c_str() : "on demand",
                    static_cast<long long>(r.requests), static_cast<long long>(r.ok),
                    static_cast<long long>(r.maxStreams), r.meanStreamS, ms(r.p50).c_str(),
                    ms(r.p99).c_str(), ms(r.max).c_str());
        std::fflush(stdout);
        p99s.push_back(r.p99 ? std::llround(*r.p99) : INT64_MAX);
      }
      if (args.repeat > 1) {
        std::sort(p99s.begin(), p99s.end());
        std::string line =
            "| " + std::to_string(rate) + " | " + (preopen ? "pre-opened" : "on demand") + " |";
        for (const int64_t p : p99s) {
          line += " " + ms(static_cast<double>(p));
        }
        const auto within =
            std::count_if(p99s.begin(), p99s.end(), [](int64_t p) { return p <= 1000; });
        line += " | " + std::to_string(within) + " of " + std::to_string(p99s.size()) + " | " +
                ms(percentile(p99s, 50)) + " |";
        summaries.push_back(line);
      }
    }
  }
  if (!summaries.empty()) {
    std::printf("\np99 send lag of each run, sorted (ms):\n\n| req/s | connections | p99 of each "
                "run | runs within 1 ms | median |\n|---|---|---|---|---|\n");
    for (const auto& line : summaries) {
      std::printf("%s\n", line.c_str());
    }
  }
  return 0;
}
