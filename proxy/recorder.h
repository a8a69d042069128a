#pragma once

#include "core/exchange.h"
#include "proxy/capture.h"
#include "schema/capture_writer.h"

namespace tt::proxy {

// Where finished exchanges go. record() runs on the event loop: it must never block on I/O and
// returns false when the exchange was dropped (counted by the proxy). The exchange is not
// complete yet: completeRecord(exchange, extras) fills the fields that take parsing, and a
// recorder runs it where it costs the loop nothing.
class Recorder {
public:
  virtual ~Recorder() = default;
  virtual bool record(Exchange&& exchange, const CaptureExtras& extras) noexcept = 0;
};

// The production recorder: the capture writer's bounded queue (never blocks, drops when full);
// the writer thread completes each record before inserting it.
class WriterRecorder final : public Recorder {
public:
  explicit WriterRecorder(CaptureWriter& writer) : writer_(writer) {}
  bool record(Exchange&& exchange, const CaptureExtras& extras) noexcept override {
    return writer_.submit(std::move(exchange), {&completePackedRecord, packExtras(extras)});
  }

private:
  CaptureWriter& writer_;
};

} // namespace tt::proxy
