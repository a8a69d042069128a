#include "tools/tracetune/proxy_command.h"

#include "core/clock.h"
#include "core/uv_util.h"
#include "proxy/admin.h"
#include "proxy/metrics.h"
#include "proxy/recorder.h"
#include "proxy/scraper.h"
#include "proxy/server.h"
#include "proxy/state_writer.h"
#include "schema/capture_writer.h"
#include "schema/store.h"

#include <nlohmann/json.hpp>
#include <uv.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

namespace tt::cli {
namespace {

struct HostPort {
  std::string host;
  int port = 0;
};

// HOST:PORT, [IPv6]:PORT, or PORT alone (host `defaultHost`).
std::optional<HostPort> parseHostPort(const std::string& text, const std::string& defaultHost) {
  HostPort hp{defaultHost, 0};
  std::string port = text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    hp.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else if (const size_t colon = text.rfind(':'); colon != std::string::npos) {
    hp.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (hp.host.empty() || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  hp.port = std::stoi(port);
  if (hp.port > 65535) {
    return std::nullopt;
  }
  return hp;
}

UsageError usage(const std::string& line) {
  return UsageError(line);
}

} // namespace

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
      ->check(CLI::IsMember({"none", "prompts", "bodies"}))
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

namespace {

// Everything the running proxy holds, on one loop, closed in one place.
struct Running {
  uv_loop_t loop;
  MonotonicClock clock;
  std::unique_ptr<proxy::Server> server;
  std::unique_ptr<proxy::AdminServer> admin;
  std::unique_ptr<proxy::Scraper> scraper;
  uv_signal_t sigint;
  uv_signal_t sigterm;
  bool stopping = false;
  int64_t drainMs = 0;
  int pending = 0; // parts still closing

  void stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    uv_signal_stop(&sigint);
    uv_signal_stop(&sigterm);
    uv_close(reinterpret_cast<uv_handle_t*>(&sigint), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&sigterm), nullptr);
    std::cerr << "tracetune proxy: stopping (draining up to " << drainMs / 1000.0 << " s)\n";
    if (admin) {
      admin->close([] {});
    }
    if (scraper) {
      scraper->stop([] {});
    }
    server->shutdown(drainMs, [] {});
  }
};

int serve(const ProxyOptions& o, const proxy::Config& config, const std::optional<HostPort>& admin,
          const std::function<void(int, int)>& onReady);

} // namespace

int runProxy(const ProxyOptions& o, const std::function<void(int, int)>& onReady) {
  const auto listen = parseHostPort(o.listen, "");
  if (!listen) {
    throw usage("--listen '" + o.listen + "': expected HOST:PORT, e.g. 0.0.0.0:8080");
  }
  const UrlResult upstream = parseHttpUrl(o.upstream);
  if (!upstream.url) {
    throw usage("--upstream '" + o.upstream + "': " + upstream.error);
  }
  std::optional<HostPort> admin;
  if (!o.admin.empty()) {
    admin = parseHostPort(o.admin, "127.0.0.1");
    if (!admin) {
      throw usage("--admin '" + o.admin + "': expected [HOST:]PORT, e.g. 127.0.0.1:9091");
    }
  }
  const auto redact = proxy::redactFromName(o.redact);
  if (!redact) {
    throw usage("--redact must be none, prompts or bodies");
  }

  proxy::Config config;
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

  // A proxy that cannot start leaves no database behind that it created.
  std::error_code ec;
  const bool dbExisted = std::filesystem::exists(o.db, ec);
  const int status = serve(o, config, admin, onReady);
  if (status != 0 && !dbExisted) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(o.db + suffix, ec);
    }
  }
  return status;
}

namespace {

int serve(const ProxyOptions& o, const proxy::Config& config, const std::optional<HostPort>& admin,
          const std::function<void(int, int)>& onReady) {
  Store store(o.db, Store::Access::Create);
  NewTrace trace;
  trace.kind = TraceKind::Capture;
  trace.label = o.label;
  trace.target = o.upstream;
  trace.parametersJson = nlohmann::json{
      {"listen", o.listen},
      {"redact", o.redact},
      {"max_connections", o.maxConnections},
      {"max_header_bytes", o.maxHeaderBytes},
      {"max_headers", o.maxHeaders},
      {"max_url_bytes", o.maxUrlBytes},
      {"max_body_bytes", o.maxBodyBytes},
      {"header_timeout_s", o.headerTimeoutS},
      {"idle_timeout_s", o.idleTimeoutS},
      {"scrape_interval_s",
       o.scrapeIntervalS}}.dump();
  Running run;
  // The trace's origin on both clocks, read together: wall times derived from the monotonic axis
  // must not precede what the client saw.
  const int64_t originNs = run.clock.nowNs();
  trace.originUnixUs = unixNowUs();
  trace.state = TraceState::Recording;
  const int64_t traceId = store.createTrace(trace);
  CaptureWriter writer(o.db, traceId);
  proxy::WriterRecorder recorder(writer);
  proxy::StateWriter stateWriter(o.db, traceId);

  uv_loop_init(&run.loop);
  run.drainMs = static_cast<int64_t>(o.drainTimeoutS * 1000);
  run.server = std::make_unique<proxy::Server>(&run.loop, config, recorder, run.clock);
  run.server->setOriginNs(originNs);
  std::string error;
  int status = 0;
  if (run.server->start(&error) != 0) {
    std::cerr << "tracetune proxy: " << error << "\n";
    status = kExitRuntimeError;
  }
  int adminPort = 0;
  if (status == 0 && admin) {
    run.admin = std::make_unique<proxy::AdminServer>(
        &run.loop,
        [&run, &writer] {
          const WriterCounters w = writer.counters();
          return proxy::renderMetrics(run.server->counters(), &w);
        },
        [&run] { return !run.server->shuttingDown(); });
    if (run.admin->start(admin->host, admin->port, &error) != 0) {
      std::cerr << "tracetune proxy: " << error << "\n";
      status = kExitRuntimeError;
    }
    adminPort = run.admin->port();
  }
  if (status == 0) {
    run.scraper = std::make_unique<proxy::Scraper>(
        &run.loop, config.upstream, run.clock, originNs,
        static_cast<int64_t>(o.scrapeIntervalS * 1000),
        // The last server info stored lives in the callback, which the scraper keeps.
        [&stateWriter, lastInfo = std::string()](proxy::Scraper::Result&& r) mutable {
          std::vector<Sample> samples;
          if (r.metricsOk) {
            samples = proxy::parsePrometheus(r.metrics, r.tUs);
          }
          if (r.infoOk) {
            nlohmann::json info = nlohmann::json::parse(r.info, nullptr, false);
            if (info.is_object()) {
              // TGI v3's /info lacks the batch token budget; its gauge has it (docs/tgi.md,
              // "/info").
              for (const Sample& s : samples) {
                if (s.name == "tgi_batch_max_total_tokens") {
                  info["max_batch_total_tokens"] = static_cast<int64_t>(s.value);
                }
              }
              std::string json = info.dump();
              if (json != lastInfo) {
                lastInfo = json;
                stateWriter.postServerInfo(std::move(json));
              }
            }
          }
          if (!samples.empty()) {
            stateWriter.postSamples(std::move(samples));
          }
        });
    if (run.scraper->start(&error) != 0) {
      std::cerr << "tracetune proxy: " << error << "\n";
      status = kExitRuntimeError;
    }
  }
  if (status != 0) {
    if (run.scraper) {
      run.scraper->stop([] {});
    }
    if (run.admin) {
      run.admin->close([] {});
    }
    run.server->shutdown(0, [] {});
    uv_run(&run.loop, UV_RUN_DEFAULT);
    closeLoop(&run.loop);
    store.deleteTrace(traceId); // nothing was captured: leave the database as it was
    return status;
  }

  uv_signal_init(&run.loop, &run.sigint);
  uv_signal_init(&run.loop, &run.sigterm);
  run.sigint.data = run.sigterm.data = &run;
  const auto onSignal = [](uv_signal_t* h, int) { static_cast<Running*>(h->data)->stop(); };
  uv_signal_start(&run.sigint, onSignal, SIGINT);
  uv_signal_start(&run.sigterm, onSignal, SIGTERM);

  std::cerr << "tracetune proxy: listening on " << config.listenHost << ":" << run.server->port()
            << ", forwarding to " << o.upstream << ", recording trace " << traceId << " in "
            << o.db;
  if (admin) {
    std::cerr << "; admin on " << admin->host << ":" << adminPort;
  }
  std::cerr << std::endl;
  if (onReady) {
    onReady(run.server->port(), adminPort);
  }

  uv_run(&run.loop, UV_RUN_DEFAULT);
  closeLoop(&run.loop);
  writer.flush(kExitLockWait);
  store.setTraceState(traceId, TraceState::Complete);
  const WriterCounters w = writer.counters();
  const proxy::Counters& c = run.server->counters();
  uint64_t exchanges = 0;
  for (uint64_t n : c.exchanges) {
    exchanges += n;
  }
  std::cerr << "tracetune proxy: stopped; " << exchanges << " exchanges, " << w.written
            << " recorded, " << w.dropped + w.lost << " not recorded (queue full or disk error)"
            << std::endl;
  return 0;
}

} // namespace

} // namespace tt::cli
