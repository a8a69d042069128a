#include "proxy/capture_run.h"

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

namespace tt::proxy {
namespace {

// Everything the running proxy holds, on one loop, closed in one place.
struct Running {
  uv_loop_t loop;
  MonotonicClock clock;
  std::unique_ptr<Server> server;
  std::unique_ptr<AdminServer> admin;
  std::unique_ptr<Scraper> scraper;
  uv_signal_t sigint;
  uv_signal_t sigterm;
  bool stopping = false;
  int64_t drainMs = 0;

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

// Stores one scrape: the server's /info when it changed, and the metric samples.
void storeScrape(StateWriter& stateWriter, std::string& lastInfo, Scraper::Result&& r) {
  std::vector<Sample> samples;
  if (r.metricsOk) {
    samples = parsePrometheus(r.metrics, r.tUs);
  }
  if (r.infoOk) {
    nlohmann::json info = nlohmann::json::parse(r.info, nullptr, false);
    if (info.is_object()) {
      // TGI v3's /info lacks the batch token budget; its gauge has it (docs/tgi.md, "/info").
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
}

bool serve(const CaptureRun& c, const std::function<void(int, int)>& onReady) {
  Store store(c.db, Store::Access::Create);
  NewTrace trace;
  trace.kind = TraceKind::Capture;
  trace.label = c.label;
  trace.target = c.target;
  trace.parametersJson = c.parametersJson;
  Running run;
  // The trace's origin on both clocks, read together: wall times derived from the monotonic axis
  // must not precede what the client saw.
  const int64_t originNs = run.clock.nowNs();
  trace.originUnixUs = unixNowUs();
  trace.state = TraceState::Recording;
  const int64_t traceId = store.createTrace(trace);
  CaptureWriter writer(c.db, traceId);
  WriterRecorder recorder(writer);
  StateWriter stateWriter(c.db, traceId);

  uv_loop_init(&run.loop);
  run.drainMs = c.drainMs;
  run.server = std::make_unique<Server>(&run.loop, c.config, recorder, run.clock);
  run.server->setOriginNs(originNs);
  std::string error;
  bool started = true;
  if (run.server->start(&error) != 0) {
    std::cerr << "tracetune proxy: " << error << "\n";
    started = false;
  }
  int adminPort = 0;
  if (started && c.admin) {
    run.admin = std::make_unique<AdminServer>(
        &run.loop,
        [&run, &writer] {
          const WriterCounters w = writer.counters();
          return renderMetrics(run.server->counters(), &w);
        },
        [&run] { return !run.server->shuttingDown(); });
    if (run.admin->start(c.admin->host, c.admin->port, &error) != 0) {
      std::cerr << "tracetune proxy: " << error << "\n";
      started = false;
    }
    adminPort = run.admin->port();
  }
  if (started) {
    run.scraper = std::make_unique<Scraper>(
        &run.loop, c.config.upstream, run.clock, originNs, c.scrapeIntervalMs,
        // The last server info stored lives in the callback, which the scraper keeps.
        [&stateWriter, lastInfo = std::string()](Scraper::Result&& r) mutable {
          storeScrape(stateWriter, lastInfo, std::move(r));
        });
    if (run.scraper->start(&error) != 0) {
      std::cerr << "tracetune proxy: " << error << "\n";
      started = false;
    }
  }
  if (!started) {
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
    return false;
  }

  uv_signal_init(&run.loop, &run.sigint);
  uv_signal_init(&run.loop, &run.sigterm);
  run.sigint.data = run.sigterm.data = &run;
  const auto onSignal = [](uv_signal_t* h, int) { static_cast<Running*>(h->data)->stop(); };
  uv_signal_start(&run.sigint, onSignal, SIGINT);
  uv_signal_start(&run.sigterm, onSignal, SIGTERM);

  std::cerr << "tracetune proxy: listening on " << c.config.listenHost << ":" << run.server->port()
            << ", forwarding to " << c.target << ", recording trace " << traceId << " in " << c.db;
  if (c.admin) {
    std::cerr << "; admin on " << c.admin->host << ":" << adminPort;
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
  const Counters& counters = run.server->counters();
  uint64_t exchanges = 0;
  for (uint64_t n : counters.exchanges) {
    exchanges += n;
  }
  std::cerr << "tracetune proxy: stopped; " << exchanges << " exchanges, " << w.written
            << " recorded, " << w.dropped + w.lost << " not recorded (queue full or disk error)"
            << std::endl;
  return true;
}

} // namespace

bool runCapture(const CaptureRun& run, const std::function<void(int, int)>& onReady) {
  // A proxy that cannot start leaves no database behind that it created.
  std::error_code ec;
  const bool dbExisted = std::filesystem::exists(run.db, ec);
  const bool started = serve(run, onReady);
  if (!started && !dbExisted) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(run.db + suffix, ec);
    }
  }
  return started;
}

} // namespace tt::proxy
