#include "analyze/reader.h"

#include "core/token_times.h"

namespace tt::analyze {

void forEachRecord(
    Store& store, int64_t traceId,
    const std::function<void(const RequestRecord&, std::span<const int64_t>)>& visit) {
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
    r.intendedUs = stmt.optInt64(2);
    r.sentUs = stmt.int64(3);
    r.firstTokenUs = stmt.optInt64(4);
    r.endUs = stmt.optInt64(5);
    r.inputTokens = stmt.optInt64(6);
    r.tokenEvents = stmt.int64(9);
    r.outputTokens = stmt.optInt64(7).value_or(stmt.optInt64(8).value_or(r.tokenEvents));
    r.tgiQueueUs = stmt.optInt64(10);
    r.outcome = outcomeFromName(stmt.text(11)).value_or(Outcome::UpstreamError);
    if (stmt.isNull(12)) {
      visit(r, none);
      continue;
    }
    // A blob this build cannot decode gives no gaps; first_token_us still gives TTFT.
    const auto times = decodeTokenTimes(stmt.blob(12), r.sentUs);
    visit(r, times ? std::span<const int64_t>(*times) : std::span<const int64_t>());
  }
}

} // namespace tt::analyze
