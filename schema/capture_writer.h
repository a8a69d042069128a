#pragma once

#include "core/exchange.h"
#include "schema/db.h"
#include "schema/wal_checkpointer.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tt {

// How long a stopping command waits for another process's write lock before giving up what is
// still queued (counted as lost, and said so).
inline constexpr std::chrono::seconds kExitLockWait{10};

struct WriterOptions {
  size_t queueCapacity = 65'536; // exchanges waiting; beyond this submit() drops
  size_t batchMax = 1'024;       // exchanges per transaction
  std::chrono::milliseconds flushInterval{50};
  int busyTimeoutMs = 100;
  std::chrono::milliseconds minBackoff{10};
  std::chrono::milliseconds maxBackoff{1'000};
  int64_t maxDatabaseBytes = 0; // 0: no limit; else writes fail as SQLITE_FULL beyond it
  // New WAL pages (8 KiB each) after which a background checkpoint copies them into the
  // database file (see WalCheckpointer).
  int walCheckpointPages = 2'000;
  // The WAL's bound. The WAL file starts over only when a checkpoint has copied every page of it,
  // which a background checkpoint racing a busy writer may never do; past this many pages the
  // writer waits for one between two transactions, so that the WAL restarts. (A reader holding
  // an old snapshot can still keep it from restarting; then the writer waits once per
  // walCheckpointPages new pages.)
  int walMaxPages = 16'000;
  std::function<void(size_t rows)> onCommit; // runs on the writer thread after each commit
};

// Work a producer leaves to the writer thread for one exchange: `run(exchange, tag)` runs just
// before the exchange is inserted, once, whatever happens to its batch. The proxy defers its
// JSON field parsing and redaction this way, off its event loop; `tag` is the producer's own data.
struct DeferredWork {
  void (*run)(Exchange& exchange, uint32_t tag) noexcept = nullptr;
  uint32_t tag = 0;
};

struct WriterCounters {
  uint64_t accepted = 0; // taken into the queue
  uint64_t written = 0;  // committed
  uint64_t dropped = 0;  // refused by submit() because the queue was full
  uint64_t lost = 0;     // in a batch that could not be committed
  uint64_t batchesCommitted = 0;
  uint64_t batchesFailed = 0; // batches given up (their exchanges counted in lost)
  uint64_t batchRetries = 0;  // attempts repeated after SQLITE_BUSY/LOCKED
  uint64_t queueDepth = 0;
  uint64_t commitUsTotal = 0; // time spent in committed transactions (and in the waits for a
                              // checkpoint past walMaxPages, which follow their commits)
  uint64_t commitUsMax = 0;
};

// The capture writer (docs/proxy.md, "How capture is written"): a dedicated thread, not libuv's
// pool, drains a bounded queue into SQLite in batched transactions. submit() never blocks on the
// disk: it takes a short lock to append, and drops (and counts) when the queue is full.
//
// Failure policy, per batch:
// - SQLITE_BUSY / SQLITE_LOCKED: the batch is kept and retried after an exponential back-off
//   (minBackoff..maxBackoff) for as long as the lock lasts; meanwhile the queue behind it fills,
//   and submit() drops (and counts) once it is full. A lock shorter than the queue's worth of
//   traffic loses nothing. Stopping, or a flush's lockWait running out, gives the batch up (lost).
// - SQLITE_FULL, SQLITE_IOERR and every other error: the batch is rolled back and lost at once;
//   the next batch may fit (space may have returned).
// The writer resumes by itself as soon as a write succeeds again; the back-off resets then.
class CaptureWriter {
public:
  // Opens its own connection (throws StoreError when the file cannot be used).
  CaptureWriter(const std::string& path, int64_t traceId, WriterOptions options = {});
  // Writes what is queued (one attempt per batch) and joins the thread.
  ~CaptureWriter();
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // Never blocks on I/O; false when the exchange was dropped because the queue is full.
  bool submit(Exchange&& exchange, DeferredWork work = {}) noexcept;
  // Waits until everything accepted before the call is committed or lost. With `lockWait`, a
  // batch still locked out that long after the call is given up (lost, counted) rather than
  // waited for: what a stopping process calls, so that another process holding the write lock
  // cannot keep it from exiting.
  void flush(std::optional<std::chrono::milliseconds> lockWait = std::nullopt);
  WriterCounters counters() const;

private:
  struct Queued {
    Exchange exchange;
    DeferredWork work;
  };

  void run();
  static int onWalCommit(void* self, sqlite3* db, const char* schema, int walPages) noexcept;
  void writeAll(class ExchangeInserter& inserter, std::vector<Queued>& pending);
  int writeBatch(class ExchangeInserter& inserter, const Queued* first, size_t count);

  const int64_t traceId_;
  const WriterOptions options_;
  std::unique_ptr<db::Db> db_; // used only by the writer thread once it runs
  WalCheckpointer checkpointer_;
  int walPagesAtLastRequest_ = 0; // writer thread only

  mutable std::mutex mutex_;
  std::condition_variable wake_;    // the writer waits here
  std::condition_variable settled_; // flush() waits here
  std::vector<Queued> queue_;
  bool stopping_ = false;
  bool flushRequested_ = false;
  // A locked batch is given up after this instant (flush's lockWait); max() otherwise.
  std::chrono::steady_clock::time_point giveUpAt_ = std::chrono::steady_clock::time_point::max();
  uint64_t acceptedTotal_ = 0; // under mutex_
  uint64_t settledTotal_ = 0;  // written + lost, under mutex_

  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> lost_{0};
  std::atomic<uint64_t> batchesCommitted_{0};
  std::atomic<uint64_t> batchesFailed_{0};
  std::atomic<uint64_t> batchRetries_{0};
  std::atomic<uint64_t> commitUsTotal_{0};
  std::atomic<uint64_t> commitUsMax_{0};

  std::thread thread_;
};

} // namespace tt
