#include "tune/forward_recovery.h"

#include <algorithm>
#include <limits>

namespace tt::tune {
namespace {

// A job generates at most this many tokens; the router then queues a continuation whose first
// token comes from a new prefill of the grown prompt (router/src/infer/mod.rs; sim/README.md).
constexpr int64_t kJobTokens = 1024;

// Token events closer together than this share a forward: half the median gap between two tokens
// of one stream. Tokens of one forward leave the server together; the spread the proxy sees comes
// from delivery. The median, not the shortest gaps: when the server's sends run late (a busy
// host) one forward's tokens can arrive just before the next forward's, so the shortest gaps
// between a stream's tokens say nothing about a forward's time. A stream coming again always
// starts a new forward, whatever the tolerance.
constexpr double kToleranceShare = 0.5;

struct TokenEvent {
  int64_t tUs = 0;
  size_t request = 0;
  int64_t index = 0; // 0: the first token
};

double medianStep(const CapturedTraffic& traffic) {
  std::vector<int64_t> gaps;
  for (const auto& r : traffic.requests) {
    for (size_t j = 1; j < r.tokenUs.size(); ++j) {
      if (r.tokenUs[j] > r.tokenUs[j - 1]) {
        gaps.push_back(r.tokenUs[j] - r.tokenUs[j - 1]);
      }
    }
  }
  if (gaps.empty()) {
    throw CalibrationError("no streamed answer with two tokens or more: calibrate needs "
                           "concurrent streamed requests (stream=true) in the capture");
  }
  const auto at = gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2);
  std::nth_element(gaps.begin(), at, gaps.end());
  return static_cast<double>(*at);
}

std::vector<TokenEvent> sortedEvents(const CapturedTraffic& traffic) {
  std::vector<TokenEvent> events;
  for (size_t i = 0; i < traffic.requests.size(); ++i) {
    const auto& times = traffic.requests[i].tokenUs;
    for (size_t j = 0; j < times.size(); ++j) {
      events.push_back({times[j], i, static_cast<int64_t>(j)});
    }
  }
  std::sort(events.begin(), events.end(),
            [](const TokenEvent& a, const TokenEvent& b) { return a.tUs < b.tUs; });
  return events;
}

// Clusters by distance to the cluster's first event (so that a crowd of arrivals cannot chain
// two forwards together), and starts a new one when a stream comes again.
std::vector<std::vector<TokenEvent>> clusters(const std::vector<TokenEvent>& events,
                                              double toleranceUs, size_t requests) {
  std::vector<std::vector<TokenEvent>> out;
  std::vector<size_t> lastCluster(requests, std::numeric_limits<size_t>::max());
  for (const TokenEvent& e : events) {
    const bool fresh = out.empty() ||
                       static_cast<double>(e.tUs - out.back().front().tUs) > toleranceUs ||
                       lastCluster[e.request] == out.size() - 1;
    if (fresh) {
      out.emplace_back();
    }
    out.back().push_back(e);
    lastCluster[e.request] = out.size() - 1;
  }
  return out;
}

// When each request could last have been in the server: its last token, else its end.
int64_t lastSeenUs(const CapturedRequest& r) {
  if (!r.tokenUs.empty()) {
    return r.tokenUs.back();
  }
  return r.endUs.value_or(r.sentUs);
}

// When its prompt was last being computed, or might have been: its first token, else its end.
int64_t promptDoneUs(const CapturedRequest& r) {
  if (!r.tokenUs.empty()) {
    return r.tokenUs.front();
  }
  return r.endUs.value_or(r.sentUs);
}

// max over requests sent before t of f(request), for increasing t; requests are in send order.
class PrefixMax {
public:
  PrefixMax(const std::vector<CapturedRequest>& requests, int64_t (*f)(const CapturedRequest&))
      : requests_(requests), f_(f) {}
  int64_t upTo(double tUs) {
    while (next_ < requests_.size() && static_cast<double>(requests_[next_].sentUs) < tUs) {
      max_ = std::max(max_, f_(requests_[next_]));
      ++next_;
    }
    return max_;
  }

private:
  const std::vector<CapturedRequest>& requests_;
  int64_t (*f_)(const CapturedRequest&);
  size_t next_ = 0;
  int64_t max_ = std::numeric_limits<int64_t>::min();
};

// The requests whose times the capture lacks (not streamed, or their prompt size unknown), asked
// whether one could have been in the batch between two instants. In send order, with the running
// maximum of their last sightings: a question costs a binary search, however many there are (a
// production capture may mix in many non-streamed requests).
class HiddenRequests {
public:
  explicit HiddenRequests(const std::vector<CapturedRequest>& requests) {
    for (const auto& r : requests) {
      if (r.tokenUs.empty() || !r.promptTokens) {
        sent_.push_back(r.sentUs);
        lastSeen_.push_back(
            std::max(lastSeen_.empty() ? r.sentUs : lastSeen_.back(), lastSeenUs(r)));
      }
    }
  }

  bool overlap(double from, double to) const {
    // Those sent before `to`; one of them overlaps when the latest last sighting is after `from`.
    const auto sentBefore =
        std::lower_bound(sent_.begin(), sent_.end(), to,
                         [](int64_t sent, double t) { return static_cast<double>(sent) < t; }) -
        sent_.begin();
    return sentBefore > 0 && static_cast<double>(lastSeen_[sentBefore - 1]) > from;
  }

private:
  std::vector<int64_t> sent_;     // ascending: the capture is in send order
  std::vector<int64_t> lastSeen_; // the largest last sighting among those sent so far
};

// A server that sends late (its process waited for a CPU) sends the next forward's tokens as soon
// as that forward is due, which is at once when it was due during the delay: one long gap then a
// burst of short ones. The burst's total is right, its parts are not: a run of forwards of the
// same decode batch shares its total evenly; any other run loses its times.
void shareLateSends(std::vector<RecoveredForward>& forwards, double shortUs) {
  const auto isShort = [shortUs](const RecoveredForward& f) {
    return f.durationUs && !f.fromIdle && *f.durationUs < shortUs;
  };
  size_t head = 0;
  while (head < forwards.size()) {
    size_t last = head;
    while (last + 1 < forwards.size() && isShort(forwards[last + 1])) {
      ++last;
    }
    if (isShort(forwards[head]) || !forwards[head].durationUs) {
      // The burst's first forward, which waited for the late send, is not timed: no total.
      for (size_t k = head; k <= last; ++k) {
        forwards[k].durationUs.reset();
      }
    } else if (last > head) {
      bool alike = true;
      for (size_t k = head; k <= last; ++k) {
        alike = alike && forwards[k].prompts.empty() &&
                forwards[k].decodeSeqs == forwards[head].decodeSeqs;
      }
      const double total = static_cast<double>(forwards[last].endUs - *forwards[head].startUs);
      const double share = total / static_cast<double>(last - head + 1);
      for (size_t k = head; k <= last; ++k) {
        forwards[k].durationUs = alike ? std::optional<double>(share) : std::nullopt;
      }
    }
    head = last + 1;
  }
}

} // namespace

std::optional<double> RecoveredForward::ms() const {
  if (!durationUs) {
    return std::nullopt;
  }
  return *durationUs / 1000.0;
}

RecoveredSchedule recoverForwards(const CapturedTraffic& traffic, const RecoveryOptions& options) {
  const auto& requests = traffic.requests;
  RecoveredSchedule schedule;
  schedule.medianStepUs = medianStep(traffic);
  const double tol = kToleranceShare * schedule.medianStepUs;
  schedule.toleranceUs = tol;

  const HiddenRequests hidden(requests);
  PrefixMax inFlight(requests, &lastSeenUs);
  PrefixMax promptPending(requests, &promptDoneUs);

  const auto groups = clusters(sortedEvents(traffic), tol, requests.size());
  schedule.forwards.reserve(groups.size());
  for (size_t k = 0; k < groups.size(); ++k) {
    RecoveredForward f;
    f.endUs = groups[k].front().tUs;
    f.tokens = static_cast<int64_t>(groups[k].size());
    bool known = true;
    int64_t latestFirstArrival = std::numeric_limits<int64_t>::min();
    for (const TokenEvent& e : groups[k]) {
      const CapturedRequest& r = requests[e.request];
      if (!r.promptTokens || (e.index > 0 && e.index % kJobTokens == 0)) {
        known = false; // its context, or the continuation's prefill, is unknown
        continue;
      }
      if (e.index == 0) {
        f.prompts.push_back(*r.promptTokens);
        latestFirstArrival = std::max(latestFirstArrival, r.arrivalUs);
      } else {
        const int64_t context = *r.promptTokens + e.index;
        ++f.decodeSeqs;
        f.kvTokens += context;
        f.maxContext = std::max(f.maxContext, context);
      }
    }

    // The start: the previous forward's end when a request was in the server then (TGI's loop
    // begins the next forward at once), else the arrival that woke the idle server.
    if (k == 0) {
      f.fromIdle = true;
    } else {
      const double previousEnd = static_cast<double>(schedule.forwards[k - 1].endUs);
      if (static_cast<double>(inFlight.upTo(previousEnd - tol)) >=
          static_cast<double>(f.endUs) - tol) {
        f.startUs = schedule.forwards[k - 1].endUs;
      } else {
        f.fromIdle = true;
      }
    }
    if (f.fromIdle) {
      // Only prompts can run on an idle server, and all of them arrived before it began.
      const bool onlyPrompts = f.decodeSeqs == 0 && !f.prompts.empty() &&
                               static_cast<int64_t>(f.prompts.size()) == f.tokens;
      const bool afterPrevious =
          k == 0 || static_cast<double>(latestFirstArrival) >
                        static_cast<double>(schedule.forwards[k - 1].endUs) + tol;
      if (onlyPrompts && afterPrevious && latestFirstArrival < f.endUs) {
        f.startUs = latestFirstArrival;
      }
    }

    // Everything computed is known when no prompt other than the completed ones could have had a
    // chunk in it, each completed prompt arrived after the previous forward began (so it was
    // computed here whole), the prompts fit one forward's budget, and no request without times
    // shared the batch.
    if (f.startUs) {
      const double start = static_cast<double>(*f.startUs);
      const double end = static_cast<double>(f.endUs);
      if (static_cast<double>(promptPending.upTo(start + tol)) > end + tol) {
        known = false;
      }
      if (!f.prompts.empty() && !f.fromIdle) {
        const auto& previous = schedule.forwards[k - 1];
        if (!previous.startUs || static_cast<double>(latestFirstArrival) <=
                                     static_cast<double>(*previous.startUs) + tol) {
          known = false;
        }
      }
      int64_t promptTokens = f.decodeSeqs;
      for (const int64_t p : f.prompts) {
        promptTokens += p;
      }
      if (promptTokens > options.maxBatchPrefillTokens) {
        known = false;
      }
      if (hidden.overlap(start - tol, end + tol)) {
        known = false;
      }
    }
    f.composition = known && f.startUs.has_value();
    if (f.startUs) {
      f.durationUs = static_cast<double>(f.endUs - *f.startUs);
    }
    schedule.forwards.push_back(std::move(f));
  }
  shareLateSends(schedule.forwards, tol);
  return schedule;
}

} // namespace tt::tune

namespace tt::tune {

sim::ForwardShape forwardShape(const RecoveredForward& f, const std::vector<int64_t>& cudaGraphs) {
  sim::ForwardShape s;
  for (const int64_t p : f.prompts) {
    s.prefillTokens += p;
    s.prefillAttention += static_cast<double>(p) * static_cast<double>(p) / 2;
  }
  s.decodeSeqs = f.decodeSeqs;
  s.kvTokens = f.kvTokens;
  s.maxContext = f.maxContext;
  if (s.prefillTokens == 0) {
    s.graphBatch = sim::graphBatchFor(cudaGraphs, s.decodeSeqs);
  }
  return s;
}

} // namespace tt::tune
