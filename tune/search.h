#pragma once

#include "tune/halving.h"

#include <cstdint>
#include <optional>
#include <span>
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
// chunking the prefill budget, the concurrency limit and the token limits; without it also the
// decode batch cap, waiting_served_ratio and max_waiting_tokens; v2 also its token budget.
std::vector<std::string> searchedFlags(const sim::LauncherConfig& current);
// The values the search tries for each of them; --max-total-tokens' also from the answers
// `requests` got.
std::vector<Dimension> searchSpace(const sim::LauncherConfig& current,
                                   std::span<const Exchange> requests);
// Every combination of the values of searchSpace within TGI's checks that accepts every request
// of `requests` the current settings accept, and cuts none of their answers short, one of each set
// of flags that resolve alike, the current settings and the fewest changes from them first.
struct SettingsGrid {
  std::vector<sim::LauncherConfig> settings;
  int64_t refused = 0;  // combinations TGI's launcher or router would refuse
  int64_t refusing = 0; // combinations whose token limits refuse requests the current accept
};
SettingsGrid settingsGrid(const sim::LauncherConfig& current, std::span<const Exchange> requests);

// How many of the searched flags differ between two settings.
int changedFlags(const sim::LauncherConfig& from, const sim::LauncherConfig& to);

// The flags TGI ignores in that mode, with the reason: left alone.
std::vector<std::string> ineffectiveFlags(const sim::LauncherConfig& current);

// `flag` set to `value` (nullopt: its default) in `launcher`.
void setFlag(sim::LauncherConfig& launcher, const std::string& flag, std::optional<double> value);
// The value `launcher` gives `flag`, nullopt when unset.
std::optional<double> flagValue(const sim::LauncherConfig& launcher, const std::string& flag);

// How capacity moves when one flag of the recommendation takes another value.
struct Sensitivity {
  std::string flag;
  std::optional<double> value;
  std::optional<double> capacity; // nullopt: the objectives fail at every load tried
  bool refused = false;           // TGI's launcher would refuse it
  bool refusesRequests = false;   // its token limits refuse requests the current settings accept
};

struct SearchResult {
  Evaluated best;
  std::vector<Evaluated> alternatives; // the next best, best first
  std::vector<Sensitivity> sensitivity;
  std::vector<Rung> rungs;       // the successive halving's
  int64_t candidates = 0;        // settings evaluated (on a slice of the trace, at least)
  int64_t refused = 0;           // settings TGI's launcher or router would refuse, never evaluated
  int64_t refusing = 0;          // settings left out: they refuse requests served today (422)
  int64_t runs = 0;              // simulated runs
  int64_t simulatedRequests = 0; // requests those runs simulated
};

struct SearchOptions {
  // Settings evaluated at most: a larger grid keeps every setting one change from the current
  // and an even sample of the others.
  size_t maxCandidates = 1024;
  HalvingOptions halving;
  // The bisection's tolerance for the sensitivity table, around the choice: a trend to read, and
  // the most costly part of the search (every setting on the whole trace).
  double sensitivityTolerance = 0.05;
};

// Every combination of the mode's flag values (searchSpace) within TGI's checks, ranked by
// successive halving on slices of the trace (tune/halving.h); the best few measured on the whole
// trace, then the sensitivity to each flag around the choice, which may move the choice.
// `current` must be valid (sim::resolveConfig); its capacity on the whole trace is given.
SearchResult searchSettings(const WhatIfTrace& trace, const sim::LauncherConfig& current,
                            const Capacity& currentCapacity, const sim::CostModel& model,
                            const analyze::Slo& slo, const CapacityOptions& options,
                            const SearchOptions& search = {});

} // namespace tt::tune
