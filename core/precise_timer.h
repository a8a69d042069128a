#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>

namespace tt {

// A one-shot timer with nanosecond deadlines on CLOCK_MONOTONIC (the clock of MonotonicClock and
// uv_hrtime). libuv's own timers count whole milliseconds from a cached loop time, which would
// make tgi-sim's token events and replay's sends up to 1 ms late; a timerfd watched by a
// uv_poll_t fires within microseconds. Linux only.
class PreciseTimer {
public:
  using Callback = std::function<void()>;

  PreciseTimer(uv_loop_t& loop, Callback callback);
  ~PreciseTimer();
  PreciseTimer(const PreciseTimer&) = delete;
  PreciseTimer& operator=(const PreciseTimer&) = delete;

  // 0 on success, else a negative errno; error() says what failed.
  int init();
  // Fires once at `deadlineNs` (monotonic), at once when it has passed; replaces any deadline.
  void armAt(int64_t deadlineNs);
  // Cancels a pending deadline; costs nothing when none is pending (replay calls it each spin).
  void disarm();
  // Starts closing; the owner must keep this object alive until closed() is true.
  void close();
  bool closed() const { return state_ == State::Closed; }

private:
  enum class State { Unused, Open, Closing, Closed };
  static void onPoll(uv_poll_t* handle, int status, int events);
  static void onClose(uv_handle_t* handle);

  uv_loop_t& loop_;
  Callback callback_;
  uv_poll_t poll_{};
  int fd_ = -1;
  bool armed_ = false;
  State state_ = State::Unused;
};

} // namespace tt
