#pragma once

#include "tools/tracetune/command.h"

#include <cstdint>
#include <functional>
#include <string>

namespace tt::cli {

struct ProxyOptions {
  std::string listen;   // HOST:PORT
  std::string upstream; // http://host[:port][/prefix]
  std::string db;
  std::string label;
  std::string redact = "none"; // none | prompts | bodies
  std::string admin;           // [HOST:]PORT; empty: no admin endpoint
  uint64_t maxConnections = 20'000;
  uint64_t maxHeaderBytes = 32 * 1024;
  uint64_t maxHeaders = 100;
  uint64_t maxUrlBytes = 8 * 1024;
  uint64_t maxBodyBytes = 0; // 0: no limit
  double headerTimeoutS = 60;
  double idleTimeoutS = 300;
  double drainTimeoutS = 30;
  double scrapeIntervalS = 10; // 0: scrape once at start
};

void setupProxy(CLI::App& app, Runner& runner);

// Runs the capture proxy until SIGINT/SIGTERM; `onReady` gets the bound proxy and admin ports
// once both listen. Returns the exit status.
int runProxy(const ProxyOptions& options,
             const std::function<void(int port, int adminPort)>& onReady = {});

} // namespace tt::cli
