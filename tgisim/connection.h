#pragma once

#include "core/exchange.h"
#include "core/http_parser.h"

#include <uv.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tt::tgisim {

class Connection;

// What a connection tells the server that accepted it. The server implements it, so a
// connection knows nothing above itself.
class ConnectionEvents {
public:
  virtual void connectionOpened(Connection& connection) = 0;
  virtual void connectionClosed(Connection& connection) = 0;
  // A whole request, to answer through the connection now or later.
  virtual void request(Connection& connection, const HttpHead& head, std::string_view body) = 0;
  // The request in progress ended: answered, or abandoned because the connection closes.
  virtual void requestEnded(Connection& connection) = 0;

protected:
  ~ConnectionEvents() = default;
};

// One client connection: its socket, request parser and the response in progress. Requests are
// answered one at a time, in order (pipelined bytes wait). Every handle is freed in one close
// path: close() -> uv_close -> onClose deletes the connection.
class Connection final : public HttpMessageHandler {
public:
  Connection(ConnectionEvents& events, uint64_t maxBodyBytes);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Accepts a pending connection of `listener`; on failure the connection closes itself.
  void accept(uv_stream_t* listener);
  // Idempotent; abandons the request in progress (requestEnded).
  void close();
  bool open() const { return state_ == State::Open; }

  // A whole response with Content-Length; ends the request.
  void sendResponse(int status, const Headers& headers, std::string_view body);
  // A chunked response: its head, then chunks, then endStream() ends the request.
  void startStream(int status, const Headers& headers);
  void sendChunk(std::string_view data);
  void endStream();
  // Bytes written and not yet acknowledged by the kernel.
  size_t queuedBytes() const;

private:
  enum class State { Open, Closing };
  struct WriteReq {
    uv_write_t req;
    std::string data;
    Connection* owner;
  };

  void onHead(const HttpHead& head) override;
  void onBody(std::string_view chunk) override;
  void onMessageComplete(const HttpHead& head) override;

  static void onAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_write_t* req, int status);
  static void onClose(uv_handle_t* handle);

  void write(std::string data);
  void feed();
  void feedLoop();
  void answerParseError();
  void requestDone();

  ConnectionEvents& events_;
  uv_tcp_t tcp_{};
  HttpParser parser_;
  std::string input_; // received bytes not parsed yet (while a request is being answered)
  std::string body_;
  HttpHead head_;
  bool messageReady_ = false;
  bool busy_ = false;     // a request is being answered
  bool keepAlive_ = true; // the request in progress allows another after it
  bool closeWhenFlushed_ = false;
  bool reading_ = false;
  bool inFeed_ = false;
  bool headRequest_ = false; // HEAD: the answer has no body
  size_t pendingWrites_ = 0;
  State state_ = State::Open;
  std::array<char, 64 * 1024> readBuffer_{};
};

} // namespace tt::tgisim
