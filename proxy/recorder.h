#pragma once

#include "core/exchange.h"
#include "schema/capture_writer.h"

namespace tt::proxy {

// Where finished exchanges go. record() runs on the event loop: it must never block on I/O and
// returns false when the exchange was dropped (counted by the proxy).
class Recorder {
public:
  virtual ~Recorder() = default;
  virtual bool record(Exchange&& exchange) noexcept = 0;
};

// The production recorder: the capture writer's bounded queue (never blocks, drops when full).
class WriterRecorder final : public Recorder {
public:
  explicit WriterRecorder(CaptureWriter& writer) : writer_(writer) {}
  bool record(Exchange&& exchange) noexcept override { return writer_.submit(std::move(exchange)); }

private:
  CaptureWriter& writer_;
};

} // namespace tt::proxy
