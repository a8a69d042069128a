#include "replay/stored_run.h"

#include "core/realtime.h"
#include "schema/capture_writer.h"

#include <uv.h>

#include <algorithm>
#include <memory>

namespace tt::replay {

StoredRun runAndStore(Store& store, const Clock& clock, const Plan& plan,
                      std::span<const Exchange> sources, const RunOptions& run,
                      const StoredRunOptions& options, std::ostream& err) {
  StoredRun result;
  std::unique_ptr<CaptureWriter> writer;
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    Runner runner(&loop, clock, plan, sources, run,
                  [&writer](Exchange&& e) { writer->submit(std::move(e)); });
    // Connections opened before the zero keep TCP connects out of the first send lags.
    const int pool = plan.closedLoop ? plan.concurrency : options.preconnect;
    if (pool > 0) {
      const int open = runner.preconnect(pool, 10'000);
      if (open < std::min(pool, run.maxConnections)) {
        err << "tracetune: " << open << " of " << std::min(pool, run.maxConnections)
            << " connections opened before the start\n";
      }
    }
    // The run's zero: the shared start instant, or 20 ms from now, time to set up the writer and
    // for the runner to open connections for the first requests ahead of them.
    constexpr int64_t kStartAheadUs = 20'000;
    int64_t originUnixUs = unixNowUs() + kStartAheadUs;
    int64_t originNs = clock.nowNs() + kStartAheadUs * 1000;
    if (options.startAtUnixUs) {
      originNs += (*options.startAtUnixUs - originUnixUs) * 1000;
      originUnixUs = *options.startAtUnixUs;
      if (originUnixUs < unixNowUs()) {
        err << "tracetune: connecting took past --start-at; requests start late\n";
      }
    }
    NewTrace trace = options.trace;
    trace.kind = TraceKind::Replay;
    trace.originUnixUs = originUnixUs;
    trace.state = TraceState::Recording;
    result.traceId = store.createTrace(trace);
    writer = std::make_unique<CaptureWriter>(options.db, result.traceId);
    // After the writer's threads started, so that only this one runs real-time.
    std::optional<RealtimeScope> realtime;
    if (options.realtime) {
      realtime.emplace();
    }
    result.stats = runner.run(originNs);
  }
  uv_loop_close(&loop);
  writer->flush(kExitLockWait);
  result.unwritten = writer->counters().dropped + writer->counters().lost;
  store.setTraceState(result.traceId,
                      result.stats.interrupted ? TraceState::Interrupted : TraceState::Complete);
  return result;
}

} // namespace tt::replay
