#include "analyze/trace_metrics.h"

#include <algorithm>
#include <limits>

namespace tt::analyze {
namespace {

constexpr Outcome kOutcomes[] = {Outcome::Ok,          Outcome::HttpError, Outcome::UpstreamError,
                                 Outcome::ClientAbort, Outcome::Timeout,   Outcome::Truncated};

// Collects one latency per successful request and summarises it.
template <typename Get>
std::optional<Summary> summarizeOk(const std::vector<RequestRecord>& records, Get get,
                                   std::vector<double>* grid = nullptr) {
  std::vector<double> values;
  values.reserve(records.size());
  for (const auto& r : records) {
    if (!r.ok()) {
      continue;
    }
    if (const std::optional<double> v = get(r)) {
      values.push_back(*v);
    }
  }
  if (grid == nullptr) {
    return summarize(values);
  }
  if (values.empty()) {
    return std::nullopt;
  }
  std::sort(values.begin(), values.end());
  *grid = percentileGrid(values);
  return summarizeSorted(values);
}

Goodput goodputOf(const std::vector<RequestRecord>& records, const Slo& slo, bool fromIntended,
                  std::optional<double> durationS) {
  Goodput g;
  for (const auto& r : records) {
    if (meetsSlo(r, slo, fromIntended)) {
      ++g.good;
    }
  }
  g.fraction = static_cast<double>(g.good) / static_cast<double>(records.size());
  g.ratePerS = durationS ? static_cast<double>(g.good) / *durationS : 0;
  return g;
}

} // namespace

bool meetsSlo(const RequestRecord& r, const Slo& slo, bool fromIntended) {
  if (!r.ok()) {
    return false;
  }
  if (slo.ttftUs) {
    const auto ttft = r.perceivedTtftUs(fromIntended);
    if (!ttft || *ttft > *slo.ttftUs) {
      return false;
    }
  }
  // A request with fewer than two tokens has no inter-token time to miss (as in vLLM bench).
  if (slo.itlUs) {
    const auto tpot = r.tpotUs();
    if (tpot && *tpot > *slo.itlUs) {
      return false;
    }
  }
  if (slo.e2eUs) {
    const auto e2e = fromIntended ? r.e2eFromIntendedUs() : r.e2eUs();
    if (!e2e || *e2e > *slo.e2eUs) {
      return false;
    }
  }
  return true;
}

void TraceAccumulator::add(const RequestRecord& record, std::span<const int64_t> tokenTimesUs) {
  records_.push_back(record);
  if (record.ok()) {
    itl_.addGaps(tokenTimesUs);
  }
}

TraceMetrics TraceAccumulator::finish() const {
  TraceMetrics m;
  m.requests = static_cast<int64_t>(records_.size());
  if (records_.empty()) {
    m.notes.push_back("the trace has no requests: nothing to measure");
    return m;
  }

  for (const Outcome o : kOutcomes) {
    const auto n = std::count_if(records_.begin(), records_.end(),
                                 [o](const RequestRecord& r) { return r.outcome == o; });
    if (n > 0) {
      m.outcomes.emplace_back(o, n);
    }
  }
  m.ok = std::count_if(records_.begin(), records_.end(),
                       [](const RequestRecord& r) { return r.ok(); });

  int64_t first = std::numeric_limits<int64_t>::max();
  int64_t last = std::numeric_limits<int64_t>::min();
  int64_t firstPlanned = first;
  int64_t lastPlanned = last;
  for (const auto& r : records_) {
    first = std::min(first, r.sentUs);
    last = std::max(last, r.endUs.value_or(r.sentUs));
    const int64_t planned = r.intendedUs.value_or(r.sentUs);
    firstPlanned = std::min(firstPlanned, planned);
    lastPlanned = std::max(lastPlanned, planned);
    m.hasIntended = m.hasIntended || r.intendedUs.has_value();
    if (r.ok()) {
      m.outputTokens += r.outputTokens;
      m.inputTokens += r.inputTokens.value_or(0);
    }
  }
  if (last > first) {
    m.durationS = static_cast<double>(last - first) / 1e6;
    m.requestRatePerS = static_cast<double>(m.ok) / *m.durationS;
    m.outputTokenRatePerS = static_cast<double>(m.outputTokens) / *m.durationS;
    const bool anyInput = std::any_of(records_.begin(), records_.end(), [](const auto& r) {
      return r.ok() && r.inputTokens.has_value();
    });
    if (anyInput) {
      m.inputTokenRatePerS = static_cast<double>(m.inputTokens) / *m.durationS;
    }
  } else {
    m.notes.push_back("the trace spans no time (one send, no end): no rates");
  }
  if (lastPlanned > firstPlanned) {
    m.offeredRatePerS = static_cast<double>(m.requests - 1) /
                        (static_cast<double>(lastPlanned - firstPlanned) / 1e6);
  }

  if (m.ok == 0) {
    m.notes.push_back("no request succeeded (" + std::to_string(m.requests) +
                      " failed): no latency statistics");
  }
  m.ttftUs = summarizeOk(
      records_, [](const auto& r) { return r.ttftUs(); }, &m.ttftGridUs);
  m.tpotUs = summarizeOk(records_, [](const auto& r) { return r.tpotUs(); });
  m.e2eUs = summarizeOk(records_, [](const auto& r) { return r.e2eUs(); });
  m.tgiQueueUs = summarizeOk(records_, [](const auto& r) -> std::optional<double> {
    return r.tgiQueueUs ? std::optional<double>(static_cast<double>(*r.tgiQueueUs)) : std::nullopt;
  });
  m.inputTokensPerRequest = summarizeOk(records_, [](const auto& r) -> std::optional<double> {
    return r.inputTokens ? std::optional<double>(static_cast<double>(*r.inputTokens))
                         : std::nullopt;
  });
  m.outputTokensPerRequest = summarizeOk(records_, [](const auto& r) {
    return std::optional<double>(static_cast<double>(r.outputTokens));
  });
  m.itlUs = itl_.summary();
  if (m.itlUs) {
    std::vector<double> qs(101);
    for (int q = 0; q <= 100; ++q) {
      qs[static_cast<size_t>(q)] = q;
    }
    m.itlGridUs = itl_.percentiles(qs);
  }
  const bool anyResponseTime = std::any_of(records_.begin(), records_.end(), [](const auto& r) {
    return r.ok() && (r.endUs || r.firstTokenUs);
  });
  if (m.ok > 0 && !anyResponseTime) {
    m.notes.push_back("no request has response times (an import records arrivals and token "
                      "counts only): no latency or goodput; replay it to measure them");
  } else if (m.ok > 0 && !m.ttftUs) {
    m.notes.push_back("no successful request was streamed: no TTFT, ITL or TPOT");
  }

  if (m.hasIntended) {
    m.ttftFromIntendedUs =
        summarizeOk(records_, [](const auto& r) { return r.ttftFromIntendedUs(); });
    m.e2eFromIntendedUs =
        summarizeOk(records_, [](const auto& r) { return r.e2eFromIntendedUs(); });
    std::vector<double> lags;
    for (const auto& r : records_) {
      if (const auto lag = r.sendLagUs()) {
        lags.push_back(*lag);
      }
    }
    m.sendLagUs = summarize(lags);
  }

  if (slo_.any() && (anyResponseTime || m.ok == 0)) {
    m.goodput = goodputOf(records_, slo_, false, m.durationS);
    if (m.hasIntended) {
      m.goodputFromIntended = goodputOf(records_, slo_, true, m.durationS);
    }
    if (!m.durationS) {
      m.notes.push_back("goodput rate needs a duration; only the fraction is meaningful");
    }
  }
  return m;
}

} // namespace tt::analyze
