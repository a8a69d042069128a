#pragma once

#include "core/clock.h"
#include "core/precise_timer.h"
#include "sim/scheduler.h"
#include "tgisim/metrics.h"

#include <uv.h>

#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

namespace tt::tgisim {

// Receives the tokens of the requests it submitted.
class TokenSink {
public:
  virtual ~TokenSink() = default;
  // One token of request `slot` (the value given to submit), emitted by the forward that ended
  // at virtual time `endUs`.
  virtual void onToken(uint32_t slot, const sim::TokenEvent& event, int64_t endUs) = 0;
};

// Sees every forward once its tokens went out (tests and the benchmark measure pacing with it).
class ForwardObserver {
public:
  virtual ~ForwardObserver() = default;
  // `intendedNs`: the monotonic time the forward was due to end; `firedNs`: when the timer
  // callback read the clock; `events`: the tokens it emitted (valid during the call).
  virtual void onForward(const sim::ForwardRecord& record, int64_t intendedNs, int64_t firedNs,
                         std::span<const sim::TokenEvent> events) = 0;
};

// Runs the scheduler in real time: virtual time is `timeScale` times the monotonic time since
// construction. Each forward ends on a PreciseTimer at its scaled end time; its tokens go to
// their sinks in that callback, then the next forward begins at the same virtual instant, so
// lateness never accumulates. Arrivals during a forward wait for the next one (sim/README.md,
// "Permits on arrival").
class EngineDriver {
public:
  EngineDriver(uv_loop_t& loop, const Clock& clock, sim::Scheduler& scheduler, double timeScale,
               Metrics& metrics);
  EngineDriver(const EngineDriver&) = delete;
  EngineDriver& operator=(const EngineDriver&) = delete;

  int init();
  void close();
  bool closed() const { return timer_.closed(); }

  // Virtual time (µs) for a monotonic time.
  int64_t virtualUs(int64_t nowNs) const;
  // Monotonic time (ns) of a virtual time.
  int64_t realNs(int64_t virtualUs) const;

  // Submits at `nowNs`; on Queued, tokens go to `sink` with `slot` until the last one or
  // forget(). A forward starts at once when the engine is idle.
  sim::Admission submit(const sim::RequestSpec& spec, int64_t nowNs, TokenSink* sink,
                        uint32_t slot);
  // The virtual time a request submitted at `nowNs` arrives at (after clamping).
  int64_t arrivalUs(int64_t nowNs) const;
  // The client went away: the request is dropped as TGI drops it (its permit and blocks come
  // back, it emits nothing more) and counted as dropped.
  void forget(sim::RequestId id);

  void setObserver(ForwardObserver* observer) { observer_ = observer; }
  // Called after every forward's dispatch (the server frees finished calls there).
  void setAfterDispatch(std::function<void()> fn) { afterDispatch_ = std::move(fn); }

  const sim::Scheduler& scheduler() const { return scheduler_; }
  // The clock reading of the last forward-end callback.
  int64_t lastCallbackNs() const { return lastCallbackNs_; }

private:
  struct Target {
    TokenSink* sink = nullptr;
    uint32_t slot = 0;
  };

  void beginForward(int64_t atUs);
  void onForwardEnd();
  void recordForward(const sim::ForwardRecord& record);

  const Clock& clock_;
  sim::Scheduler& scheduler_;
  double timeScale_;
  Metrics& metrics_;
  PreciseTimer timer_;
  int64_t originNs_;
  bool inForward_ = false;
  bool dispatching_ = false;
  int64_t lastCallbackNs_ = 0;
  int64_t forwardEndUs_ = 0;
  int64_t lastUs_ = 0;
  int64_t decodesSinceAdmission_ = 0;
  sim::ForwardRecord current_;
  // Requests in flight; each leaves at its last token or forget(), and the scheduler releases
  // its state then, so a server that runs for days stays bounded.
  std::unordered_map<sim::RequestId, Target> targets_;
  ForwardObserver* observer_ = nullptr;
  std::function<void()> afterDispatch_;
};

} // namespace tt::tgisim
