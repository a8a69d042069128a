#pragma once

#include <uv.h>

#include <functional>
#include <set>
#include <string>

namespace tt::proxy {

class AdminConn;

// The admin endpoint: GET /metrics (Prometheus text of the proxy itself) and GET /healthz,
// on its own listener (loopback by default), on the proxy's loop. One request per connection.
class AdminServer {
public:
  using Render = std::function<std::string()>;
  AdminServer(uv_loop_t* loop, Render metrics, std::function<bool()> healthy);
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Returns 0, or a libuv error with one line in `error`.
  int start(const std::string& host, int port, std::string* error);
  int port() const { return port_; }
  // Closes the listener and every admin connection; `done` runs when all are closed.
  void close(std::function<void()> done);

private:
  friend class AdminConn;
  static void onConnection(uv_stream_t* listener, int status);
  void connClosed(AdminConn* conn);
  void maybeDone();

  uv_loop_t* loop_;
  Render metrics_;
  std::function<bool()> healthy_;
  uv_tcp_t listener_;
  bool listening_ = false;
  bool listenerClosed_ = false;
  bool closing_ = false;
  int port_ = 0;
  std::set<AdminConn*> conns_;
  std::function<void()> done_;
};

} // namespace tt::proxy
