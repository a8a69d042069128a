#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tt::replay {

// How the plan paces requests (docs/replay.md, "Rate modes").
enum class RateMode {
  Original,    // the recorded times
  Speed,       // every gap divided by `value` (2 = twice as fast; burst shapes kept)
  Rate,        // every gap scaled so the mean rate is `value` requests/s
  Poisson,     // fresh exponential gaps at `value` requests/s (seeded), trace order kept
  Concurrency, // closed loop: `value` requests in flight, the next leaves when one ends
};

// Requests that share one timestamp (Mooncake's ~3 s slots, coarse clocks).
enum class TiePolicy {
  Burst,  // they leave together, as recorded
  Spread, // k requests at t leave evenly across [t, next distinct time): t + j*gap/k
};

inline constexpr std::array kTiePolicyNames{
    std::pair{TiePolicy::Burst, std::string_view{"burst"}},
    std::pair{TiePolicy::Spread, std::string_view{"spread"}},
};

std::string_view rateModeName(RateMode mode);
std::optional<RateMode> rateModeFromName(std::string_view name);
std::optional<TiePolicy> tiePolicyFromName(std::string_view name);

struct PlanOptions {
  RateMode mode = RateMode::Original;
  double value = 1.0; // speed factor, requests/s, or concurrency, by mode
  int copies = 1;     // superposed copies of the trace (copy 0 unshifted)
  uint64_t seed = 1;  // copies' offsets and Poisson gaps
  TiePolicy ties = TiePolicy::Burst;
  std::optional<int64_t> windowStartUs; // keep source arrivals in [start, end) measured from
  std::optional<int64_t> windowEndUs;   // the trace's first arrival
  std::optional<int64_t> durationUs;    // drop requests planned at or after this (open loop)
  std::optional<int64_t> limit;         // keep the first N planned requests
  int shardIndex = 0;                   // keep requests whose position % shardCount == shardIndex
  int shardCount = 1;
};

// One source request as the plan sees it.
struct PlanSource {
  int64_t arrivalUs = 0;
  int64_t session = -1; // session number, -1 when the request has none
};

struct PlannedRequest {
  size_t source = 0;      // index into the sources
  int copy = 0;           // which superposed copy
  int64_t intendedUs = 0; // send time from the replay's start (0 for every closed-loop request)

  friend bool operator==(const PlannedRequest&, const PlannedRequest&) = default;
};

struct Plan {
  std::vector<PlannedRequest> requests; // in send order
  bool closedLoop = false;
  int concurrency = 0;               // closed loop only
  std::optional<int64_t> durationUs; // closed loop: stop dispatching after this
  int64_t spanUs = 0;                // last intended time
};

class PlanError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

// Builds the schedule. Pure: same input and options, same plan. Steps, in order: window, tie
// policy, copies, rate mode, sort, duration, limit, shard. Throws PlanError on options that
// cannot apply (e.g. --rate on a trace whose requests all share one instant).
Plan buildPlan(std::span<const PlanSource> sources, const PlanOptions& options);

} // namespace tt::replay
