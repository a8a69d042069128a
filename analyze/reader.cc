#include "analyze/reader.h"

#include "core/token_times.h"
#include "schema/server_info.h"

#include <cmath>

namespace tt::analyze {

double serverTimeScale(const TraceInfo& trace) {
  if (trace.kind == TraceKind::Simulation || trace.kind == TraceKind::Import) {
    return 1; // virtual time, or the time of the imported trace
  }
  return ServerInfo::read(trace.serverInfoJson).timeScale;
}

void forEachRecord(
    Store& store, int64_t traceId, double timeScale,
    const std::function<void(const RequestRecord&, std::span<const int64_t>)>& visit) {
  const auto scaled = [timeScale](int64_t us) {
    return static_cast<int64_t>(std::llround(static_cast<double>(us) * timeScale));
  };
  const auto scaledOpt = [&scaled](std::optional<int64_t> us) -> std::optional<int64_t> {
    return us ? std::optional<int64_t>(scaled(*us)) : std::nullopt;
  };
  auto stmt = store.db().prepare(
      "SELECT id, source_request_id, intended_us, sent_us, first_token_us, end_us, "
      "COALESCE(input_tokens, tgi_prompt_tokens), output_tokens, tgi_generated_tokens, "
      "token_count, tgi_queue_us, outcome, token_times "
      "FROM requests WHERE trace_id = ? ORDER BY sent_us, id");
  stmt.bind(1, traceId);
  RequestRecord r;
  std::vector<int64_t> none;
  while (stmt.step()) {
    r.id = stmt.int64(0);
    r.sourceRequestId = stmt.optInt64(1);
    r.intendedUs = scaledOpt(stmt.optInt64(2));
    r.sentUs = scaled(stmt.int64(3));
    r.firstTokenUs = scaledOpt(stmt.optInt64(4));
    r.endUs = scaledOpt(stmt.optInt64(5));
    r.inputTokens = stmt.optInt64(6);
    r.tokenEvents = stmt.int64(9);
    r.outputTokens = stmt.optInt64(7).value_or(stmt.optInt64(8).value_or(r.tokenEvents));
    r.tgiQueueUs = stmt.optInt64(10); // the server's own figure, in its own time already
    r.outcome = outcomeFromName(stmt.text(11)).value_or(Outcome::UpstreamError);
    if (stmt.isNull(12)) {
      visit(r, none);
      continue;
    }
    // A blob this build cannot decode gives no gaps; first_token_us still gives TTFT.
    auto times = decodeTokenTimes(stmt.blob(12), stmt.int64(3));
    if (times && timeScale != 1) {
      for (int64_t& t : *times) {
        t = scaled(t);
      }
    }
    visit(r, times ? std::span<const int64_t>(*times) : std::span<const int64_t>());
  }
}

} // namespace tt::analyze
