#include "replay/plan.h"

#include "core/enum_names.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_map>

namespace tt::replay {
namespace {

constexpr std::array kRateModeNames{
    std::pair{RateMode::Original, std::string_view{"original"}},
    std::pair{RateMode::Speed, std::string_view{"speed"}},
    std::pair{RateMode::Rate, std::string_view{"rate"}},
    std::pair{RateMode::Poisson, std::string_view{"poisson"}},
    std::pair{RateMode::Concurrency, std::string_view{"concurrency"}},
};

struct Item {
  size_t source;
  int copy;
  int64_t t;
  int64_t session;
};

// Uniform double in [0, 1) from 53 bits of the engine (mt19937_64's output is fixed by the
// standard, so plans are the same on every platform).
double unitDouble(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1p-53;
}

std::vector<Item> selectWindow(std::span<const PlanSource> sources, const PlanOptions& o) {
  std::vector<Item> items;
  if (sources.empty()) {
    return items;
  }
  int64_t first = sources[0].arrivalUs;
  for (const auto& s : sources) {
    first = std::min(first, s.arrivalUs);
  }
  for (size_t i = 0; i < sources.size(); ++i) {
    const int64_t rel = sources[i].arrivalUs - first;
    if ((o.windowStartUs && rel < *o.windowStartUs) || (o.windowEndUs && rel >= *o.windowEndUs)) {
      continue;
    }
    items.push_back({i, 0, rel, sources[i].session});
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.t < b.t; });
  if (!items.empty()) {
    const int64_t base = items.front().t;
    for (auto& item : items) {
      item.t -= base;
    }
  }
  return items;
}

// Items are sorted by t. The last group of ties spreads over the median gap between distinct
// times (it has no next time); with no gap at all, ties stay a burst.
void spreadTies(std::vector<Item>& items) {
  std::vector<int64_t> gaps;
  for (size_t i = 1; i < items.size(); ++i) {
    if (items[i].t != items[i - 1].t) {
      gaps.push_back(items[i].t - items[i - 1].t);
    }
  }
  if (gaps.empty()) {
    return;
  }
  std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
  const int64_t lastGap = gaps[gaps.size() / 2];
  size_t begin = 0;
  while (begin < items.size()) {
    size_t end = begin;
    while (end < items.size() && items[end].t == items[begin].t) {
      ++end;
    }
    const int64_t t = items[begin].t;
    const int64_t gap = end < items.size() ? items[end].t - t : lastGap;
    const auto k = static_cast<int64_t>(end - begin);
    for (size_t j = begin; j < end; ++j) {
      items[j].t = t + static_cast<int64_t>(j - begin) * gap / k;
    }
    begin = end;
  }
}

// Copy c > 0 is shifted by a random offset in [0, span) and wrapped around the span, so the
// load stays K-fold and uniform over the same span. A session moves as a whole: its wrap is
// decided by its first request, so its internal gaps are kept (it may end past the span).
void superpose(std::vector<Item>& items, int copies, std::mt19937_64& rng) {
  if (copies <= 1 || items.empty()) {
    return;
  }
  const int64_t span = items.back().t;
  std::unordered_map<int64_t, int64_t> sessionStart;
  for (const auto& item : items) {
    if (item.session >= 0 && !sessionStart.contains(item.session)) {
      sessionStart[item.session] = item.t;
    }
  }
  const size_t n = items.size();
  items.reserve(n * static_cast<size_t>(copies));
  for (int c = 1; c < copies; ++c) {
    const int64_t offset = span > 0 ? static_cast<int64_t>(rng() % static_cast<uint64_t>(span)) : 0;
    for (size_t i = 0; i < n; ++i) {
      Item copy = items[i];
      copy.copy = c;
      const int64_t anchor = copy.session >= 0 ? sessionStart[copy.session] : copy.t;
      copy.t += offset;
      if (span > 0 && anchor + offset >= span) {
        copy.t -= span;
      }
      items.push_back(copy);
    }
  }
}

void sortItems(std::vector<Item>& items) {
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.t != b.t) {
      return a.t < b.t;
    }
    if (a.copy != b.copy) {
      return a.copy < b.copy;
    }
    return a.source < b.source;
  });
}

void applyRate(std::vector<Item>& items, const PlanOptions& o, std::mt19937_64& rng) {
  switch (o.mode) {
  case RateMode::Original:
  case RateMode::Concurrency:
    return;
  case RateMode::Speed:
    for (auto& item : items) {
      item.t = std::llround(static_cast<double>(item.t) / o.value);
    }
    return;
  case RateMode::Rate: {
    if (items.size() < 2) {
      return;
    }
    const int64_t span = items.back().t - items.front().t;
    if (span <= 0) {
      throw PlanError("--rate needs a trace whose requests span some time; use --poisson");
    }
    // Mean gap span/(n-1) becomes 1/rate.
    const double factor =
        static_cast<double>(items.size() - 1) * 1e6 / (o.value * static_cast<double>(span));
    for (auto& item : items) {
      item.t = std::llround(static_cast<double>(item.t) * factor);
    }
    return;
  }
  case RateMode::Poisson: {
    double t = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) {
        t += -std::log1p(-unitDouble(rng)) / o.value * 1e6;
      }
      items[i].t = std::llround(t);
    }
    return;
  }
  }
}

} // namespace

std::string_view rateModeName(RateMode mode) {
  return nameOf(kRateModeNames, mode);
}

std::optional<RateMode> rateModeFromName(std::string_view name) {
  return valueOf<RateMode>(kRateModeNames, name);
}

std::optional<TiePolicy> tiePolicyFromName(std::string_view name) {
  return valueOf<TiePolicy>(kTiePolicyNames, name);
}

Plan buildPlan(std::span<const PlanSource> sources, const PlanOptions& o) {
  if (o.mode != RateMode::Original && !(o.value > 0 && std::isfinite(o.value))) {
    throw PlanError(std::string("--") + std::string(rateModeName(o.mode)) + " must be positive");
  }
  if (o.copies < 1) {
    throw PlanError("--copies must be at least 1");
  }
  if (o.shardCount < 1 || o.shardIndex < 0 || o.shardIndex >= o.shardCount) {
    throw PlanError("--shard i/N needs 0 <= i < N");
  }
  std::mt19937_64 rng(o.seed);
  std::vector<Item> items = selectWindow(sources, o);
  if (o.ties == TiePolicy::Spread) {
    spreadTies(items);
  }
  superpose(items, o.copies, rng);
  sortItems(items);
  applyRate(items, o, rng);

  Plan plan;
  plan.closedLoop = o.mode == RateMode::Concurrency;
  if (plan.closedLoop) {
    plan.concurrency = static_cast<int>(std::llround(o.value));
    plan.durationUs = o.durationUs;
    if (plan.concurrency < 1) {
      throw PlanError("--concurrency must be at least 1");
    }
  }
  size_t position = 0;
  for (const auto& item : items) {
    if (!plan.closedLoop && o.durationUs && item.t >= *o.durationUs) {
      break;
    }
    if (o.limit && static_cast<int64_t>(position) >= *o.limit) {
      break;
    }
    if (static_cast<int>(position % static_cast<size_t>(o.shardCount)) == o.shardIndex) {
      plan.requests.push_back({item.source, item.copy, plan.closedLoop ? 0 : item.t});
    }
    ++position;
  }
  if (!plan.requests.empty()) {
    plan.spanUs = plan.requests.back().intendedUs;
  }
  return plan;
}

} // namespace tt::replay
