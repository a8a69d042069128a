#pragma once

#include "proxy/counters.h"
#include "schema/capture_writer.h"
#include "schema/store.h"

#include <string>
#include <string_view>
#include <vector>

namespace tt::proxy {

// The proxy's own Prometheus text exposition (docs/proxy.md, "Admin metrics").
std::string renderMetrics(const Counters& proxy, const WriterCounters* capture);

// Prometheus text format lines whose metric name starts with `prefix`, as samples at `tUs`
// (labels kept as written inside the braces). Comments and malformed lines are skipped.
std::vector<Sample> parsePrometheus(std::string_view text, int64_t tUs,
                                    std::string_view prefix = "tgi_");

} // namespace tt::proxy
