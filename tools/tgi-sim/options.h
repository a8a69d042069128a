#pragma once

#include "tgisim/server.h"
#include "tools/common/launcher_flags.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tt::tgisim {

// tgi-sim's flags: text-generation-launcher's names and defaults (docs/tgi.md, "Flags and
// defaults"), plus the simulator's own.
struct TgiSimOptions {
  std::string hostname = "0.0.0.0";
  int port = 3000;
  cli::LauncherFlags launcher; // shared with `tracetune simulate`
  int64_t maxClientBatchSize = 4;
  int64_t payloadLimit = 2'000'000;
  std::string modelId;
  double timeScale = 1.0;
  double eosProbability = 0;
  std::string stepsOut; // --steps-out: every forward to this CSV (step_recorder.h)
};

// Declares every flag on `app`, writing into `options`.
void setupTgiSim(CLI::App& app, TgiSimOptions& options);

// Resolves the options as the launcher, the shard's warmup and the router would (defaults,
// start-up validation, a hostname that is not an IP address). On failure returns nullopt and
// sets `error` to the one line TGI prints; otherwise appends to `notes`, when given, the lines
// TGI logs about the settings (README.md, "Flags").
std::optional<ServerConfig> buildServerConfig(const TgiSimOptions& options, std::string* error,
                                              std::vector<std::string>* notes = nullptr);

// Runs the server until SIGINT/SIGTERM; prints `tgi-sim listening on HOST:PORT` once bound.
// Returns the process exit code: 0, 1 when it cannot listen, 2 for invalid settings.
int runTgiSim(const TgiSimOptions& options);

} // namespace tt::tgisim
