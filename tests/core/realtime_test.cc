#include "core/realtime.h"

#include <catch2/catch.hpp>

#include <pthread.h>

#include <filesystem>
#include <thread>

namespace tt {
namespace {

int threadsOfThisProcess() {
  int n = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    ++n;
  }
  return n;
}

int policyOfThisThread() {
  int policy = -1;
  sched_param param{};
  pthread_getschedparam(pthread_self(), &policy, &param);
  return policy;
}

int cpusOfThisThread() {
  cpu_set_t set;
  CPU_ZERO(&set);
  pthread_getaffinity_np(pthread_self(), sizeof set, &set);
  return CPU_COUNT(&set);
}

} // namespace

TEST_CASE("a real-time scope runs the thread under SCHED_FIFO on one CPU, then restores it") {
  const int policyBefore = policyOfThisThread();
  const int cpusBefore = cpusOfThisThread();
  // ThreadSanitizer's runtime starts a thread of its own with the process's first thread: start
  // (and end) one first, so that the count below sees only the scope's.
  std::thread([] {}).join();
  const int threadsBefore = threadsOfThisProcess();
  {
    const RealtimeScope realtime;
    if (realtime.error().empty()) {
      int policy = -1;
      sched_param param{};
      pthread_getschedparam(pthread_self(), &policy, &param);
      CHECK(policy == SCHED_FIFO);
      CHECK(param.sched_priority == RealtimeScope::kPriority);
      REQUIRE(realtime.cpu() >= 0);
      CHECK(cpusOfThisThread() == 1);
      CHECK(sched_getcpu() == realtime.cpu());
      CHECK(threadsOfThisProcess() == threadsBefore + 1); // the keep-awake thread
    } else {
      // Not permitted here (no root, CAP_SYS_NICE or RLIMIT_RTPRIO): one line saying what to do.
      CHECK(realtime.error().find("CAP_SYS_NICE") != std::string::npos);
      CHECK(policyOfThisThread() == policyBefore);
    }
  }
  CHECK(policyOfThisThread() == policyBefore);
  CHECK(cpusOfThisThread() == cpusBefore);
  CHECK(threadsOfThisProcess() == threadsBefore);
}

} // namespace tt
