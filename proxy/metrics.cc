#include "proxy/metrics.h"

#include "core/exchange.h"

#include <cstdlib>
#include <string>

namespace tt::proxy {
namespace {

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void value(std::string& out, std::string_view name, std::string_view labels, double v) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  char buffer[64];
  const double rounded = static_cast<double>(static_cast<int64_t>(v));
  if (rounded == v && v < 9e15 && v > -9e15) {
    snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(v));
  } else {
    snprintf(buffer, sizeof buffer, "%.9g", v);
  }
  out += buffer;
  out += '\n';
}

void single(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            double v) {
  metric(out, name, type, help);
  value(out, name, "", v);
}

} // namespace

std::string renderMetrics(const Counters& c, const WriterCounters* w) {
  std::string out;
  out.reserve(4096);
  single(out, "tracetune_proxy_connections_accepted_total", "counter",
         "Client connections accepted.", static_cast<double>(c.connectionsAccepted));
  single(out, "tracetune_proxy_connections_open", "gauge", "Client connections open.",
         static_cast<double>(c.connectionsOpen));
  single(out, "tracetune_proxy_upstream_connects_total", "counter", "Upstream connections opened.",
         static_cast<double>(c.upstreamConnects));
  single(out, "tracetune_proxy_upstream_reuses_total", "counter",
         "Exchanges sent on a pooled upstream connection.", static_cast<double>(c.upstreamReuses));
  single(out, "tracetune_proxy_upstream_connections_open", "gauge",
         "Upstream connections open (busy or idle).", static_cast<double>(c.upstreamOpen));
  single(out, "tracetune_proxy_upstream_connections_idle", "gauge",
         "Idle upstream connections in the pool.", static_cast<double>(c.upstreamIdle));
  metric(out, "tracetune_proxy_exchanges_total", "counter", "Exchanges ended, by outcome.");
  for (size_t i = 0; i < c.exchanges.size(); ++i) {
    const std::string labels =
        "outcome=\"" + std::string(outcomeName(static_cast<Outcome>(i))) + "\"";
    value(out, "tracetune_proxy_exchanges_total", labels, static_cast<double>(c.exchanges[i]));
  }
  single(out, "tracetune_proxy_exchanges_open", "gauge", "Exchanges in progress.",
         static_cast<double>(c.exchangesOpen));
  metric(out, "tracetune_proxy_bytes_total", "counter", "Bytes moved, by leg and direction.");
  value(out, "tracetune_proxy_bytes_total", "leg=\"client\",direction=\"in\"",
        static_cast<double>(c.clientBytesIn));
  value(out, "tracetune_proxy_bytes_total", "leg=\"client\",direction=\"out\"",
        static_cast<double>(c.clientBytesOut));
  value(out, "tracetune_proxy_bytes_total", "leg=\"upstream\",direction=\"in\"",
        static_cast<double>(c.upstreamBytesIn));
  value(out, "tracetune_proxy_bytes_total", "leg=\"upstream\",direction=\"out\"",
        static_cast<double>(c.upstreamBytesOut));
  single(out, "tracetune_proxy_sse_events_total", "counter", "Server-sent events relayed.",
         static_cast<double>(c.sseEvents));
  single(out, "tracetune_proxy_token_events_total", "counter",
         "Token events relayed (a subset of the SSE events).", static_cast<double>(c.tokenEvents));
  single(out, "tracetune_proxy_read_pauses_total", "counter",
         "Reads stopped at the high watermark (backpressure).", static_cast<double>(c.readPauses));
  single(out, "tracetune_proxy_peak_queued_bytes", "gauge", "Largest write queue seen on any leg.",
         static_cast<double>(c.peakQueuedBytes));
  metric(out, "tracetune_proxy_errors_total", "counter", "Errors, by class.");
  for (const auto& [kind, name] : kErrorKindNames) {
    value(out, "tracetune_proxy_errors_total", "kind=\"" + std::string(name) + "\"",
          static_cast<double>(c.errorCount(kind)));
  }
  if (w != nullptr) {
    single(out, "tracetune_capture_queue_depth", "gauge", "Exchanges waiting for the writer.",
           static_cast<double>(w->queueDepth));
    single(out, "tracetune_capture_accepted_total", "counter", "Exchanges queued for writing.",
           static_cast<double>(w->accepted));
    single(out, "tracetune_capture_written_total", "counter", "Exchanges committed.",
           static_cast<double>(w->written));
    single(out, "tracetune_capture_dropped_total", "counter",
           "Exchanges dropped because the queue was full.", static_cast<double>(w->dropped));
    single(out, "tracetune_capture_lost_total", "counter",
           "Exchanges in batches that could not be committed.", static_cast<double>(w->lost));
    single(out, "tracetune_capture_batches_committed_total", "counter", "Batches committed.",
           static_cast<double>(w->batchesCommitted));
    single(out, "tracetune_capture_batches_failed_total", "counter", "Batches given up.",
           static_cast<double>(w->batchesFailed));
    single(out, "tracetune_capture_batch_retries_total", "counter",
           "Batch attempts repeated after SQLITE_BUSY/LOCKED.",
           static_cast<double>(w->batchRetries));
    single(out, "tracetune_capture_commit_seconds_total", "counter",
           "Time spent in committed transactions.", static_cast<double>(w->commitUsTotal) / 1e6);
    single(out, "tracetune_capture_commit_seconds_max", "gauge", "Longest committed transaction.",
           static_cast<double>(w->commitUsMax) / 1e6);
  }
  return out;
}

std::vector<Sample> parsePrometheus(std::string_view text, int64_t tUs, std::string_view prefix) {
  std::vector<Sample> out;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty() || line.front() == '#' || !line.starts_with(prefix)) {
      continue;
    }
    const size_t nameEnd = line.find_first_of("{ \t");
    if (nameEnd == std::string_view::npos) {
      continue;
    }
    Sample s;
    s.tUs = tUs;
    s.name = std::string(line.substr(0, nameEnd));
    std::string_view rest = line.substr(nameEnd);
    if (rest.front() == '{') {
      const size_t close = rest.rfind('}');
      if (close == std::string_view::npos) {
        continue;
      }
      s.labels = std::string(rest.substr(1, close - 1));
      rest = rest.substr(close + 1);
    }
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) {
      rest.remove_prefix(1);
    }
    const std::string number(rest.substr(0, rest.find_first_of(" \t")));
    if (number.empty()) {
      continue;
    }
    char* end = nullptr;
    s.value = std::strtod(number.c_str(), &end);
    if (end == number.c_str() || *end != '\0') {
      continue;
    }
    out.push_back(std::move(s));
  }
  return out;
}

} // namespace tt::proxy
