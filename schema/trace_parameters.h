#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// How a trace was made: the `traces.parameters` JSON (schema/schema.sql), one type per way of
// making a trace, written through json() and read through the readers below, so that no command
// builds it by hand.
namespace tt {

// `tracetune import`.
struct ImportParameters {
  std::string format; // the importer's name (replay/importer.h)
  std::string file;
  int64_t rows = 0;
  int64_t skipped = 0;
  int64_t blockTokens = 0;         // prompt tokens per prefix hash id (0: none)
  std::optional<int64_t> sessions; // formats that lay sessions out (weka)
  std::string json() const;
};

// `tracetune proxy`.
struct CaptureParameters {
  std::string listen;
  std::string redact;
  uint64_t maxConnections = 0;
  uint64_t maxHeaderBytes = 0;
  uint64_t maxHeaders = 0;
  uint64_t maxUrlBytes = 0;
  uint64_t maxBodyBytes = 0;
  double headerTimeoutS = 0;
  double idleTimeoutS = 0;
  double scrapeIntervalS = 0;
  std::string json() const;
};

// `tracetune replay`: one run of a sweep.
struct ReplayParameters {
  std::string mode; // replay::rateModeName
  double value = 1;
  int copies = 1;
  uint64_t seed = 0;
  std::string ties;
  std::string window;
  std::string shard;
  std::string endpoint;
  bool allRoutes = false;
  int64_t skipped = 0; // requests that generate nothing, not sent
  size_t planned = 0;
  // How synthesized prompts were calibrated (replay/preflight.h, Calibration).
  bool calibrated = false;
  double tokensPerWord = 1;
  double meanAbsErrorPct = 0;
  double maxAbsErrorPct = 0;
  std::optional<int64_t> limit;
  std::optional<double> durationS;
  std::string json() const;
};

// `tracetune merge`: the replays merged.
struct MergeParameters {
  struct Part {
    std::string file;
    int64_t trace = 0;
    size_t requests = 0;
  };
  std::vector<Part> mergedFrom;
  std::string json() const;
};

// `tracetune simulate`.
struct SimulationParameters {
  int64_t sourceTrace = 0;
  std::string mode;
  int copies = 1;
  std::string launcherJson = "{}"; // the launcher flags as given
  std::optional<double> value;     // with --speed, --rate or --poisson
  std::string json() const;
};

// A replay that validates launcher settings at a multiple of the trace's load (tune/).
struct ValidationParameters {
  std::string name; // the settings validated
  double load = 0;
  double speed = 0;
  std::string json() const;
};

// The prompt tokens per prefix hash id that a trace's parameters record (imports), if any.
std::optional<int64_t> storedBlockTokens(const std::string& parametersJson);

} // namespace tt
