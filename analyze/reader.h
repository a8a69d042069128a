#pragma once

#include "analyze/request_record.h"
#include "schema/store.h"

#include <cstdint>
#include <functional>
#include <span>

namespace tt::analyze {

// Visits a trace's requests in send order with their token times, reading only the columns
// analysis needs (no bodies or headers): for a million requests this is the difference between
// seconds and minutes. The span is valid during the call only. Every time on the trace's axis is
// multiplied by `timeScale` (see serverTimeScale).
void forEachRecord(
    Store& store, int64_t traceId, double timeScale,
    const std::function<void(const RequestRecord&, std::span<const int64_t>)>& visit);

// How many times faster than real time the trace's server ran: tgi-sim's --time-scale, which it
// states in /info ("simulator": {"time_scale": X}) and captures and replays keep in server_info;
// 1 for a real TGI. Analysis multiplies a trace's times by it, so that it reads in the server's
// own time.
double serverTimeScale(const TraceInfo& trace);

} // namespace tt::analyze
