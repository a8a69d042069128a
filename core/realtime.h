#pragma once

#include <sched.h>

#include <atomic>
#include <string>
#include <thread>

namespace tt {

// Runs the calling thread in real time while the object lives, for work that must happen at a
// given microsecond (replay's sends):
// - under SCHED_FIFO, so that normal-priority work (kernel threads such as a memory monitor or
//   ksoftirqd, a build beside the run) cannot hold it off its CPU for milliseconds; the kernel's
//   real-time throttling (sched_rt_runtime_us, 95% of each second by default) still keeps a
//   runaway thread from locking the CPU;
// - pinned to one CPU (the one it is on, unless told), beside a keep-awake thread at SCHED_IDLE
//   that spins whenever nothing else wants that CPU, so the CPU never halts: waking a halted CPU
//   takes milliseconds at times in a VM (seen here: a woken thread waited 1.9 ms on an idle
//   vCPU, every 512 ms).
//   That costs the CPU's idle time, and nothing else: any other thread preempts the spinner.
// Only the calling thread: threads it starts meanwhile inherit the policy and the CPU, so start
// helper threads (a capture writer) before.
class RealtimeScope {
public:
  // Above every SCHED_OTHER task, below the kernel's threaded interrupt handlers (50).
  static constexpr int kPriority = 10;

  static constexpr int kCurrentCpu = -1;

  explicit RealtimeScope(int cpu = kCurrentCpu);
  ~RealtimeScope(); // back to the policy and CPUs the thread had
  RealtimeScope(const RealtimeScope&) = delete;
  RealtimeScope& operator=(const RealtimeScope&) = delete;

  // Empty when the thread runs under SCHED_FIFO; else why not, and what to do.
  const std::string& error() const { return error_; }
  // The CPU the thread is pinned to, or -1.
  int cpu() const { return cpu_; }

private:
  int oldPolicy_ = SCHED_OTHER;
  sched_param oldParam_{};
  cpu_set_t oldCpus_{};
  int cpu_ = -1;
  std::string error_;
  std::atomic<bool> stopKeeper_{false};
  std::thread keeper_;
};

} // namespace tt
