#pragma once

#include "core/exchange.h"
#include "core/http_response_reader.h"
#include "core/sse_splitter.h"
#include "core/tgi_stream.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tt::replay {

// Reads one response into its Exchange: status and headers, the arrival of every token event
// (through the shared SSE splitter and TGI event classifier), the body (up to a cap), the end,
// the outcome. Times are microseconds from `originNs` (the replay's zero), taken from the `nowNs`
// of the read that brought each part, so every timestamp of one read callback is the same instant.
class ResponseReader final : public HttpResponseReader, private SseHandler {
public:
  ResponseReader(Exchange& exchange, int64_t originNs, size_t maxBodyBytes = 1 << 20);

private:
  void onResponseHead(const HttpHead& head, int64_t nowNs) override;
  void onResponseBody(std::string_view chunk, int64_t nowNs) override;
  void onResponseComplete(int64_t nowNs) override;
  void onResponseFailed(Outcome outcome, std::string error, int64_t nowNs) override;
  void onEvent(const SseEvent& event) override;
  void onComment(std::string_view, uint64_t) override {}
  int64_t us(int64_t ns) const { return (ns - originNs_) / 1000; }

  Exchange& exchange_;
  int64_t originNs_;
  size_t maxBodyBytes_;
  SseSplitter splitter_;
  TgiStreamTally tally_;
  bool sse_ = false;
  int64_t chunkNs_ = 0; // the time of the body chunk whose events the splitter is reporting
};

} // namespace tt::replay
