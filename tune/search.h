#pragma once

#include "tune/capacity.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tt::tune {

// One launcher flag the search may set, with the values it tries (nullopt: the flag left out,
// TGI's default).
struct Dimension {
  std::string flag; // "--max-batch-prefill-tokens"
  std::vector<std::optional<double>> values;
};

// The flags that change the schedule in the server's mode (docs/recommend.md): with prefill
// chunking the prefill budget and the concurrency limit; without it also the decode batch cap,
// waiting_served_ratio and max_waiting_tokens; v2 also its token budget.
std::vector<Dimension> searchSpace(const sim::LauncherConfig& current);
// The flags TGI ignores in that mode, with the reason: left alone.
std::vector<std::string> ineffectiveFlags(const sim::LauncherConfig& current);

// `flag` set to `value` (nullopt: its default) in `launcher`.
void setFlag(sim::LauncherConfig& launcher, const std::string& flag, std::optional<double> value);
// The value `launcher` gives `flag`, nullopt when unset.
std::optional<double> flagValue(const sim::LauncherConfig& launcher, const std::string& flag);

struct Evaluated {
  sim::LauncherConfig launcher;
  Capacity capacity;
};

// How capacity moves when one flag of the recommendation takes another value.
struct Sensitivity {
  std::string flag;
  std::optional<double> value;
  std::optional<double> capacity; // nullopt: the objectives fail at every load tried
  bool refused = false;           // TGI's launcher would refuse it
};

struct SearchResult {
  Evaluated best;
  std::vector<Evaluated> alternatives; // the next best, best first
  std::vector<Sensitivity> sensitivity;
  int64_t candidates = 0; // settings evaluated (a run at the load to beat, at least)
  int64_t refused = 0;    // settings TGI's launcher or router would refuse, never recommended
  int64_t runs = 0;       // simulated runs
};

// Coordinate search from `current`: each flag in turn tries its values on 2 threads, keeping the
// best, for up to `passes` rounds or until nothing improves by more than the tolerance. A
// candidate first runs at the load to beat and is dropped when it fails there (one run instead of
// a bisection). `current` must be valid (sim::resolveConfig).
SearchResult searchSettings(const WhatIfTrace& trace, const sim::LauncherConfig& current,
                            const Capacity& currentCapacity, const sim::CostModel& model,
                            const analyze::Slo& slo, const CapacityOptions& options,
                            int passes = 2);

} // namespace tt::tune
