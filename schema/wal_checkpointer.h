#pragma once

#include "schema/db.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace tt {

// Copies the committed pages of a WAL database back into the database file (a PASSIVE
// checkpoint) from its own connection and thread, so that the connection that writes does not
// do the copy and the two fsyncs that go with it. A PASSIVE checkpoint never blocks writers.
// While another connection checkpoints the file it is retried for up to 200 ms; when it still
// cannot run, or fails (an I/O error), the pages stay in the WAL, where they are already durable.
class WalCheckpointer {
public:
  // Opens its own connection (throws StoreError when the file cannot be used).
  explicit WalCheckpointer(const std::string& path);
  ~WalCheckpointer(); // joins the thread; a checkpoint under way finishes first
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Never blocks on I/O: a checkpoint starts as soon as the thread is free.
  void request() noexcept;
  // Returns once a checkpoint that started after this call has ended. A writer that waits here
  // appends nothing meanwhile, so that checkpoint copies the whole WAL and the WAL can restart.
  void checkpointAndWait() noexcept;

private:
  void run();

  db::Db db_;
  std::mutex mutex_;
  std::condition_variable wake_;  // the thread waits here
  std::condition_variable ended_; // checkpointAndWait() waits here
  uint64_t requests_ = 0;         // requests made, under mutex_
  uint64_t served_ = 0;           // requests made before the last checkpoint began, under mutex_
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace tt
