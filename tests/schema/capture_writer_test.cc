#include "schema/capture_writer.h"
#include "schema/store.h"

#include "tests/support/sample_exchange.h"
#include "tests/support/temp_dir.h"

#include <catch2/catch.hpp>

#include <optional>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

using namespace tt;
using namespace std::chrono_literals;

namespace {

int64_t rowCount(const std::string& path, int64_t traceId) {
  Store store(path, Store::Access::Read);
  return store.findTrace(traceId)->requests;
}

// Polls `done` until it holds; fails the test after 20 s instead of hanging.
template <typename Predicate> void waitUntil(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!done()) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::yield();
  }
}

// Lets a test hold the writer thread inside onCommit, to show the producer never waits on it.
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  bool open = true;
  bool writerInside = false;

  void pass() {
    std::unique_lock lock(mutex);
    writerInside = true;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
    writerInside = false;
  }
};

} // namespace

TEST_CASE("the writer commits everything submitted and counts it") {
  test::TempDir dir;
  const std::string path = dir.file("w.db");
  const int64_t trace = Store(path).createTrace({});
  {
    CaptureWriter writer(path, trace, {.batchMax = 100});
    for (int64_t i = 0; i < 1'050; ++i) {
      REQUIRE(writer.submit(test::sampleExchange(i, 10)));
    }
    writer.flush();
    const auto c = writer.counters();
    CHECK(c.accepted == 1'050);
    CHECK(c.written == 1'050);
    CHECK(c.dropped == 0);
    CHECK(c.lost == 0);
    CHECK(c.queueDepth == 0);
    CHECK(c.batchesCommitted >= 11); // at most 100 per transaction
    CHECK(rowCount(path, trace) == 1'050);
  }
  Store store(path, Store::Access::Read);
  CHECK(store.exchanges(trace).at(1'049) == [] {
    auto e = test::sampleExchange(1'049, 10);
    e.id = 1'050;
    return e;
  }());
}

TEST_CASE("the destructor writes what is still queued") {
  test::TempDir dir;
  const std::string path = dir.file("w.db");
  const int64_t trace = Store(path).createTrace({});
  {
    CaptureWriter writer(path, trace, {.flushInterval = 10s});
    for (int64_t i = 0; i < 10; ++i) {
      REQUIRE(writer.submit(test::sampleExchange(i, 5)));
    }
  }
  CHECK(rowCount(path, trace) == 10);
}

TEST_CASE("a full queue drops and counts while the writer is stuck, never blocking the producer") {
  test::TempDir dir;
  const std::string path = dir.file("w.db");
  const int64_t trace = Store(path).createTrace({});
  Gate gate;
  gate.open = false;
  CaptureWriter writer(
      path, trace, {.queueCapacity = 8, .batchMax = 4, .onCommit = [&](size_t) { gate.pass(); }});
  for (int64_t i = 0; i < 4; ++i) {
    REQUIRE(writer.submit(test::sampleExchange(i, 1)));
  }
  { // the writer commits that batch, then is held inside onCommit
    std::unique_lock lock(gate.mutex);
    gate.cv.wait(lock, [&] { return gate.writerInside; });
  }
  int accepted = 0;
  for (int64_t i = 4; i < 1'004; ++i) {
    accepted += writer.submit(test::sampleExchange(i, 1)) ? 1 : 0;
  }
  CHECK(accepted == 8);
  CHECK(writer.counters().dropped == 992);
  {
    std::lock_guard lock(gate.mutex);
    gate.open = true;
  }
  gate.cv.notify_all();
  writer.flush();
  CHECK(writer.counters().written == 12);
  CHECK(rowCount(path, trace) == 12);
}

TEST_CASE(
    "on a full database batches are lost and counted, and writing resumes once space is freed") {
  test::TempDir dir;
  const std::string path = dir.file("w.db");
  const int64_t trace = Store(path).createTrace({});
  CaptureWriter writer(path, trace,
                       {.queueCapacity = 64,
                        .batchMax = 16,
                        .minBackoff = 1ms,
                        .maxBackoff = 5ms,
                        .maxDatabaseBytes = 1 << 20});
  // 2 KiB bodies: the 1 MiB cap fills after a few hundred exchanges.
  int64_t next = 0;
  uint64_t refused = 0;
  while (writer.counters().lost == 0) {
    REQUIRE(next < 100'000);
    refused += writer.submit(test::sampleExchange(next++, 20, 2048)) ? 0 : 1;
    if (next % 16 == 0) {
      writer.flush();
    }
  }
  writer.flush();
  const auto full = writer.counters();
  CHECK(full.batchesFailed > 0);
  CHECK(full.written + full.lost + full.dropped == static_cast<uint64_t>(next));
  CHECK(full.dropped == refused);
  const int64_t storedWhenFull = rowCount(path, trace);
  CHECK(storedWhenFull == static_cast<int64_t>(full.written));

  { // free space: another connection deletes the older half of the rows
    Store other(path, Store::Access::Read);
    other.db().exec("DELETE FROM requests WHERE id % 2 = 0");
  }
  const uint64_t writtenBefore = full.written;
  for (int i = 0; i < 16; ++i) {
    REQUIRE(writer.submit(test::sampleExchange(next++, 20, 2048)));
  }
  writer.flush();
  waitUntil([&] { return writer.counters().written >= writtenBefore + 16; });
  CHECK(writer.counters().written == writtenBefore + 16);
}

TEST_CASE("a locked batch is retried while the lock lasts, or given up by a stopping writer") {
  test::TempDir dir;
  const std::string path = dir.file("w.db");
  const int64_t trace = Store(path).createTrace({});
  Store blocker(path, Store::Access::Read);
  CaptureWriter writer(path, trace,
                       {.batchMax = 8, .busyTimeoutMs = 1, .minBackoff = 1ms, .maxBackoff = 2ms});
  std::optional<db::Txn> lock(std::in_place, blocker.db()); // holds the write lock
  for (int64_t i = 0; i < 8; ++i) {
    REQUIRE(writer.submit(test::sampleExchange(i, 2)));
  }
  SECTION("the lock goes away: retried, not lost") {
    waitUntil([&] { return writer.counters().batchRetries >= 2; });
    CHECK(writer.counters().written == 0);
    lock.reset(); // rolled back: lock released
    writer.flush();
    const auto c = writer.counters();
    CHECK(c.written == 8);
    CHECK(c.lost == 0);
    CHECK(rowCount(path, trace) == 8);
  }
  SECTION("the writer stops with the lock held: given up and counted, not waited for") {
    writer.flush(20ms); // returns although the lock never goes
    const auto c = writer.counters();
    CHECK(c.written == 0);
    CHECK(c.lost == 8);
  }
}

TEST_CASE("under sustained writes the WAL stays near its bound while the database file fills") {
  test::TempDir dir;
  const std::string path = dir.file("w.db");
  const int64_t trace = Store(path).createTrace({});
  constexpr int kExchanges = 12'000; // about 4,000 pages of 8 KiB: 15 times the bound
  constexpr int kBoundPages = 256;
  constexpr int kEveryPages = 64;
  {
    CaptureWriter writer(
        path, trace,
        {.batchMax = 64, .walCheckpointPages = kEveryPages, .walMaxPages = kBoundPages});
    for (int64_t i = 0; i < kExchanges; ++i) {
      REQUIRE(writer.submit(test::sampleExchange(i, 10, 2'048)));
    }
    writer.flush();
    CHECK(writer.counters().written == kExchanges);
    // The writer waits once past the bound, so the WAL ends at most kEveryPages and one batch
    // (64 rows of about 2.4 KB: about 30 pages) beyond it. Frames are a page and a 24-byte header.
    const auto walBytes = std::filesystem::file_size(path + "-wal");
    CHECK(walBytes <= (kBoundPages + kEveryPages + 64) * (8'192 + 24) + 32);
    // The pages reached the database file while the writer was still running.
    CHECK(std::filesystem::file_size(path) >= kExchanges * 1'500);
  }
  CHECK(rowCount(path, trace) == kExchanges);
  Store store(path, Store::Access::Read);
  auto check = store.db().prepare("PRAGMA integrity_check");
  REQUIRE(check.step());
  CHECK(check.text(0) == "ok");
}
