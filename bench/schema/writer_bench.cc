// Capture writer throughput: exchanges of 100 token times and 1 KiB bodies pushed through
// CaptureWriter as fast as it takes them, against the anchor of the same rows inserted by a
// plain loop (one prepared statement, 1,024 rows a transaction, same pragmas) in the same run.
#include "schema/capture_writer.h"
#include "schema/exchange_rows.h"
#include "schema/store.h"

#include "tests/support/sample_exchange.h"
#include "tests/support/temp_dir.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

using namespace tt;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kExchanges = 200'000;
constexpr int kTokens = 100;

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// User + system CPU of the whole process so far, in µs: on a shared machine CPU per exchange is
// steadier than throughput, which depends on what else gets the cores.
double processCpuUs() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto us = [](const timeval& t) { return t.tv_sec * 1e6 + static_cast<double>(t.tv_usec); };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

struct Measured {
  double exchangesPerSecond;
  double cpuUsPerExchange;
};

std::vector<Exchange> templates() {
  std::vector<Exchange> all;
  for (int i = 0; i < 1'000; ++i) {
    all.push_back(test::sampleExchange(i, kTokens, 1024));
  }
  return all;
}

Measured anchorPlainInserts(const std::string& path, const std::vector<Exchange>& pool) {
  Store store(path);
  const int64_t trace = store.createTrace({});
  ExchangeInserter inserter(store.db());
  const double cpuStart = processCpuUs();
  const auto start = Clock::now();
  for (int done = 0; done < kExchanges;) {
    db::Txn txn(store.db());
    for (int k = 0; k < 1'024 && done < kExchanges; ++k, ++done) {
      if (inserter.tryInsert(trace, pool[static_cast<size_t>(done) % pool.size()]) != SQLITE_DONE) {
        std::fprintf(stderr, "insert failed: %s\n", store.db().errorMessage().c_str());
        std::exit(1);
      }
    }
    txn.commit();
  }
  return {kExchanges / seconds(Clock::now() - start), (processCpuUs() - cpuStart) / kExchanges};
}

struct WriterResult {
  Measured measured;
  double enqueueMedianNs;
  double enqueueP99Ns;
  uint64_t dropped;
};

WriterResult throughWriter(const std::string& path, const std::vector<Exchange>& pool) {
  const int64_t trace = Store(path).createTrace({});
  std::vector<Exchange> copies; // copied before timing: the producer's cost is the submit alone
  copies.reserve(kExchanges);
  for (int i = 0; i < kExchanges; ++i) {
    copies.push_back(pool[static_cast<size_t>(i) % pool.size()]);
  }
  std::vector<int64_t> enqueueNs;
  enqueueNs.reserve(kExchanges);
  uint64_t retries = 0;
  // A queue that holds the whole run: this measures how fast the writer drains it.
  CaptureWriter writer(path, trace, {.queueCapacity = kExchanges});
  const double cpuStart = processCpuUs();
  const auto start = Clock::now();
  for (auto& e : copies) {
    for (;;) {
      const auto before = Clock::now();
      const bool accepted = writer.submit(std::move(e));
      const auto after = Clock::now();
      if (accepted) {
        enqueueNs.push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(after - before).count());
        break;
      }
      ++retries; // cannot happen with this queue size; counted to show it did not
      std::this_thread::yield();
    }
  }
  writer.flush();
  const Measured measured{kExchanges / seconds(Clock::now() - start),
                          (processCpuUs() - cpuStart) / kExchanges};
  std::sort(enqueueNs.begin(), enqueueNs.end());
  return {measured, static_cast<double>(enqueueNs[enqueueNs.size() / 2]),
          static_cast<double>(enqueueNs[enqueueNs.size() * 99 / 100]), retries};
}

} // namespace

int main() {
  test::TempDir dir;
  const auto pool = templates();
  const Measured anchor = anchorPlainInserts(dir.file("anchor.db"), pool);
  const auto writer = throughWriter(dir.file("writer.db"), pool);
  std::printf("capture writer, %d exchanges of %d token times and 1 KiB bodies\n", kExchanges,
              kTokens);
  std::printf("| path | exchanges/s | token times/s | CPU per exchange | enqueue p50 | enqueue p99 "
              "| full-queue refusals |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  std::printf("| anchor: plain batched INSERT loop | %.0f | %.0f | %.1f µs | - | - | - |\n",
              anchor.exchangesPerSecond, anchor.exchangesPerSecond * kTokens,
              anchor.cpuUsPerExchange);
  std::printf("| CaptureWriter (producer thread + writer thread) | %.0f | %.0f | %.1f µs | %.0f ns "
              "| %.0f ns | %llu |\n",
              writer.measured.exchangesPerSecond, writer.measured.exchangesPerSecond * kTokens,
              writer.measured.cpuUsPerExchange, writer.enqueueMedianNs, writer.enqueueP99Ns,
              static_cast<unsigned long long>(writer.dropped));
  return 0;
}
