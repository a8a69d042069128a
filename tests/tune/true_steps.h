#pragma once

// tgi-sim's own record of its forwards (`--steps-out`), and how far a schedule recovered from a
// capture agrees with it.
#include "tune/forward_recovery.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace tt::test {

struct TrueStep {
  int64_t startUs = 0;
  int64_t endUs = 0;
  std::string kind;
  int64_t batch = 0;
  int64_t decodeSeqs = 0;
  int64_t prefillTokens = 0;
  int64_t kvTokens = 0;
  int64_t graphBatch = 0;
  int64_t tokens = 0;
};

inline std::vector<TrueStep> readTrueSteps(const std::string& path) {
  std::ifstream in(path);
  std::vector<TrueStep> steps;
  std::string line;
  std::getline(in, line); // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    TrueStep s;
    std::string field;
    std::getline(fields, field, ',');
    s.startUs = std::stoll(field);
    std::getline(fields, field, ',');
    s.endUs = std::stoll(field);
    std::getline(fields, s.kind, ',');
    int64_t* numbers[] = {&s.batch,    &s.decodeSeqs, &s.prefillTokens,
                          &s.kvTokens, &s.graphBatch, &s.tokens};
    for (int64_t* n : numbers) {
      std::getline(fields, field, ',');
      *n = std::stoll(field);
    }
    steps.push_back(s);
  }
  return steps;
}

struct Agreement {
  int64_t visible = 0;   // true forwards that emitted a token (the capture can see no other)
  int64_t invisible = 0; // true forwards that emitted none (a prompt chunk alone)
  int64_t matched = 0;   // visible ones recovered with their end, token count and decode batch
  int64_t timed = 0;     // recovered forwards with a duration that matched a true one
  int64_t durationWithin1Pct = 0;
  double share() const { return visible == 0 ? 0 : static_cast<double>(matched) / visible; }
};

// Matches recovered forwards to true ones by end time. The two clocks differ by a constant (the
// proxy's origin against tgi-sim's start): the offset is the median over the forwards of the
// distance to the first visible true forward's end, refined once.
inline Agreement agreement(const std::vector<TrueStep>& truth,
                           const tune::RecoveredSchedule& schedule) {
  Agreement a;
  std::vector<const TrueStep*> visible;
  for (const auto& s : truth) {
    (s.tokens > 0 ? a.visible : a.invisible)++;
    if (s.tokens > 0) {
      visible.push_back(&s);
    }
  }
  const auto& rec = schedule.forwards;
  if (visible.empty() || rec.empty()) {
    return a;
  }
  const auto nearest = [&visible](double t) {
    const auto it = std::lower_bound(visible.begin(), visible.end(), t,
                                     [](const TrueStep* s, double v) { return s->endUs < v; });
    const TrueStep* best = it == visible.end() ? visible.back() : *it;
    if (it != visible.begin() && std::abs(static_cast<double>((*(it - 1))->endUs) - t) <
                                     std::abs(static_cast<double>(best->endUs) - t)) {
      best = *(it - 1);
    }
    return best;
  };
  double offset = static_cast<double>(visible.front()->endUs - rec.front().endUs);
  std::vector<double> diffs;
  for (const auto& f : rec) {
    const double t = static_cast<double>(f.endUs) + offset;
    diffs.push_back(static_cast<double>(nearest(t)->endUs) - t);
  }
  std::nth_element(diffs.begin(), diffs.begin() + static_cast<std::ptrdiff_t>(diffs.size() / 2),
                   diffs.end());
  offset += diffs[diffs.size() / 2];
  std::set<const TrueStep*> matched;
  for (const auto& f : rec) {
    const double t = static_cast<double>(f.endUs) + offset;
    const TrueStep* s = nearest(t);
    if (std::abs(static_cast<double>(s->endUs) - t) > schedule.toleranceUs) {
      continue;
    }
    if (s->tokens == f.tokens && s->decodeSeqs == f.decodeSeqs) {
      matched.insert(s);
    }
    if (f.measured()) {
      ++a.timed;
      const double trueMs = static_cast<double>(s->endUs - s->startUs) / 1000.0;
      if (std::abs(*f.ms() / trueMs - 1) <= 0.01) {
        ++a.durationWithin1Pct;
      }
    }
  }
  a.matched = static_cast<int64_t>(matched.size());
  return a;
}

} // namespace tt::test
