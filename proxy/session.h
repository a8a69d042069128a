#pragma once

#include "core/exchange.h"
#include "core/http_parser.h"
#include "core/sse_splitter.h"
#include "core/tgi_stream.h"
#include "proxy/counters.h"
#include "proxy/sha256.h"

#include <uv.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tt::proxy {

class Server;
class UpstreamConn;

// One client connection and, while an exchange is open, the upstream connection serving it
// (docs/style.md, "One owner, one close path"). The session owns its client handle and timer and
// frees itself in one close path; the upstream connection goes back to the pool or is closed when
// an exchange ends. Requests are handled one at a time in order (pipelined ones wait in
// `pending_`).
class Session {
public:
  explicit Session(Server& server);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Accepts from the listener and starts reading; on failure the session closes itself.
  void start(uv_stream_t* listener);
  // The server is shutting down: close now when no exchange is open, else after it.
  void drain();
  // The one close path: idempotent; `delete this` runs in the last close callback.
  void close();

  // Upstream events, from the UpstreamConn this session holds.
  void onUpstreamConnected(int status);
  void onUpstreamRead(ssize_t nread, const uv_buf_t* buf);
  void onUpstreamWritten(int status);

private:
  friend class Server;

  // The parser handlers: thin adapters onto member functions.
  struct RequestSide final : HttpMessageHandler {
    Session& s;
    explicit RequestSide(Session& session) : s(session) {}
    void onHead(const HttpHead& head) override { s.onRequestHead(head); }
    void onBody(std::string_view chunk) override { s.onRequestBody(chunk); }
    void onMessageComplete(const HttpHead& head) override { s.onRequestComplete(head); }
  };
  struct ResponseSide final : HttpMessageHandler {
    Session& s;
    explicit ResponseSide(Session& session) : s(session) {}
    void onHead(const HttpHead& head) override { s.onResponseHead(head); }
    void onBody(std::string_view chunk) override { s.onResponseBody(chunk); }
    void onMessageComplete(const HttpHead& head) override { s.onResponseComplete(head); }
  };
  struct EventSide final : SseHandler {
    Session& s;
    explicit EventSide(Session& session) : s(session) {}
    void onEvent(const SseEvent& event) override { s.onSseEvent(event); }
    void onComment(std::string_view, uint64_t) override {}
  };

  enum class State {
    Idle,      // waiting for (or reading) a request head
    Exchange,  // a request is being forwarded and/or its response relayed
    Lingering, // an error answer was sent: reading and discarding until the client closes
    Closed,
  };

  // Client leg.
  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onClientRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onClientWritten(uv_write_t* req, int status);
  static void onShutdown(uv_shutdown_t* req, int status);
  static void onTimer(uv_timer_t* timer);
  static void onClosed(uv_handle_t* handle);
  void handleClientData(std::string_view data);
  void handleClientEof(ssize_t status);
  void feedRequest(std::string_view data);

  // Request parser callbacks.
  void onRequestHead(const HttpHead& head);
  void onRequestBody(std::string_view chunk);
  void onRequestComplete(const HttpHead& head);
  // Response parser callbacks.
  void onResponseHead(const HttpHead& head);
  void onResponseBody(std::string_view chunk);
  void onResponseComplete(const HttpHead& head);
  void onSseEvent(const SseEvent& event);

  // Sends what the current callback produced, at once (uv_try_write) or queued.
  void flushClient();
  void flushUpstream();
  // The one place that decides whether each leg is read (watermarks; docs/style.md,
  // "Backpressure in one function").
  void updateReadState();
  void armTimer();

  // Ends the open exchange: records it and releases or closes the upstream connection.
  void finishExchange(Outcome outcome, std::string error);
  // After a complete exchange: close, or take the next (pipelined) request.
  void afterExchange();
  void rejectRequest(HttpError error, std::string_view reason);
  // An answer of the proxy's own (4xx/5xx, TGI-shaped JSON body).
  void sendError(int status, std::string_view message, std::string_view type, bool close);
  void failUpstream(ErrorKind kind, int status, std::string_view message);
  // Closes the client after its queued bytes are sent, reading and discarding meanwhile.
  void closeAfterFlush();
  void resetExchange();

  Server& server_;
  uv_tcp_t client_;
  uv_timer_t timer_;
  uv_shutdown_t shutdownReq_;
  int handlesOpen_ = 0;
  State state_ = State::Idle;
  int64_t now_ = 0; // the clock, read once per callback (docs/style.md, "Injected clock")
  std::string peer_;

  RequestSide requestSide_{*this};
  ResponseSide responseSide_{*this};
  EventSide eventSide_{*this};
  HttpParser requestParser_;
  std::optional<HttpParser> responseParser_;

  std::string clientOut_;   // bytes for the client produced by the current callback
  std::string upstreamOut_; // bytes for the upstream produced by the current callback
  std::string pending_;     // pipelined request bytes waiting for the open exchange to end

  bool clientReading_ = false;
  bool upstreamReading_ = false;
  bool shutdownSent_ = false;
  bool draining_ = false;
  size_t clientWrites_ = 0; // write requests in flight on the client leg

  // Timing, for the idle/header timers (nanoseconds on the injected clock).
  int64_t lastActivityNs_ = 0;
  int64_t idleSinceNs_ = 0; // when the connection last became idle (keep-alive timer)
  int64_t headStartNs_ = 0; // first byte of the request head being read
  bool headStarted_ = false;
  int64_t connectStartNs_ = 0;
  int64_t lingerSinceNs_ = 0;
  int64_t timerDueNs_ = 0;
  bool timerArmed_ = false;

  // The open exchange.
  UpstreamConn* upstream_ = nullptr;
  bool upstreamReused_ = false;
  bool requestDone_ = false;
  bool responseStarted_ = false; // a head went to the client (interim heads excluded)
  bool responseDone_ = false;
  bool upstreamKeepAlive_ = false;
  bool upstreamBroken_ = false; // bytes after the response, or a failure: never pooled
  bool clientKeepAlive_ = true;
  bool clientHttp11_ = true;
  bool closeAfter_ = false; // close the client once this response is sent
  bool requestChunked_ = false;
  bool clientChunked_ = false; // the response is re-chunked towards the client
  bool headRequest_ = false;
  bool sse_ = false;
  Exchange record_;
  bool requestBodyCut_ = false;
  bool responseBodyCut_ = false;
  std::optional<Sha256> requestSha_;
  std::optional<SseSplitter> splitter_;
  TgiStreamTally tally_;

  Session* prev_ = nullptr; // the server's list of sessions
  Session* next_ = nullptr;
};

} // namespace tt::proxy
