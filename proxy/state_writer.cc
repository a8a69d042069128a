#include "proxy/state_writer.h"

namespace tt::proxy {

namespace {
constexpr size_t kMaxJobs = 16;
}

StateWriter::StateWriter(const std::string& path, int64_t traceId)
    : path_(path), traceId_(traceId), thread_([this] { run(); }) {}

StateWriter::~StateWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool StateWriter::post(std::function<void(Store&)> job) {
  {
    std::lock_guard lock(mutex_);
    if (jobs_.size() >= kMaxJobs || stopping_) {
      ++dropped_;
      return false;
    }
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

bool StateWriter::postServerInfo(std::string json) {
  return post([json = std::move(json), id = traceId_](Store& s) { s.setServerInfo(id, json); });
}

bool StateWriter::postSamples(std::vector<Sample> samples) {
  return post(
      [samples = std::move(samples), id = traceId_](Store& s) { s.appendSamples(id, samples); });
}

uint64_t StateWriter::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

uint64_t StateWriter::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void StateWriter::run() {
  std::unique_ptr<Store> store;
  for (;;) {
    std::function<void(Store&)> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      if (!store) {
        store = std::make_unique<Store>(path_, Store::Access::Read);
        // The capture writer's checkpointer copies the WAL; a second checkpoint from here
        // would only repeat the copy and its fsyncs, and hold off the writer's.
        sqlite3_wal_autocheckpoint(store->db().handle(), 0);
      }
      job(*store);
    } catch (const std::exception&) {
      store.reset(); // reopen next time: the file may come back
      std::lock_guard lock(mutex_);
      ++failures_;
    }
  }
}

} // namespace tt::proxy
