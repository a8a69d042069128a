#include "tools/tracetune/replay_flags.h"

#include "core/http_headers.h"

#include <cmath>
#include <stdexcept>

namespace tt::cli {

using replay::PlanOptions;
using replay::RateMode;
using replay::SweepPoint;

namespace {

double parseNumber(const std::string& text, const std::string& what) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used != text.size() || !std::isfinite(v)) {
      throw UsageError("");
    }
    return v;
  } catch (const std::exception&) {
    throw UsageError(what + ": '" + text + "' is not a number");
  }
}

// A mode --sweep can name: any but the recorded pace.
std::optional<RateMode> sweepModeFromName(std::string_view name) {
  const auto mode = replay::rateModeFromName(name);
  return mode == RateMode::Original ? std::nullopt : mode;
}

} // namespace

std::vector<SweepPoint> sweepPoints(const ReplayOptions& o) {
  int modes = 0;
  SweepPoint single;
  for (auto [value, mode] : {std::pair{o.speed, RateMode::Speed}, std::pair{o.rate, RateMode::Rate},
                             std::pair{o.poisson, RateMode::Poisson}}) {
    if (value) {
      ++modes;
      single = {mode, *value, ""};
    }
  }
  if (o.concurrency) {
    ++modes;
    single = {RateMode::Concurrency, static_cast<double>(*o.concurrency), ""};
  }
  if (modes > 1) {
    throw UsageError("--speed, --rate, --poisson and --concurrency are mutually exclusive");
  }
  if (o.sweep.empty()) {
    return {single};
  }
  if (modes > 0) {
    throw UsageError("--sweep names its own mode: drop --speed/--rate/--poisson/--concurrency");
  }
  const auto eq = o.sweep.find('=');
  const auto mode =
      eq == std::string::npos ? std::nullopt : sweepModeFromName(o.sweep.substr(0, eq));
  if (!mode) {
    throw UsageError("--sweep must look like speed=0.5,1,2 (or rate=, poisson=, concurrency=)");
  }
  std::vector<SweepPoint> points;
  std::string list = o.sweep.substr(eq + 1);
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string item = list.substr(start, comma - start);
    const double v = parseNumber(item, "--sweep");
    points.push_back({*mode, v, o.sweep.substr(0, eq) + "=" + item});
    start = comma + 1;
  }
  return points;
}

namespace {

void parseWindow(const std::string& text, PlanOptions& plan) {
  if (text.empty()) {
    return;
  }
  const auto colon = text.find(':');
  if (colon == std::string::npos) {
    throw UsageError("--window must be A:B (seconds; either side may be empty)");
  }
  const std::string a = text.substr(0, colon);
  const std::string b = text.substr(colon + 1);
  if (!a.empty()) {
    plan.windowStartUs = std::llround(parseNumber(a, "--window") * 1e6);
  }
  if (!b.empty()) {
    plan.windowEndUs = std::llround(parseNumber(b, "--window") * 1e6);
  }
  if (plan.windowStartUs && plan.windowEndUs && *plan.windowEndUs <= *plan.windowStartUs) {
    throw UsageError("--window " + text + ": the end must come after the start");
  }
}

void parseShard(const std::string& text, PlanOptions& plan) {
  if (text.empty()) {
    return;
  }
  const auto slash = text.find('/');
  try {
    if (slash == std::string::npos) {
      throw UsageError("");
    }
    plan.shardIndex = std::stoi(text.substr(0, slash));
    plan.shardCount = std::stoi(text.substr(slash + 1));
  } catch (const std::exception&) {
    throw UsageError("--shard must be i/N, e.g. 0/4");
  }
  if (plan.shardCount < 1 || plan.shardIndex < 0 || plan.shardIndex >= plan.shardCount) {
    throw UsageError("--shard i/N needs 0 <= i < N");
  }
}

} // namespace

PlanOptions planOptions(const ReplayOptions& o) {
  PlanOptions base;
  base.copies = o.copies;
  base.seed = o.seed;
  base.limit = o.limit;
  base.ties = *replay::tiePolicyFromName(o.ties);
  if (o.duration) {
    base.durationUs = std::llround(*o.duration * 1e6);
  }
  parseWindow(o.window, base);
  parseShard(o.shard, base);
  return base;
}

Headers parseHeaders(const std::vector<std::string>& items) {
  Headers out;
  for (const auto& h : items) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      throw UsageError("--header must be 'Name: value'");
    }
    out.emplace_back(h.substr(0, colon),
                     std::string(trimOws(std::string_view(h).substr(colon + 1))));
  }
  return out;
}

} // namespace tt::cli
