#include "sim/engine.h"

#include <algorithm>
#include <numeric>

namespace tt::sim {

EngineResult runEngine(const SchedulerConfig& config, const CostModel& model,
                       std::span<const EngineRequest> requests, const EngineOptions& options) {
  EngineResult out;
  out.requests.resize(requests.size());
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return requests[a].arrivalUs < requests[b].arrivalUs;
  });
  Scheduler scheduler(config, model, options.scheduler);
  std::vector<size_t> byId; // scheduler id -> input index
  byId.reserve(requests.size());

  const auto ended = [&](const RequestResult& result) {
    if (options.onRequestEnd && !out.stopped) {
      out.stopped = !options.onRequestEnd(result);
    }
  };
  size_t next = 0;
  // Submits the arrivals before `untilUs` (up to it when `inclusive`), each at its own time.
  const auto arrive = [&](int64_t untilUs, bool inclusive) {
    for (; next < order.size(); ++next) {
      const EngineRequest& r = requests[order[next]];
      if (r.arrivalUs > untilUs || (!inclusive && r.arrivalUs == untilUs)) {
        break;
      }
      RequestResult& result = out.requests[order[next]];
      result.arrivalUs = r.arrivalUs;
      const Admission a = scheduler.submit(r.spec, r.arrivalUs);
      byId.push_back(order[next]);
      if (a.status == Submitted::Overloaded || a.status == Submitted::Invalid) {
        result.outcome = a.status == Submitted::Overloaded ? Outcome::Overloaded : Outcome::Invalid;
        result.error = a.error;
        result.endUs = r.arrivalUs;
        ended(result);
      }
    }
  };
  int64_t now = requests.empty() ? 0 : requests[order[0]].arrivalUs;
  while (!out.stopped) {
    // Arrivals up to now, after the effects of the forward that ended at now (sim/README.md).
    arrive(now, true);
    const ForwardRecord* forward = scheduler.beginForward(now);
    if (forward == nullptr) {
      if (next == order.size()) {
        break;
      }
      now = requests[order[next]].arrivalUs;
      continue;
    }
    if (options.onForward) {
      options.onForward(*forward);
    }
    ++out.forwards;
    // Arrivals during the forward take their permits and queue places as they come, as TGI's
    // HTTP handlers do; they wait for the next next_batch.
    const int64_t end = now + forward->durationUs;
    arrive(end, false);
    now = end;
    for (const TokenEvent& e : scheduler.endForward()) {
      RequestResult& result = out.requests[byId[static_cast<size_t>(e.id)]];
      if (result.firstTokenUs < 0) {
        result.firstTokenUs = now;
      }
      ++result.tokens;
      if (options.recordTokenTimes) {
        result.tokenUs.push_back(now);
      }
      if (e.last) {
        result.outcome = Outcome::Ok;
        result.finish = e.reason;
        result.endUs = now;
        result.admittedUs = scheduler.admittedUs(e.id);
        result.jobs = scheduler.jobs(e.id);
        result.cachedTokens = scheduler.cachedTokens(e.id);
        result.tokenUs.shrink_to_fit(); // the run holds every token time: no growth slack
        scheduler.release(e.id);        // the scheduler keeps state only for requests in flight
        ended(result);
      }
    }
    out.endUs = now;
  }
  for (size_t id = 0; id < byId.size(); ++id) {
    RequestResult& result = out.requests[byId[id]];
    if (result.outcome != Outcome::Unfinished) {
      continue; // read when it ended (rejected ones have nothing to read)
    }
    result.admittedUs = scheduler.admittedUs(static_cast<RequestId>(id));
    result.jobs = scheduler.jobs(static_cast<RequestId>(id));
    result.cachedTokens = scheduler.cachedTokens(static_cast<RequestId>(id));
  }
  return out;
}

} // namespace tt::sim
