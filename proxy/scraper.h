#pragma once

#include "core/clock.h"
#include "core/url.h"

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tt::proxy {

class Fetch;

// Reads the upstream's GET /info and GET /metrics at start and every interval, on connections
// of its own (never a client's), off the forwarding path: the sink gets the bodies on the loop
// and must hand any disk work to another thread.
class Scraper {
public:
  struct Result {
    int64_t tUs = 0;     // on the trace's time axis
    bool infoOk = false; // each part is present only when its GET returned 200
    std::string info;
    bool metricsOk = false;
    std::string metrics;
    std::string error; // what failed, if anything
  };
  using Sink = std::function<void(Result&&)>;

  Scraper(uv_loop_t* loop, HttpUrl upstream, const Clock& clock, int64_t originNs,
          int64_t intervalMs, Sink sink);
  ~Scraper();
  Scraper(const Scraper&) = delete;
  Scraper& operator=(const Scraper&) = delete;

  // Resolves the upstream and scrapes at once; returns 0 or a libuv error.
  int start(std::string* error);
  // Stops the timer and any fetch in flight; `done` runs when every handle is closed.
  void stop(std::function<void()> done);
  uint64_t scrapes() const { return scrapes_; }
  uint64_t failures() const { return failures_; }

private:
  friend class Fetch;
  void scrapeNow();
  void fetched(int status, std::string body, std::string error);
  void maybeDone();

  uv_loop_t* loop_;
  HttpUrl upstream_;
  const Clock& clock_;
  int64_t originNs_;
  int64_t intervalMs_;
  Sink sink_;
  sockaddr_storage addr_{};
  uv_timer_t timer_;
  bool timerOpen_ = false;
  bool timerClosed_ = false;
  int live_ = 0; // Fetch objects not yet freed
  bool stopping_ = false;
  Fetch* fetch_ = nullptr; // the GET in flight
  int step_ = 0;           // 0: /info, 1: /metrics
  Result result_;
  uint64_t scrapes_ = 0;
  uint64_t failures_ = 0;
  std::function<void()> done_;
};

} // namespace tt::proxy
