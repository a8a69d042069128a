#pragma once

#include "sim/scheduler.h"

#include <functional>
#include <span>
#include <string>
#include <vector>

namespace tt::sim {

struct EngineRequest {
  int64_t arrivalUs = 0;
  RequestSpec spec;
};

enum class Outcome {
  Ok,         // the stream ended with a finish reason
  Overloaded, // 429 at arrival: max_concurrent_requests were in flight
  Invalid,    // 422 validation error
  Unfinished, // still queued or running when the run ended (never admitted, e.g. too large)
};

struct RequestResult {
  Outcome outcome = Outcome::Unfinished;
  std::string error; // TGI's message for Overloaded and Invalid
  int64_t arrivalUs = 0;
  int64_t admittedUs = -1; // batch_time of its first job (x-queue-time ends here)
  int64_t firstTokenUs = -1;
  int64_t endUs = -1;
  int64_t tokens = 0;           // tokens streamed
  std::vector<int64_t> tokenUs; // arrival time of every token (when recorded)
  FinishReason finish = FinishReason::Length;
  int32_t jobs = 0;         // scheduler jobs (more than one past 1024 new tokens)
  int64_t cachedTokens = 0; // prompt tokens the prefix cache saved, over all jobs
};

struct EngineOptions {
  bool recordTokenTimes = true;
  SchedulerOptions scheduler;
  // Sees every forward as it begins (the record is valid during the call). The engine keeps no
  // forward records, so what a caller wants of them (a timeline, totals) is up to it and its
  // memory does not grow with the run.
  std::function<void(const ForwardRecord&)> onForward;
  // Sees every request as it ends (answered, or refused at arrival); returning false ends the
  // run there, the requests still in flight or to come left Unfinished. A caller that only needs
  // to know whether a run fails stops it once enough requests have missed.
  std::function<bool(const RequestResult&)> onRequestEnd;
};

struct EngineResult {
  std::vector<RequestResult> requests; // in the order of the input
  int64_t forwards = 0;
  int64_t endUs = 0;    // when the last forward ended
  bool stopped = false; // onRequestEnd ended the run
};

// Runs `requests` (any order; ties keep input order) through the scheduler in virtual time.
// Deterministic: the same inputs and seed give the same result.
EngineResult runEngine(const SchedulerConfig& config, const CostModel& model,
                       std::span<const EngineRequest> requests, const EngineOptions& options = {});

} // namespace tt::sim
