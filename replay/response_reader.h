#pragma once

#include "core/exchange.h"
#include "core/http_parser.h"
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
// each call is given, so every timestamp of one read callback is the same instant.
class ResponseReader final : private HttpMessageHandler, private SseHandler {
public:
  enum class State { Reading, Complete, Failed };

  ResponseReader(Exchange& exchange, int64_t originNs, size_t maxBodyBytes = 1 << 20);
  ResponseReader(const ResponseReader&) = delete;
  ResponseReader& operator=(const ResponseReader&) = delete;

  // Parses response bytes; Complete once the message ends, Failed on a malformed response.
  State feed(std::string_view bytes, int64_t nowNs);
  // The connection closed: completes a close-delimited body, else fails as truncated/upstream.
  State eof(int64_t nowNs);
  // Ends the exchange with `outcome` (timeout, client abort, connection error).
  void fail(Outcome outcome, std::string error, int64_t nowNs);

  State state() const { return state_; }
  // The connection may carry another request (valid once Complete).
  bool keepAlive() const { return keepAlive_; }

private:
  void onHead(const HttpHead& head) override;
  void onBody(std::string_view chunk) override;
  void onMessageComplete(const HttpHead& head) override;
  void onEvent(const SseEvent& event) override;
  void onComment(std::string_view, uint64_t) override {}
  void finishOk();
  int64_t us(int64_t ns) const { return (ns - originNs_) / 1000; }

  Exchange& exchange_;
  int64_t originNs_;
  size_t maxBodyBytes_;
  HttpParser parser_;
  SseSplitter splitter_;
  TgiStreamTally tally_;
  bool sse_ = false;
  bool keepAlive_ = false;
  int64_t nowNs_ = 0;
  State state_ = State::Reading;
};

} // namespace tt::replay
