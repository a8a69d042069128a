#pragma once

#include <atomic>
#include <cstdint>

namespace tt {

// Monotonic time in nanoseconds, injected everywhere a timestamp is taken so tests can drive
// time by hand (docs/style.md, "Injected clock"). Read once per callback and reuse the value.
class Clock {
public:
  virtual ~Clock() = default;
  virtual int64_t nowNs() const = 0;
  int64_t nowUs() const { return nowNs() / 1000; }
};

// The production clock: CLOCK_MONOTONIC, the same source as uv_hrtime().
class MonotonicClock final : public Clock {
public:
  int64_t nowNs() const override;
};

// Wall-clock time in microseconds since the Unix epoch: it only labels traces (their origin on
// the calendar); every duration is measured on a Clock.
int64_t unixNowUs();

// A clock that only moves when told to; safe to read from other threads.
class ManualClock final : public Clock {
public:
  explicit ManualClock(int64_t startNs = 0) : now_(startNs) {}
  int64_t nowNs() const override { return now_.load(std::memory_order_relaxed); }
  void advanceNs(int64_t deltaNs) { now_.fetch_add(deltaNs, std::memory_order_relaxed); }
  void setNs(int64_t ns) { now_.store(ns, std::memory_order_relaxed); }

private:
  std::atomic<int64_t> now_;
};

} // namespace tt
