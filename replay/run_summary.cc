#include "replay/run_summary.h"

#include "analyze/text_table.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <utility>

namespace tt::replay {
namespace {

// Percentiles fall between whole microseconds; printed to 0.01 ms.
std::string ms(double us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", us / 1000.0);
  return buf;
}

} // namespace

void printSummary(const RunStats& s, const analyze::TraceMetrics& m, std::ostream& out) {
  auto count = [&s](Outcome o) {
    const auto it = s.outcomes.find(o);
    return it == s.outcomes.end() ? int64_t{0} : it->second;
  };
  const double spanS = std::max(1e-6, m.durationS.value_or(0));
  char line[512];
  std::snprintf(line, sizeof line,
                "requests %lld planned, %lld sent, %lld not sent; ok %lld, http errors %lld, "
                "upstream errors %lld, timeouts %lld, truncated %lld, aborted %lld\n"
                "duration %.1fs, %.1f req/s sent, %.1f output tokens/s%s\n",
                static_cast<long long>(s.planned), static_cast<long long>(s.sent),
                static_cast<long long>(s.notSent), static_cast<long long>(count(Outcome::Ok)),
                static_cast<long long>(count(Outcome::HttpError)),
                static_cast<long long>(count(Outcome::UpstreamError)),
                static_cast<long long>(count(Outcome::Timeout)),
                static_cast<long long>(count(Outcome::Truncated)),
                static_cast<long long>(count(Outcome::ClientAbort)), spanS,
                static_cast<double>(s.sent) / spanS, m.outputTokenRatePerS.value_or(0),
                s.interrupted ? " (interrupted)" : "");
  out << line;
  // The latencies `tracetune analyze` reports for the replay trace (docs/metrics.md), over the
  // successful requests; send lag over every request sent.
  using Align = analyze::Table::Align;
  analyze::Table table({{"ms"},
                        {"p50", Align::Right},
                        {"p90", Align::Right},
                        {"p99", Align::Right},
                        {"max", Align::Right}});
  const std::pair<const char*, const std::optional<analyze::Summary>*> rows[] = {
      {"send lag", &m.sendLagUs},
      {"ttft", &m.ttftUs},
      {"ttft from intended", &m.ttftFromIntendedUs},
      {"itl", &m.itlUs},
      {"e2e", &m.e2eUs},
      {"e2e from intended", &m.e2eFromIntendedUs}};
  for (const auto& [name, summary] : rows) {
    if (*summary) {
      const analyze::Summary& v = **summary;
      table.addRow({name, ms(v.p50), ms(v.p90), ms(v.p99), ms(v.max)});
    } else {
      table.addRow({name, "-", "-", "-", "-"});
    }
  }
  table.print(out);
  if (!s.failures.empty()) {
    out << "failed requests, by status and reason:\n";
    for (const auto& [reason, kind] : s.failures) {
      out << "  " << kind.count << " x " << reason;
      if (kind.example.empty() || reason.ends_with(kind.example)) {
        out << "\n";
      } else {
        out << (kind.count == 1 ? ": " : ", first: ") << kind.example << "\n";
      }
    }
    out << "first failure: " << s.firstFailure << "\n";
  }
  if (s.connectionWaits > 0) {
    out << s.connectionWaits << (s.connectionWaits == 1 ? " request" : " requests")
        << " found no open connection and waited for one (the send lag includes it): "
           "--preconnect N opens a pool before the start, --max-connections raises the cap\n";
  }
}

std::string failureVerdict(const RunStats& s, double maxErrorRate) {
  int64_t failed = 0;
  for (const auto& [outcome, n] : s.outcomes) {
    failed += outcome == Outcome::Ok ? 0 : n;
  }
  if (s.completed == 0) {
    return "no request was answered";
  }
  const auto ok = s.outcomes.find(Outcome::Ok);
  if (ok == s.outcomes.end() || ok->second == 0) {
    const auto common =
        std::max_element(s.failures.begin(), s.failures.end(), [](const auto& a, const auto& b) {
          return a.second.count < b.second.count;
        });
    return "no request succeeded (" + std::to_string(common->second.count) + " x " + common->first +
           (s.failures.size() > 1 ? ", ..." : "") + ")";
  }
  const double rate = static_cast<double>(failed) / static_cast<double>(s.completed);
  if (rate > maxErrorRate) {
    char line[160];
    std::snprintf(line, sizeof line,
                  "%lld of %lld requests failed (%.0f%%, above --max-error-rate %g)",
                  static_cast<long long>(failed), static_cast<long long>(s.completed), rate * 100,
                  maxErrorRate);
    return line;
  }
  return "";
}

} // namespace tt::replay
