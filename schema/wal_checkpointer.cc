#include "schema/wal_checkpointer.h"

#include "schema/store.h"

#include <chrono>

namespace tt {
namespace {

constexpr int kBusyTries = 100;
constexpr std::chrono::milliseconds kBusyPause{2};

} // namespace

WalCheckpointer::WalCheckpointer(const std::string& path)
    : db_(openDatabase(path, Store::Access::Read, /*busyTimeoutMs=*/0)),
      thread_([this] { run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void WalCheckpointer::request() noexcept {
  {
    std::lock_guard lock(mutex_);
    ++requests_;
  }
  wake_.notify_one();
}

void WalCheckpointer::checkpointAndWait() noexcept {
  std::unique_lock lock(mutex_);
  const uint64_t mine = ++requests_;
  wake_.notify_one();
  ended_.wait(lock, [&] { return served_ >= mine; });
}

void WalCheckpointer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return served_ < requests_ || stopping_; });
    if (served_ == requests_) {
      return; // stopping, nothing asked
    }
    const uint64_t serving = requests_;
    lock.unlock();
    // SQLITE_BUSY: another connection is checkpointing (one at a time per file). Try again
    // shortly, a bounded number of times: a writer may be waiting for this one.
    for (int tries = 0; tries < kBusyTries; ++tries) {
      if (sqlite3_wal_checkpoint_v2(db_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                    nullptr) != SQLITE_BUSY) {
        break;
      }
      std::this_thread::sleep_for(kBusyPause);
    }
    lock.lock();
    served_ = serving;
    ended_.notify_all();
  }
}

} // namespace tt
