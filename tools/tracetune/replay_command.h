#pragma once

#include "tools/tracetune/command.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace tt::cli {

struct ReplayOptions {
  std::string db;
  int64_t trace = 0;
  std::string target;
  std::optional<double> speed;
  std::optional<double> rate;
  std::optional<double> poisson;
  std::optional<int> concurrency;
  int copies = 1;
  uint64_t seed = 1;
  std::optional<int64_t> limit;
  std::string window; // "A:B" seconds from the trace's first request; either side may be empty
  std::optional<double> duration; // seconds
  std::string ties = "burst";     // burst | spread
  std::string endpoint; // generate | generate_stream | chat | completions; empty: as recorded
  std::string label;
  int maxConnections = 1024;
  int preconnect = 0;               // connections opened before the start (open loop)
  double timeout = 600;             // seconds per request
  double drainTimeout = 30;         // seconds after Ctrl-C
  std::vector<std::string> headers; // "Name: value"
  std::string sweep;                // "speed=0.5,1,2" (or rate=, poisson=, concurrency=)
  double cooldown = 10;             // seconds between sweep points
  std::string shard;                // "i/N"
  std::optional<double> startAt;    // unix seconds
  bool quiet = false;
  bool realtime = false;     // the sending thread under SCHED_FIFO (core/realtime.h)
  bool allRoutes = false;    // also replay what generates nothing (/info, /health, /tokenize, ...)
  double maxErrorRate = 0.5; // a run with a larger share of failed requests exits 1
};

// Exit status of a replay stopped by Ctrl-C (SIGINT), as shells report it: 128 + 2. Requests that
// completed (and those the drain timeout cut off, as client aborts) are stored.
constexpr int kExitInterrupted = 130;

void setupReplay(CLI::App& app, Runner& runner);
// Replays a stored trace against a target and stores each run as a replay trace.
int runReplay(const ReplayOptions& options, std::ostream& out, std::ostream& err);

} // namespace tt::cli
