#pragma once

#include "core/url.h"
#include "proxy/config.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace tt::proxy {

// A capture: the proxy in front of an upstream, recording into a database as one trace, with
// the upstream's /info and /metrics scraped beside it.
struct CaptureRun {
  Config config;
  std::string db; // created when missing
  std::string label;
  std::string target;         // the upstream as the user wrote it, stored with the trace
  std::string parametersJson; // how the capture was made, stored with the trace
  std::optional<HostPort> admin;
  int64_t drainMs = 0;          // open streams may run on this long after SIGINT/SIGTERM
  int64_t scrapeIntervalMs = 0; // between reads of the upstream's /info and /metrics; 0: once
};

// Runs the capture until SIGINT/SIGTERM, saying on stderr where it listens and, at the end,
// what it recorded; `onReady` gets the bound proxy and admin ports once both listen. Returns
// false when it cannot start (the line why is on stderr): it then leaves no trace behind, and
// no database when it created it.
bool runCapture(const CaptureRun& run,
                const std::function<void(int port, int adminPort)>& onReady = {});

} // namespace tt::proxy
