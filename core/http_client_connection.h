#pragma once

#include "core/clock.h"
#include "core/exchange.h"
#include "core/http_response_reader.h"

#include <uv.h>

#include <cstdint>
#include <string>

namespace tt {

class HttpClientConnection;

// What a client connection tells its owner. Each callback runs on the loop thread.
class HttpClientConnectionOwner {
public:
  virtual ~HttpClientConnectionOwner() = default;
  // The TCP connect finished; status < 0 is the libuv error (the connection then closes).
  virtual void onConnected(HttpClientConnection& connection, int status) = 0;
  // The request ended (its reader is Complete or Failed). The connection is idle() again when it
  // can carry another request; otherwise it is already closing.
  virtual void onRequestDone(HttpClientConnection& connection) = 0;
  // Every handle is closed: the owner may now destroy the connection.
  virtual void onClosed(HttpClientConnection& connection) = 0;
  // A read was handled. One turn of the loop can carry hundreds of reads; an owner with work
  // due at a set time does it here instead of waiting for the turn to end.
  virtual void afterRead(int64_t /*nowNs*/) {}
};

// One keep-alive HTTP/1.1 client connection carrying one request at a time: replay's, the
// preflight's and the proxy's scraper's. Every handle is freed in one close path (close() is
// idempotent; onClosed fires once, after the last handle).
class HttpClientConnection {
public:
  HttpClientConnection(uv_loop_t* loop, HttpClientConnectionOwner& owner, const Clock& clock);
  HttpClientConnection(const HttpClientConnection&) = delete;
  HttpClientConnection& operator=(const HttpClientConnection&) = delete;

  // Starts connecting; onConnected reports the result, UV_ETIMEDOUT when the connect has not
  // finished after timeoutMs (0: the system's limit).
  void connect(const sockaddr* address, uint64_t timeoutMs = 0);
  // Writes `wire` (request head and body) and reads its response into `reader`; the request
  // fails with Timeout when it has not ended after timeoutMs (0: no limit). Needs idle().
  void send(std::string wire, HttpResponseReader& reader, uint64_t timeoutMs);
  // Fails the current request (if any) with `outcome` and closes.
  void abort(Outcome outcome, const std::string& why);
  void close();

  bool idle() const { return state_ == State::Idle; }
  bool closing() const { return state_ == State::Closing; }
  int64_t connectStartedNs() const { return connectStartedNs_; }

private:
  enum class State { New, Connecting, Idle, Busy, Closing };
  // One per write: a keep-alive connection can start its next request before libuv has run the
  // previous write's callback, so the request and its bytes cannot be members.
  struct Write {
    uv_write_t req;
    std::string bytes;
    HttpClientConnection* connection;
  };

  static void onConnect(uv_connect_t* req, int status);
  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  void handleRead(ssize_t nread, const uv_buf_t* buf, int64_t nowNs);
  static void onWrite(uv_write_t* req, int status);
  static void onTimeout(uv_timer_t* timer);
  static void onHandleClosed(uv_handle_t* handle);
  void finishRequest(bool reuse);

  uv_loop_t* loop_;
  HttpClientConnectionOwner& owner_;
  const Clock& clock_;
  uv_tcp_t tcp_;
  uv_timer_t timer_; // the connect's limit, then each request's
  uv_connect_t connectReq_;
  HttpResponseReader* reader_ = nullptr;
  int64_t connectStartedNs_ = 0;
  State state_ = State::New;
  int pendingCloses_ = 0;
};

} // namespace tt
