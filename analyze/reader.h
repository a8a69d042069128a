#pragma once

#include "analyze/request_record.h"
#include "schema/store.h"

#include <cstdint>
#include <functional>
#include <span>

namespace tt::analyze {

// Visits a trace's requests in send order with their token times, reading only the columns
// analysis needs (no bodies or headers): for a million requests this is the difference between
// seconds and minutes. The span is valid during the call only.
void forEachRecord(
    Store& store, int64_t traceId,
    const std::function<void(const RequestRecord&, std::span<const int64_t>)>& visit);

} // namespace tt::analyze
