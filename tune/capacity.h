#pragma once

#include "tune/load_run.h"

#include <optional>
#include <string>

namespace tt::tune {

struct CapacityOptions {
  double attainment = 0.95; // share of requests that must meet every objective
  double tolerance = 0.02;  // the bisection stops when the bracket is this narrow (relative)
  double minLoad = 1.0 / 64;
  double maxLoad = 64;
  // Stop early, reporting no capacity, when the load `beat` already fails: a search only needs
  // to know whether a candidate does better than the best so far.
  std::optional<double> mustBeat;
  // Where the bisection starts, and the factor by which it first widens its bracket (a factor
  // under 2 grows at each step, up to 2): a capacity already
  // estimated (on a slice of the trace, or a neighbouring setting) needs fewer runs from there.
  double startLoad = 1.0;
  double widen = 2.0;
  sim::SchedulerOptions noise; // forward-time noise of every run (none by default)
};

// The highest load, as a multiple of the trace's own arrival process, at which the attainment
// holds; the bracket [load, failedLoad) is the uncertainty of the bisection.
struct Capacity {
  double load = 0;           // 0 when even minLoad fails
  double failedLoad = 0;     // the lowest load seen to fail; 0 when even maxLoad holds
  bool beaten = false;       // mustBeat failed: the capacity is below it, not computed
  int runs = 0;              // simulated runs it took
  std::optional<LoadRun> at; // the run at `load`

  bool belowRange() const { return load == 0 && !beaten; }
  bool aboveRange() const { return failedLoad == 0 && load > 0; }
};

// A setting and its capacity.
struct Evaluated {
  sim::LauncherConfig launcher;
  Capacity capacity;
};

// Bisection on the load (in log space) with the virtual-time engine; assumes the attainment does
// not rise with the load.
Capacity findCapacity(const WhatIfTrace& trace, const sim::SchedulerConfig& config,
                      const sim::CostModel& model, const analyze::Slo& slo,
                      const CapacityOptions& options);

} // namespace tt::tune
