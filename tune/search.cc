#include "tune/search.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <thread>

namespace tt::tune {
namespace {

bool chunks(const sim::LauncherConfig& l) {
  return l.router == sim::RouterVersion::V3 && l.model.supportsChunking && l.prefillChunking &&
         l.speculate == 0 && l.attention != sim::Attention::Paged;
}

// Runs `work(i)` for i in [0, n) on two threads.
void onTwoThreads(size_t n, const std::function<void(size_t)>& work) {
  std::atomic<size_t> next{0};
  const auto loop = [&] {
    for (size_t i = next++; i < n; i = next++) {
      work(i);
    }
  };
  std::thread helper(loop);
  loop();
  helper.join();
}

bool sameValue(std::optional<double> a, std::optional<double> b) {
  return a.has_value() == b.has_value() && (!a || std::abs(*a - *b) < 1e-9);
}

} // namespace

std::vector<Dimension> searchSpace(const sim::LauncherConfig& current) {
  std::vector<Dimension> dims{
      {"--max-batch-prefill-tokens", {1024, 2048, 4096, 8192, 16384, 32768}},
      {"--max-concurrent-requests", {32, 64, 128, 256, 512, 1024, 2048}},
  };
  if (!chunks(current)) {
    dims.push_back({"--max-batch-size", {std::nullopt, 8, 16, 32, 64, 128, 256}});
    dims.push_back({"--waiting-served-ratio", {0.3, 0.6, 1.2, 2.4}});
    dims.push_back({"--max-waiting-tokens", {5, 10, 20, 40}});
  }
  if (current.router == sim::RouterVersion::V2) {
    dims.push_back({"--max-batch-total-tokens", {16000, 32000, 64000, 128000, 256000}});
  }
  for (Dimension& d : dims) { // the current value is always a candidate
    const auto now = flagValue(current, d.flag);
    if (std::none_of(d.values.begin(), d.values.end(),
                     [&](const auto& v) { return sameValue(v, now); })) {
      d.values.push_back(now);
    }
  }
  return dims;
}

std::vector<std::string> ineffectiveFlags(const sim::LauncherConfig& current) {
  if (chunks(current)) {
    return {"--waiting-served-ratio, --max-waiting-tokens: ignored with prefill chunking (TGI logs "
            "so at start-up)",
            "--max-batch-size: ignored with prefill chunking after the first batch",
            "--max-batch-total-tokens: v3 takes the KV capacity from warmup, not the flag"};
  }
  if (current.router == sim::RouterVersion::V3) {
    return {"--max-batch-total-tokens: v3 takes the KV capacity from warmup, not the flag"};
  }
  return {};
}

void setFlag(sim::LauncherConfig& l, const std::string& flag, std::optional<double> value) {
  const auto integer = [&value]() -> std::optional<int64_t> {
    return value ? std::optional<int64_t>(std::llround(*value)) : std::nullopt;
  };
  if (flag == "--max-batch-prefill-tokens") {
    l.maxBatchPrefillTokens = integer();
  } else if (flag == "--max-concurrent-requests") {
    l.maxConcurrentRequests = integer().value_or(128);
  } else if (flag == "--max-batch-size") {
    l.maxBatchSize = integer();
  } else if (flag == "--waiting-served-ratio") {
    l.waitingServedRatio = value.value_or(0.3);
  } else if (flag == "--max-waiting-tokens") {
    l.maxWaitingTokens = integer().value_or(20);
  } else if (flag == "--max-batch-total-tokens") {
    l.maxBatchTotalTokens = integer();
  }
}

std::optional<double> flagValue(const sim::LauncherConfig& l, const std::string& flag) {
  const auto real = [](std::optional<int64_t> v) {
    return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
  };
  if (flag == "--max-batch-prefill-tokens") {
    return real(l.maxBatchPrefillTokens);
  }
  if (flag == "--max-concurrent-requests") {
    return static_cast<double>(l.maxConcurrentRequests);
  }
  if (flag == "--max-batch-size") {
    return real(l.maxBatchSize);
  }
  if (flag == "--waiting-served-ratio") {
    return l.waitingServedRatio;
  }
  if (flag == "--max-waiting-tokens") {
    return static_cast<double>(l.maxWaitingTokens);
  }
  if (flag == "--max-batch-total-tokens") {
    return real(l.maxBatchTotalTokens);
  }
  return std::nullopt;
}

SearchResult searchSettings(const WhatIfTrace& trace, const sim::LauncherConfig& current,
                            const Capacity& currentCapacity, const sim::CostModel& model,
                            const analyze::Slo& slo, const CapacityOptions& options, int passes) {
  SearchResult result;
  result.best = {current, currentCapacity};
  std::vector<Evaluated> measured; // with a full capacity, for the alternatives
  const std::vector<Dimension> dims = searchSpace(current);

  // One candidate per value of `dim` but the best's: pruned against `beat` when given.
  const auto tryValues = [&](const Dimension& dim, std::optional<double> beat) {
    std::vector<std::optional<double>> values;
    for (const auto& v : dim.values) {
      if (!sameValue(v, flagValue(result.best.launcher, dim.flag))) {
        values.push_back(v);
      }
    }
    std::vector<std::optional<Evaluated>> out(values.size());
    onTwoThreads(values.size(), [&](size_t i) {
      sim::LauncherConfig l = result.best.launcher;
      setFlag(l, dim.flag, values[i]);
      const auto resolved = sim::resolveConfig(l);
      if (!resolved.config) {
        return;
      }
      CapacityOptions o = options;
      o.mustBeat = beat;
      out[i] = Evaluated{l, findCapacity(trace, *resolved.config, model, slo, o)};
    });
    for (size_t i = 0; i < values.size(); ++i) {
      if (!out[i]) {
        ++result.refused;
        continue;
      }
      ++result.candidates;
      result.runs += out[i]->capacity.runs;
    }
    return std::make_pair(values, out);
  };

  for (int pass = 0; pass < passes && !result.best.capacity.aboveRange(); ++pass) {
    bool improved = false;
    for (const Dimension& dim : dims) {
      const double load = result.best.capacity.load;
      const std::optional<double> beat =
          load > 0 ? std::optional<double>(load * (1 + options.tolerance)) : std::nullopt;
      auto [values, out] = tryValues(dim, beat);
      const Evaluated* winner = nullptr;
      for (const auto& e : out) {
        if (e && !e->capacity.beaten && e->capacity.load > 0) {
          measured.push_back(*e);
          if (e->capacity.load > (winner ? winner->capacity.load : load)) {
            winner = &*e;
          }
        }
      }
      if (winner != nullptr && winner->capacity.load > load * (1 + options.tolerance)) {
        measured.push_back(result.best);
        result.best = *winner;
        improved = true;
      }
    }
    if (!improved) {
      break;
    }
  }

  // Sensitivity: every value of every flag around the recommendation, measured in full. A
  // setting measured there more than the tolerance above the search's choice replaces it, and
  // the sensitivity is measured again around it. (Bisections from different starting loads end
  // anywhere in their last bracket: within the tolerance, the search's choice, with fewer
  // changes from the current settings, stays.)
  const auto byLoad = [](const Evaluated& a, const Evaluated& b) {
    return a.capacity.load > b.capacity.load;
  };
  for (int round = 0; round < 2; ++round) {
    result.sensitivity.clear();
    std::vector<Evaluated> around;
    for (const Dimension& dim : dims) {
      auto [values, out] = tryValues(dim, std::nullopt);
      for (size_t i = 0; i < values.size(); ++i) {
        Sensitivity s{dim.flag, values[i], std::nullopt, !out[i].has_value()};
        if (out[i] && out[i]->capacity.load > 0) {
          s.capacity = out[i]->capacity.load;
          around.push_back(*out[i]);
        }
        result.sensitivity.push_back(s);
      }
    }
    measured.insert(measured.end(), around.begin(), around.end());
    std::sort(around.begin(), around.end(), byLoad);
    if (round == 1 || around.empty() ||
        around.front().capacity.load <= result.best.capacity.load * (1 + options.tolerance)) {
      break; // the sensitivity describes the choice
    }
    measured.push_back(result.best);
    result.best = around.front();
  }
  std::sort(measured.begin(), measured.end(), byLoad);
  for (const Evaluated& e : measured) {
    const bool seen = std::any_of(
        result.alternatives.begin(), result.alternatives.end(), [&](const Evaluated& a) {
          return std::all_of(dims.begin(), dims.end(), [&](const Dimension& d) {
            return sameValue(flagValue(a.launcher, d.flag), flagValue(e.launcher, d.flag));
          });
        });
    const bool isBest = std::all_of(dims.begin(), dims.end(), [&](const Dimension& d) {
      return sameValue(flagValue(result.best.launcher, d.flag), flagValue(e.launcher, d.flag));
    });
    if (!seen && !isBest && result.alternatives.size() < 3) {
      result.alternatives.push_back(e);
    }
  }
  return result;
}

} // namespace tt::tune
