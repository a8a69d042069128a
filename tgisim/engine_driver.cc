#include "tgisim/engine_driver.h"

#include <algorithm>
#include <cmath>

namespace tt::tgisim {

EngineDriver::EngineDriver(uv_loop_t& loop, const Clock& clock, sim::Scheduler& scheduler,
                           double timeScale, Metrics& metrics)
    : clock_(clock), scheduler_(scheduler), timeScale_(timeScale), metrics_(metrics),
      timer_(loop, [this] { onForwardEnd(); }), originNs_(clock.nowNs()) {}

int EngineDriver::init() {
  return timer_.init();
}

void EngineDriver::close() {
  timer_.close();
}

int64_t EngineDriver::virtualUs(int64_t nowNs) const {
  return static_cast<int64_t>(
      std::floor(static_cast<double>(nowNs - originNs_) * timeScale_ / 1000.0));
}

int64_t EngineDriver::realNs(int64_t virtualUs) const {
  return originNs_ +
         static_cast<int64_t>(std::ceil(static_cast<double>(virtualUs) * 1000.0 / timeScale_));
}

int64_t EngineDriver::arrivalUs(int64_t nowNs) const {
  int64_t at = std::max(virtualUs(nowNs), lastUs_);
  if (inForward_) {
    // The forward's effects come before this arrival (sim/README.md, "Permits on arrival"), even
    // when its timer callback has not run yet.
    at = std::min(at, forwardEndUs_);
  }
  return at;
}

sim::Admission EngineDriver::submit(const sim::RequestSpec& spec, int64_t nowNs, TokenSink* sink,
                                    uint32_t slot) {
  const int64_t at = arrivalUs(nowNs);
  lastUs_ = at;
  sim::Admission admission = scheduler_.submit(spec, at);
  if (admission.status == sim::Submitted::Queued) {
    targets_[admission.id] = Target{.sink = sink, .slot = slot};
    metrics_.addGauge("tgi_queue_size", 1);
    if (!inForward_ && !dispatching_) {
      beginForward(at); // during a dispatch, the next forward begins right after it
    }
  }
  return admission;
}

void EngineDriver::forget(sim::RequestId id) {
  if (targets_.erase(id) == 0) {
    return; // already finished
  }
  if (scheduler_.cancel(id)) {
    metrics_.increment("tgi_request_failure", "err=\"dropped\"");
  }
  scheduler_.release(id);
}

void EngineDriver::beginForward(int64_t atUs) {
  const sim::ForwardRecord* record = scheduler_.beginForward(atUs);
  if (record == nullptr) {
    inForward_ = false;
    metrics_.setGauge("tgi_batch_current_size", 0);
    metrics_.setGauge("tgi_batch_current_max_tokens", 0);
    return;
  }
  current_ = *record;
  inForward_ = true;
  forwardEndUs_ = atUs + record->durationUs;
  recordForward(current_);
  timer_.armAt(realNs(forwardEndUs_));
}

void EngineDriver::recordForward(const sim::ForwardRecord& r) {
  const bool prefill = r.kind != sim::ForwardKind::Decode;
  const std::string_view method = prefill ? "method=\"prefill\"" : "method=\"decode\"";
  const double seconds = static_cast<double>(r.durationUs) / 1e6;
  metrics_.increment("tgi_batch_inference_count", method);
  metrics_.increment("tgi_batch_inference_success", method);
  metrics_.observe("tgi_batch_inference_duration", seconds, method);
  metrics_.observe("tgi_batch_forward_duration", seconds, method);
  metrics_.setGauge("tgi_batch_current_size", r.batchSize);
  metrics_.setGauge("tgi_batch_current_max_tokens",
                    static_cast<double>(r.blocksInUse * scheduler_.config().blockSize));
  if (r.admitted > 0) {
    metrics_.observe("tgi_batch_next_size", r.admitted);
    metrics_.setGauge("tgi_queue_size", static_cast<double>(scheduler_.queueLength()));
    // A new batch joined a running one (docs/tgi.md, "Prometheus metrics", `tgi_batch_concat`):
    // chunking concatenates it in a mixed forward; without chunking it is gated by backpressure, or
    // by max_waiting_tokens.
    if (r.kind == sim::ForwardKind::Mixed) {
      metrics_.increment("tgi_batch_concat", "reason=\"chunking\"");
    } else if (r.batchSize > r.admitted && !scheduler_.config().chunking) {
      metrics_.increment("tgi_batch_concat",
                         decodesSinceAdmission_ + 1 >= scheduler_.config().maxWaitingTokens
                             ? "reason=\"wait_exceeded\""
                             : "reason=\"backpressure\"");
    }
    decodesSinceAdmission_ = 0;
  } else if (!prefill) {
    ++decodesSinceAdmission_;
  }
}

void EngineDriver::onForwardEnd() {
  const int64_t now = clock_.nowNs();
  lastCallbackNs_ = now;
  const int64_t endUs = forwardEndUs_;
  const sim::ForwardRecord record = current_;
  inForward_ = false;
  lastUs_ = std::max(lastUs_, endUs);
  const std::span<const sim::TokenEvent> events = scheduler_.endForward();
  dispatching_ = true;
  for (const sim::TokenEvent& event : events) {
    const auto it = targets_.find(event.id);
    if (it == targets_.end()) {
      continue; // forgotten in this dispatch by another request's sink
    }
    const Target target = it->second;
    if (event.last) {
      targets_.erase(it);
    }
    // The sink may end calls (and forget other requests); `it` is not used after this.
    target.sink->onToken(target.slot, event, endUs);
    if (event.last) {
      scheduler_.release(event.id); // after the sink read its times from the scheduler
    }
  }
  if (observer_ != nullptr) {
    observer_->onForward(record, realNs(endUs), now, events);
  }
  dispatching_ = false;
  if (afterDispatch_) {
    afterDispatch_();
  }
  if (!timer_.closed()) {
    beginForward(endUs);
  }
}

} // namespace tt::tgisim
