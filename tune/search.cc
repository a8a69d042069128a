#include "tune/search.h"

#include "replay/request_builder.h"
#include "sim/validation.h"
#include "tune/parallel.h"
#include "tune/what_if.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

namespace tt::tune {
namespace {

bool chunks(const sim::LauncherConfig& l) {
  return l.router == sim::RouterVersion::V3 && l.model.supportsChunking && l.prefillChunking &&
         l.speculate == 0 && l.attention != sim::Attention::Paged;
}

// What the scheduler runs with of the searched settings: flag sets with the same key behave the
// same (a flag given its default value, a token limit that follows another).
std::string resolvedKey(const sim::SchedulerConfig& c) {
  return std::to_string(c.maxConcurrentRequests) + " " + std::to_string(c.maxInputTokens) + " " +
         std::to_string(c.maxTotalTokens) + " " + std::to_string(c.maxBatchPrefillTokens) + " " +
         std::to_string(c.maxBatchTotalTokens) + " " + std::to_string(c.maxBatchSize.value_or(0)) +
         " " + std::to_string(c.waitingServedRatio) + " " + std::to_string(c.maxWaitingTokens);
}

// Whether a setting accepts every request of a trace that the current settings accept: a
// recommendation never turns away (422) traffic the server serves today. Only the token limits
// decide it, so the answer is kept per pair of them.
class KeepsAccepting {
public:
  KeepsAccepting(const sim::LauncherConfig& current, std::span<const Exchange> requests) {
    const sim::SchedulerConfig now = *sim::resolveConfig(current).config;
    for (const Exchange& e : requests) {
      Accepted a{promptTokensOf(e), {}, generatedTokensOf(e)};
      a.params.maxNewTokens = replay::sentMaxNewTokens(e, {});
      if (sim::validateRequest(now, a.params, a.prompt).request) {
        accepted_.push_back(a);
      }
    }
  }

  bool operator()(const sim::SchedulerConfig& c) {
    const auto [at, added] = byLimits_.try_emplace({c.maxInputTokens, c.maxTotalTokens}, true);
    if (added) {
      at->second = std::all_of(accepted_.begin(), accepted_.end(), [&](const Accepted& a) {
        const auto valid = sim::validateRequest(c, a.params, a.prompt).request;
        // Without max_new_tokens an answer may run to max_total_tokens: it must not be cut.
        return valid && (a.params.maxNewTokens || valid->maxTotalNewTokens >= a.generated);
      });
    }
    return at->second;
  }

private:
  struct Accepted {
    int64_t prompt = 0;
    sim::GenerateParams params;
    int64_t generated = 0;
  };
  std::vector<Accepted> accepted_;
  std::map<std::pair<int64_t, int64_t>, bool> byLimits_;
};

bool sameValue(std::optional<double> a, std::optional<double> b) {
  return a.has_value() == b.has_value() && (!a || std::abs(*a - *b) < 1e-9);
}

// A grid (fewest `changes` first) cut to `budget` settings: every setting one change from the
// current, and an even sample of the rest (a fixed seed: the same trace gives the same answer).
template <typename Changes>
std::vector<sim::LauncherConfig> withinBudget(std::vector<sim::LauncherConfig> grid, size_t budget,
                                              const Changes& changes) {
  if (grid.size() <= budget) {
    return grid;
  }
  const auto near = std::partition_point(grid.begin(), grid.end(),
                                         [&](const auto& l) { return changes(l) <= 1; });
  std::shuffle(near, grid.end(), std::mt19937(20261207));
  grid.resize(std::max(static_cast<size_t>(near - grid.begin()), budget));
  std::stable_sort(grid.begin(), grid.end(),
                   [&](const auto& a, const auto& b) { return changes(a) < changes(b); });
  return grid;
}

} // namespace

std::vector<std::string> searchedFlags(const sim::LauncherConfig& current) {
  std::vector<std::string> flags{"--max-batch-prefill-tokens", "--max-concurrent-requests",
                                 "--max-input-tokens", "--max-total-tokens"};
  if (!chunks(current)) {
    flags.insert(flags.end(),
                 {"--max-batch-size", "--waiting-served-ratio", "--max-waiting-tokens"});
  }
  if (current.router == sim::RouterVersion::V2) {
    flags.push_back("--max-batch-total-tokens");
  }
  return flags;
}

std::vector<Dimension> searchSpace(const sim::LauncherConfig& current,
                                   std::span<const Exchange> requests) {
  // The token limits at their defaults (which follow the prefill budget without chunking), at the
  // model's own limit and, for --max-total-tokens, at the least that gives every request without
  // max_new_tokens its whole answer: TGI reserves KV blocks for max_total_tokens minus the prompt
  // (up to 1,024 at a time) for each of them (docs/recommend.md).
  const int64_t positions = current.model.maxPositionEmbeddings;
  std::vector<std::optional<double>> totalLimits{std::nullopt, static_cast<double>(positions)};
  int64_t needed = 0;
  for (const Exchange& e : requests) {
    if (!replay::sentMaxNewTokens(e, {})) {
      needed = std::max(needed, promptTokensOf(e) + generatedTokensOf(e));
    }
  }
  if (needed > 0 && (needed + 255) / 256 * 256 < positions) {
    totalLimits.push_back(static_cast<double>((needed + 255) / 256 * 256));
  }
  const std::map<std::string, std::vector<std::optional<double>>> values{
      {"--max-batch-prefill-tokens",
       {512, 1024, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768}},
      {"--max-concurrent-requests", {16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 1024, 2048}},
      {"--max-input-tokens", {std::nullopt, static_cast<double>(positions - 1)}},
      {"--max-total-tokens", totalLimits},
      {"--max-batch-size", {std::nullopt, 8, 16, 32, 64, 128, 256}},
      {"--waiting-served-ratio", {0.3, 0.6, 1.2, 2.4}},
      {"--max-waiting-tokens", {5, 10, 20, 40}},
      {"--max-batch-total-tokens", {16000, 32000, 64000, 128000, 256000}},
  };
  std::vector<Dimension> dims;
  for (const std::string& flag : searchedFlags(current)) {
    Dimension d{flag, values.at(flag)};
    const auto now = flagValue(current, flag); // the current value is always a candidate
    if (std::none_of(d.values.begin(), d.values.end(),
                     [&](const auto& v) { return sameValue(v, now); })) {
      d.values.push_back(now);
    }
    dims.push_back(std::move(d));
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
  } else if (flag == "--max-input-tokens") {
    l.maxInputTokens = integer();
  } else if (flag == "--max-total-tokens") {
    l.maxTotalTokens = integer();
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
  if (flag == "--max-input-tokens") {
    return real(l.maxInputTokens);
  }
  if (flag == "--max-total-tokens") {
    return real(l.maxTotalTokens);
  }
  return std::nullopt;
}

namespace {

// settingsGrid with a KeepsAccepting the caller uses again.
SettingsGrid gridOf(const sim::LauncherConfig& current, std::span<const Exchange> requests,
                    KeepsAccepting& keepsAccepting) {
  const std::vector<Dimension> dims = searchSpace(current, requests);
  std::vector<sim::LauncherConfig> all{current};
  for (const Dimension& d : dims) {
    std::vector<sim::LauncherConfig> wider;
    for (const sim::LauncherConfig& l : all) {
      for (const auto& v : d.values) {
        wider.push_back(l);
        setFlag(wider.back(), d.flag, v);
      }
    }
    all = std::move(wider);
  }
  std::stable_sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    return changedFlags(current, a) < changedFlags(current, b);
  });
  SettingsGrid grid;
  std::set<std::string> seen; // of flag sets that behave alike, the fewest changes
  for (const sim::LauncherConfig& l : all) {
    const auto resolved = sim::resolveConfig(l);
    if (!resolved.config) {
      ++grid.refused;
    } else if (!keepsAccepting(*resolved.config)) {
      ++grid.refusing;
    } else if (seen.insert(resolvedKey(*resolved.config)).second) {
      grid.settings.push_back(l);
    }
  }
  return grid;
}

} // namespace

SettingsGrid settingsGrid(const sim::LauncherConfig& current, std::span<const Exchange> requests) {
  KeepsAccepting keepsAccepting(current, requests);
  return gridOf(current, requests, keepsAccepting);
}

int changedFlags(const sim::LauncherConfig& from, const sim::LauncherConfig& to) {
  const auto flags = searchedFlags(from);
  return static_cast<int>(std::count_if(flags.begin(), flags.end(), [&](const std::string& f) {
    return !sameValue(flagValue(from, f), flagValue(to, f));
  }));
}

SearchResult searchSettings(const WhatIfTrace& trace, const sim::LauncherConfig& current,
                            const Capacity& currentCapacity, const sim::CostModel& model,
                            const analyze::Slo& slo, const CapacityOptions& options,
                            const SearchOptions& search) {
  SearchResult result;
  const std::vector<Dimension> dims = searchSpace(current, trace.requests);
  const auto changes = [&](const sim::LauncherConfig& l) { return changedFlags(current, l); };
  // The same schedule: flag sets that differ only in writing a default out.
  const auto same = [&](const sim::LauncherConfig& a, const sim::LauncherConfig& b) {
    const auto ra = sim::resolveConfig(a).config;
    const auto rb = sim::resolveConfig(b).config;
    return ra && rb && resolvedKey(*ra) == resolvedKey(*rb);
  };
  KeepsAccepting keepsAccepting(current, trace.requests);
  SettingsGrid grid = gridOf(current, trace.requests, keepsAccepting);
  result.refused = grid.refused;
  result.refusing = grid.refusing;
  const std::vector<sim::LauncherConfig> valid =
      withinBudget(std::move(grid.settings), search.maxCandidates, changes);
  result.candidates = static_cast<int64_t>(valid.size());

  HalvingResult halving = successiveHalving(trace, valid, model, slo, options, search.halving);
  result.rungs = halving.rungs;
  result.runs = halving.runs;
  result.simulatedRequests = halving.simulatedRequests;
  std::vector<Evaluated> measured = std::move(halving.finalists);
  measured.push_back({current, currentCapacity});

  // The choice: of the settings within the tolerance of the highest capacity measured, the one
  // with the fewest changes from the current (bisections end anywhere in their last bracket, so
  // closer capacities are not told apart).
  const auto choose = [&] {
    const auto top =
        std::max_element(measured.begin(), measured.end(), [](const auto& a, const auto& b) {
          return a.capacity.load < b.capacity.load;
        });
    const Evaluated* choice = &*top;
    for (const Evaluated& e : measured) {
      if (e.capacity.load * (1 + options.tolerance) >= top->capacity.load &&
          changes(e.launcher) < changes(choice->launcher)) {
        choice = &e;
      }
    }
    return *choice;
  };
  result.best = choose();

  // Sensitivity: every value of every flag around the choice, on the whole trace, each bisection
  // starting from the choice's capacity. A setting measured there more than the tolerance above
  // the choice replaces it (the halving ranked it on slices), and the sensitivity is measured
  // again around it.
  for (int round = 0; round < 2; ++round) {
    std::vector<Sensitivity> table;
    std::vector<sim::LauncherConfig> around;
    for (const Dimension& d : dims) {
      for (size_t k = 0; k < d.values.size(); ++k) {
        // Every other value of a long list: the table shows the trend, and costs half.
        const auto& v = d.values[k];
        if (d.values.size() > 6 && k % 2 == 1 &&
            !sameValue(v, flagValue(result.best.launcher, d.flag))) {
          continue;
        }
        sim::LauncherConfig l = result.best.launcher;
        setFlag(l, d.flag, v);
        if (!sameValue(v, flagValue(result.best.launcher, d.flag)) &&
            same(l, result.best.launcher)) {
          continue; // the choice's own schedule, written another way
        }
        const auto resolved = sim::resolveConfig(l).config;
        table.push_back(
            {d.flag, v, std::nullopt, !resolved, resolved && !keepsAccepting(*resolved)});
        around.push_back(l);
      }
    }
    std::vector<std::optional<Capacity>> capacity(around.size());
    onTwoThreads(around.size(), [&](size_t i) {
      if (table[i].refused || table[i].refusesRequests) {
        return;
      }
      for (const Evaluated& e : measured) { // measured already
        if (same(e.launcher, around[i])) {
          capacity[i] = e.capacity;
          return;
        }
      }
      CapacityOptions o = options;
      o.startLoad = result.best.capacity.load > 0 ? result.best.capacity.load : 1.0;
      o.widen = 1.25;
      o.tolerance = search.sensitivityTolerance;
      capacity[i] = findCapacity(trace, *sim::resolveConfig(around[i]).config, model, slo, o);
    });
    for (size_t i = 0; i < around.size(); ++i) {
      if (!capacity[i]) {
        continue;
      }
      if (std::none_of(measured.begin(), measured.end(),
                       [&](const Evaluated& e) { return same(e.launcher, around[i]); })) {
        measured.push_back({around[i], *capacity[i]});
        result.runs += capacity[i]->runs;
        result.simulatedRequests += capacity[i]->runs * static_cast<int64_t>(trace.requests.size());
        if (std::none_of(valid.begin(), valid.end(),
                         [&](const auto& l) { return same(l, around[i]); })) {
          ++result.candidates; // outside the sample
        }
      }
      if (capacity[i]->load > 0) {
        table[i].capacity = capacity[i]->load;
      }
    }
    result.sensitivity = std::move(table);
    const Evaluated before = result.best;
    result.best = choose();
    if (same(before.launcher, result.best.launcher) ||
        result.best.capacity.load <= before.capacity.load * (1 + options.tolerance)) {
      result.best = before;
      break; // the sensitivity describes the choice
    }
  }

  std::sort(measured.begin(), measured.end(), [](const Evaluated& a, const Evaluated& b) {
    return a.capacity.load > b.capacity.load;
  });
  for (const Evaluated& e : measured) {
    const bool seen = std::any_of(result.alternatives.begin(), result.alternatives.end(),
                                  [&](const Evaluated& a) { return same(a.launcher, e.launcher); });
    if (!seen && !same(result.best.launcher, e.launcher) && e.capacity.load > 0 &&
        result.alternatives.size() < 3) {
      result.alternatives.push_back(e);
    }
  }
  return result;
}

} // namespace tt::tune
