#include "tools/tracetune/proxy_command.h"

#include "core/enum_names.h"
#include "core/url.h"
#include "proxy/capture_run.h"
#include "schema/trace_parameters.h"

#include <memory>

namespace tt::cli {

void setupProxy(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<ProxyOptions>();
  CLI::App* sub = app.add_subcommand(
      "proxy",
      "Run the capture proxy in front of TGI: forward every request, record each exchange");
  sub->add_option("--listen", o->listen, "Address to serve clients on, HOST:PORT")->required();
  sub->add_option("--upstream", o->upstream, "TGI base URL, http://host[:port][/prefix]")
      ->required();
  sub->add_option("--db", o->db, "Database file to record into (created if missing)")->required();
  sub->add_option("--label", o->label, "Label of the capture trace");
  sub->add_option("--redact", o->redact, "What to keep of bodies: none, prompts or bodies")
      ->check(CLI::IsMember(namesOf(proxy::kRedactNames)))
      ->capture_default_str();
  sub->add_option("--admin", o->admin,
                  "Admin endpoint (/metrics, /healthz), [HOST:]PORT; host defaults to 127.0.0.1");
  sub->add_option("--max-connections", o->maxConnections,
                  "Open client connections; more are closed at once")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000}))
      ->capture_default_str();
  sub->add_option("--max-header-bytes", o->maxHeaderBytes, "Request head limit (431 above)")
      ->check(CLI::Range(uint64_t{1024}, uint64_t{1} << 30))
      ->capture_default_str();
  sub->add_option("--max-headers", o->maxHeaders, "Request header lines limit (431 above)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{100'000}))
      ->capture_default_str();
  sub->add_option("--max-url-bytes", o->maxUrlBytes, "Request target limit (414 above)")
      ->check(CLI::Range(uint64_t{64}, uint64_t{1} << 30))
      ->capture_default_str();
  sub->add_option("--max-body-bytes", o->maxBodyBytes, "Request body limit (413 above; 0: none)")
      ->capture_default_str();
  sub->add_option("--header-timeout", o->headerTimeoutS, "Seconds to receive a request head (408)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--idle-timeout", o->idleTimeoutS,
                  "Seconds without a byte moving before an open exchange is cut")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--drain-timeout", o->drainTimeoutS,
                  "Seconds open streams may run on after SIGINT/SIGTERM")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--scrape-interval", o->scrapeIntervalS,
                  "Seconds between reads of the upstream's /info and /metrics (0: once)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->callback([o, &runner] { runner = [o] { return runProxy(*o); }; });
}

int runProxy(const ProxyOptions& o, const std::function<void(int, int)>& onReady) {
  const auto listen = parseHostPort(o.listen, "");
  if (!listen) {
    throw UsageError("--listen '" + o.listen + "': expected HOST:PORT, e.g. 0.0.0.0:8080");
  }
  const UrlResult upstream = parseHttpUrl(o.upstream);
  if (!upstream.url) {
    throw UsageError("--upstream '" + o.upstream + "': " + upstream.error);
  }
  proxy::CaptureRun run;
  if (!o.admin.empty()) {
    run.admin = parseHostPort(o.admin, "127.0.0.1");
    if (!run.admin) {
      throw UsageError("--admin '" + o.admin + "': expected [HOST:]PORT, e.g. 127.0.0.1:9091");
    }
  }
  const auto redact = proxy::redactFromName(o.redact);
  if (!redact) {
    throw UsageError("--redact must be none, prompts or bodies");
  }

  proxy::Config& config = run.config;
  config.listenHost = listen->host;
  config.listenPort = listen->port;
  config.upstream = *upstream.url;
  config.redact = *redact;
  config.maxConnections = o.maxConnections;
  config.maxHeaderBytes = o.maxHeaderBytes;
  config.maxHeaders = o.maxHeaders;
  config.maxUrlBytes = o.maxUrlBytes;
  config.maxBodyBytes = o.maxBodyBytes;
  config.headerTimeoutMs = static_cast<int64_t>(o.headerTimeoutS * 1000);
  config.idleTimeoutMs = static_cast<int64_t>(o.idleTimeoutS * 1000);
  run.db = o.db;
  run.label = o.label;
  run.target = o.upstream;
  run.parametersJson = CaptureParameters{.listen = o.listen,
                                         .redact = o.redact,
                                         .maxConnections = o.maxConnections,
                                         .maxHeaderBytes = o.maxHeaderBytes,
                                         .maxHeaders = o.maxHeaders,
                                         .maxUrlBytes = o.maxUrlBytes,
                                         .maxBodyBytes = o.maxBodyBytes,
                                         .headerTimeoutS = o.headerTimeoutS,
                                         .idleTimeoutS = o.idleTimeoutS,
                                         .scrapeIntervalS = o.scrapeIntervalS}
                           .json();
  run.drainMs = static_cast<int64_t>(o.drainTimeoutS * 1000);
  run.scrapeIntervalMs = static_cast<int64_t>(o.scrapeIntervalS * 1000);
  return proxy::runCapture(run, onReady) ? 0 : kExitRuntimeError;
}

} // namespace tt::cli
