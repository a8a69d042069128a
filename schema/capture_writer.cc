#include "schema/capture_writer.h"

#include "schema/exchange_rows.h"
#include "schema/store.h"

#include <algorithm>

namespace tt {
namespace {

bool isBusy(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

void raiseMax(std::atomic<uint64_t>& max, uint64_t value) {
  uint64_t seen = max.load(std::memory_order_relaxed);
  while (value > seen && !max.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

} // namespace

CaptureWriter::CaptureWriter(const std::string& path, int64_t traceId, WriterOptions options)
    : traceId_(traceId), options_(std::move(options)),
      db_(std::make_unique<db::Db>(
          openDatabase(path, Store::Access::Create, options_.busyTimeoutMs))),
      checkpointer_(path) {
  // Replaces SQLite's automatic checkpoint, which would copy the pages on this thread.
  sqlite3_wal_hook(db_->handle(), &CaptureWriter::onWalCommit, this);
  // The rows' CHECKed values come from enums (outcomeName), and SQLite checks `outcome IN (...)`
  // by building a temporary b-tree of the list for every row: a fifth of this thread's CPU.
  db_->exec("PRAGMA ignore_check_constraints = ON");
  if (options_.maxDatabaseBytes > 0) {
    auto pageSize = db_->prepare("PRAGMA page_size");
    pageSize.step();
    const int64_t pages = std::max<int64_t>(1, options_.maxDatabaseBytes / pageSize.int64(0));
    db_->exec(("PRAGMA max_page_count = " + std::to_string(pages)).c_str());
  }
  queue_.reserve(std::min(options_.queueCapacity, options_.batchMax * 4));
  thread_ = std::thread([this] { run(); });
}

CaptureWriter::~CaptureWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool CaptureWriter::submit(Exchange&& exchange, DeferredWork work) noexcept {
  size_t depth = 0;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.queueCapacity || stopping_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    try {
      queue_.push_back(Queued{std::move(exchange), work});
    } catch (...) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    ++acceptedTotal_;
    depth = queue_.size();
  }
  // Wake the writer only when a full batch is ready; otherwise it wakes on its interval. This
  // keeps the producer's cost to a lock and a move in the common case.
  if (depth == options_.batchMax) {
    wake_.notify_one();
  }
  return true;
}

void CaptureWriter::flush(std::optional<std::chrono::milliseconds> lockWait) {
  std::unique_lock lock(mutex_);
  const uint64_t target = acceptedTotal_;
  flushRequested_ = true;
  if (lockWait) {
    giveUpAt_ = std::chrono::steady_clock::now() + *lockWait;
  }
  wake_.notify_all();
  settled_.wait(lock, [&] { return settledTotal_ >= target; });
  giveUpAt_ = std::chrono::steady_clock::time_point::max();
}

WriterCounters CaptureWriter::counters() const {
  WriterCounters c;
  {
    std::lock_guard lock(mutex_);
    c.accepted = acceptedTotal_;
    c.queueDepth = queue_.size();
  }
  c.written = written_.load();
  c.dropped = dropped_.load();
  c.lost = lost_.load();
  c.batchesCommitted = batchesCommitted_.load();
  c.batchesFailed = batchesFailed_.load();
  c.batchRetries = batchRetries_.load();
  c.commitUsTotal = commitUsTotal_.load();
  c.commitUsMax = commitUsMax_.load();
  return c;
}

void CaptureWriter::run() {
  // Prepared once: preparing the INSERT costs more than a small batch's rows.
  ExchangeInserter inserter(*db_);
  std::vector<Queued> pending;
  for (;;) {
    bool stop = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.flushInterval, [&] {
        return stopping_ || flushRequested_ || queue_.size() >= options_.batchMax;
      });
      flushRequested_ = false;
      stop = stopping_;
      pending.swap(queue_);
    }
    writeAll(inserter, pending);
    {
      std::lock_guard lock(mutex_);
      settledTotal_ += pending.size();
    }
    settled_.notify_all();
    pending.clear();
    if (stop) {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        return;
      }
    }
  }
}

int CaptureWriter::onWalCommit(void* self, sqlite3*, const char*, int walPages) noexcept {
  auto& writer = *static_cast<CaptureWriter*>(self);
  if (walPages < writer.walPagesAtLastRequest_) {
    writer.walPagesAtLastRequest_ = 0; // the WAL started over
  }
  if (walPages - writer.walPagesAtLastRequest_ < writer.options_.walCheckpointPages) {
    return SQLITE_OK;
  }
  writer.walPagesAtLastRequest_ = walPages;
  if (walPages >= writer.options_.walMaxPages) {
    writer.checkpointer_.checkpointAndWait();
  } else {
    writer.checkpointer_.request();
  }
  return SQLITE_OK;
}

void CaptureWriter::writeAll(ExchangeInserter& inserter, std::vector<Queued>& pending) {
  if (pending.empty()) {
    return;
  }
  // Outside the transactions, so that a retried batch does not run it twice.
  for (Queued& q : pending) {
    if (q.work.run != nullptr) {
      q.work.run(q.exchange, q.work.tag);
    }
  }
  auto backoff = options_.minBackoff;
  for (size_t start = 0; start < pending.size();) {
    const size_t count = std::min(options_.batchMax, pending.size() - start);
    for (;;) {
      const auto began = std::chrono::steady_clock::now();
      const int rc = writeBatch(inserter, pending.data() + start, count);
      if (rc == SQLITE_OK) {
        const auto us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::steady_clock::now() - began)
                                                  .count());
        commitUsTotal_.fetch_add(us);
        raiseMax(commitUsMax_, us);
        written_.fetch_add(count);
        batchesCommitted_.fetch_add(1);
        if (options_.onCommit) {
          options_.onCommit(count);
        }
        backoff = options_.minBackoff;
        break;
      }
      bool stopping = false;
      {
        std::lock_guard lock(mutex_);
        stopping = stopping_ || std::chrono::steady_clock::now() >= giveUpAt_;
      }
      if (!isBusy(rc) || stopping) {
        // Given up at once on anything but a lock: SQLITE_FULL, for one, fails as fast on the
        // next try, and waiting here would hold every batch behind it (the queue fills and
        // drops meanwhile). The next batch may fit.
        lost_.fetch_add(count);
        batchesFailed_.fetch_add(1);
        break;
      }
      batchRetries_.fetch_add(1);
      // Back off without holding the lock: producers keep enqueueing (or dropping) meanwhile.
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, backoff,
                     [&] { return stopping_ || std::chrono::steady_clock::now() >= giveUpAt_; });
      backoff = std::min(backoff * 2, options_.maxBackoff);
    }
    start += count;
  }
}

// One transaction; SQLITE_OK when committed, else the failing result code (rolled back).
int CaptureWriter::writeBatch(ExchangeInserter& inserter, const Queued* first, size_t count) {
  int rc = db_->tryExec("BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) {
    return rc;
  }
  for (size_t i = 0; i < count; ++i) {
    rc = inserter.tryInsert(traceId_, first[i].exchange);
    if (rc != SQLITE_DONE) {
      (void)db_->tryExec("ROLLBACK"); // harmless if SQLite already rolled back (docs/proxy.md)
      return rc;
    }
  }
  rc = db_->tryExec("COMMIT");
  if (rc != SQLITE_OK) {
    (void)db_->tryExec("ROLLBACK");
  }
  return rc;
}

} // namespace tt
