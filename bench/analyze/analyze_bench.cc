// Times `tracetune analyze` on a generated database of a million streamed requests (target:
// under 10 s), with a plain SQL scan of the request_metrics view beside it as the anchor: the
// least any analysis reading every request through SQLite pays.
//
// Usage: analyze_bench [REQUESTS [DB]]. The database is generated once (deterministically) and
// reused by later runs; the generation is not timed.

#include "analyze/analysis.h"
#include "analyze/report_html.h"
#include "analyze/report_json.h"
#include "analyze/report_table.h"
#include "schema/store.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One trace of `n` streamed requests, Poisson arrivals at 200 req/s, 1-256 output tokens each
// (uniform), TTFT 80-400 ms and inter-token gaps 15-60 ms.
void generate(const std::string& path, int64_t n) {
  std::filesystem::remove(path);
  tt::Store store(path);
  const int64_t trace = store.createTrace(
      {.kind = tt::TraceKind::Replay, .label = "bench", .originUnixUs = 1'700'000'000'000'000});
  std::mt19937_64 rng(1);
  std::exponential_distribution<double> arrival(200.0 / 1e6);
  std::uniform_int_distribution<int> tokens(1, 256);
  std::uniform_int_distribution<int64_t> ttft(80'000, 400'000);
  std::uniform_int_distribution<int64_t> gap(15'000, 60'000);
  std::vector<tt::Exchange> batch;
  double t = 0;
  for (int64_t i = 0; i < n; ++i) {
    tt::Exchange e;
    t += arrival(rng);
    e.intendedUs = static_cast<int64_t>(t);
    e.sentUs = *e.intendedUs + static_cast<int64_t>(i % 7) * 100;
    e.path = "/generate_stream";
    e.endpoint = tt::Endpoint::GenerateStream;
    e.stream = true;
    e.status = 200;
    e.inputTokens = 100 + i % 900;
    int64_t at = e.sentUs + ttft(rng);
    const int count = tokens(rng);
    for (int k = 0; k < count; ++k) {
      e.tokenTimesUs.push_back(at);
      at += gap(rng);
    }
    e.endUs = at;
    e.outputTokens = count;
    if (i % 200 == 199) {
      e.outcome = tt::Outcome::Timeout;
      e.error = "idle timeout";
    }
    batch.push_back(std::move(e));
    if (batch.size() == 20'000 || i + 1 == n) {
      store.append(trace, batch);
      batch.clear();
    }
  }
}

int64_t countRequests(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    return -1;
  }
  tt::Store store(path, tt::Store::Access::Read);
  const auto traces = store.listTraces();
  return traces.size() == 1 ? traces[0].requests : -1;
}

double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

long peakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

} // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
  const char* tmp = std::getenv("TMPDIR");
  const std::string path = argc > 2 ? argv[2]
                                    : std::string(tmp && *tmp ? tmp : "/tmp") +
                                          "/tracetune-analyze-bench-" + std::to_string(n) + ".db";
  if (countRequests(path) != n) {
    std::printf("generating %lld requests into %s ...\n", static_cast<long long>(n), path.c_str());
    const auto start = Clock::now();
    generate(path, n);
    std::printf("generated in %.1f s\n", secondsSince(start));
  }
  const double sizeMb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;

  // Anchor: one SQL pass over the view, the floor for reading every request.
  auto start = Clock::now();
  {
    tt::Store store(path, tt::Store::Access::Read);
    auto stmt = store.db().prepare(
        "SELECT count(*), avg(ttft_us), avg(e2e_us), avg(tpot_us) FROM request_metrics");
    stmt.step();
  }
  const double sqlScan = secondsSince(start);

  start = Clock::now();
  const double cpuStart = cpuSeconds();
  tt::Store store(path, tt::Store::Access::Read);
  const auto report = tt::analyze::analyzeStore(store, {.traceIds = {1}},
                                                tt::analyze::parseSlo("ttft=300ms,itl=40ms"));
  const double analysis = secondsSince(start);
  const double analysisCpu = cpuSeconds() - cpuStart;

  start = Clock::now();
  const auto tables = tt::analyze::tableReport(report);
  const std::string json = tt::analyze::jsonReport(report).dump(2);
  const std::string htmlPath = path + ".html";
  {
    std::ofstream html(htmlPath);
    tt::analyze::writeHtml(report, html);
  }
  const double output = secondsSince(start);

  const auto& m = report.traces.at(0).metrics;
  std::printf("requests %lld, token gaps %lld, database %.0f MB, %s\n",
              static_cast<long long>(m.requests),
              static_cast<long long>(m.itlUs ? m.itlUs->count : 0), sizeMb, path.c_str());
  std::printf("| step | seconds |\n|---|---|\n");
  std::printf("| anchor: SQL scan of request_metrics (count, 3 averages) | %.2f |\n", sqlScan);
  std::printf("| analyze: read, metrics, percentiles, batch views, timeline | %.2f (CPU %.2f) |\n",
              analysis, analysisCpu);
  std::printf("| reports: tables, JSON, HTML | %.2f |\n", output);
  std::printf("| total (target < 10 s) | %.2f |\n", analysis + output);
  std::printf("peak RSS %ld MB; check: TTFT p50 %.1f ms, ITL p99 %.1f ms, %zu tables\n",
              peakRssMb(), m.ttftUs ? m.ttftUs->p50 / 1e3 : 0.0, m.itlUs ? m.itlUs->p99 / 1e3 : 0.0,
              tables.size());
  std::printf("%s\n", analysis + output < 10 ? "within the 10 s target" : "OVER the 10 s target");
  return 0;
}
