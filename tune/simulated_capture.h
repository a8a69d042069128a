#pragma once

#include "sim/engine.h"
#include "tune/captured_streams.h"

#include <vector>

namespace tt::tune {

// What a capture through the proxy would show of a simulated run, with exact times: the requests
// TGI served, their prompt sizes and token arrivals, in send order. The calibration's test on
// exact times and its benchmark feed it to calibrateTraffic.
CapturedTraffic capturedTrafficOf(const std::vector<sim::RequestResult>& results,
                                  const std::vector<sim::EngineRequest>& requests);

} // namespace tt::tune
