#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Which server a trace ran against: the `traces.server_info` JSON (schema/schema.sql), read
// through one type, and the one a simulation writes.
namespace tt {

// What the readers take from a stored server info: a TGI's /info, as the proxy and a replay
// store it (docs/tgi.md, "/info").
struct ServerInfo {
  bool fromTgi = false; // it has TGI's model_id: the trace's server answered /info
  std::string modelId;  // "" when model_id is not a string
  double timeScale = 1; // a tgi-sim's --time-scale (core/simulator_info.h), else 1
  std::string version;  // TGI's version, "" when not given
  // The launcher's limits /info shows (docs/tgi.md, "/info") and the KV capacity after warmup
  // that the proxy adds from TGI's batch token gauge as max_batch_total_tokens; nullopt where
  // absent.
  std::optional<int64_t> maxConcurrentRequests;
  std::optional<int64_t> maxInputTokens;
  std::optional<int64_t> maxTotalTokens;
  std::optional<int64_t> maxBatchTotalTokens;

  // Anything that is not such an object reads as no server at all.
  static ServerInfo read(const std::string& json);
};

// The server of a `simulation` trace: the simulated TGI, its cost model and scheduler.
struct SimulationServerInfo {
  std::string profile;
  double profileMaxError = 0;
  std::string schedulerJson = "{}"; // the settings the scheduler used
  std::vector<std::string> warnings;
  std::string json() const;
};

} // namespace tt
