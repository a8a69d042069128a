#include "core/realtime.h"

#include <pthread.h>

#include <cstring>

namespace tt {
namespace {

cpu_set_t onlyCpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return set;
}

// Started by the real-time thread, so it first gives up the policy it inherited.
void keepAwake(int cpu, const std::atomic<bool>& stop) {
  const sched_param idle{};
  pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
  const cpu_set_t set = onlyCpu(cpu);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  while (!stop.load(std::memory_order_relaxed)) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
}

} // namespace

RealtimeScope::RealtimeScope(int cpu) {
  pthread_getschedparam(pthread_self(), &oldPolicy_, &oldParam_);
  sched_param param{};
  param.sched_priority = kPriority;
  const int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
  if (rc == EPERM) {
    error_ = "real-time priority needs root, CAP_SYS_NICE (setcap cap_sys_nice+ep on the binary) "
             "or an RLIMIT_RTPRIO of at least " +
             std::to_string(kPriority) + " (ulimit -r)";
    return;
  }
  if (rc != 0) {
    error_ = std::string("cannot set real-time priority: ") + std::strerror(rc);
    return;
  }
  if (cpu == kCurrentCpu) {
    cpu = sched_getcpu();
  }
  if (cpu < 0 || cpu >= CPU_SETSIZE ||
      pthread_getaffinity_np(pthread_self(), sizeof oldCpus_, &oldCpus_) != 0) {
    return; // real time without the pinning
  }
  const cpu_set_t set = onlyCpu(cpu);
  if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
    return;
  }
  cpu_ = cpu;
  keeper_ = std::thread(keepAwake, cpu, std::cref(stopKeeper_));
}

RealtimeScope::~RealtimeScope() {
  if (keeper_.joinable()) {
    stopKeeper_.store(true, std::memory_order_relaxed);
    keeper_.join();
  }
  if (cpu_ >= 0) {
    pthread_setaffinity_np(pthread_self(), sizeof oldCpus_, &oldCpus_);
  }
  if (error_.empty()) {
    pthread_setschedparam(pthread_self(), oldPolicy_, &oldParam_);
  }
}

} // namespace tt
