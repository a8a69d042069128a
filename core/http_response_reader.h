#pragma once

#include "core/exchange.h"
#include "core/http_parser.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace tt {

// Reads one HTTP/1.1 response off a client connection (HttpClientConnection): says when it ended,
// how, and whether the connection may carry another request. What the response means is the
// subclass's: it hears of the final head, each body chunk, the end or the failure, each with the
// `nowNs` of the read that brought it, so everything one read callback carries has one time.
class HttpResponseReader : private HttpMessageHandler {
public:
  enum class State { Reading, Complete, Failed };

  HttpResponseReader(const HttpResponseReader&) = delete;
  HttpResponseReader& operator=(const HttpResponseReader&) = delete;

  // Parses response bytes; Complete once the message ends, Failed on a malformed response.
  State feed(std::string_view bytes, int64_t nowNs);
  // The connection closed: completes a close-delimited body, else fails as truncated/upstream.
  State eof(int64_t nowNs);
  // Ends the response with `outcome` (timeout, client abort, connection error), unless it ended.
  void fail(Outcome outcome, std::string error, int64_t nowNs);

  State state() const { return state_; }
  // The connection may carry another request (valid once Complete).
  bool keepAlive() const { return keepAlive_; }

protected:
  explicit HttpResponseReader(HttpLimits limits = {});

  // The final head (interim 1xx heads are skipped).
  virtual void onResponseHead(const HttpHead& head, int64_t nowNs) = 0;
  virtual void onResponseBody(std::string_view chunk, int64_t nowNs) = 0;
  // The response ended whole, whatever its status.
  virtual void onResponseComplete(int64_t nowNs) = 0;
  virtual void onResponseFailed(Outcome outcome, std::string error, int64_t nowNs) = 0;

private:
  void onHead(const HttpHead& head) override;
  void onBody(std::string_view chunk) override;
  void onMessageComplete(const HttpHead& head) override;
  void complete();

  HttpParser parser_;
  int64_t nowNs_ = 0; // of the bytes being parsed
  State state_ = State::Reading;
  bool keepAlive_ = false;
};

} // namespace tt
