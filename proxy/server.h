#pragma once

#include "core/clock.h"
#include "proxy/config.h"
#include "proxy/counters.h"
#include "proxy/recorder.h"

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>

namespace tt::proxy {

class Session;
class Server;

// One TCP connection to the upstream. While a session uses it, that session alone reads,
// writes and decides its fate; between exchanges it waits in the server's idle pool, read
// (so that a close by the upstream is seen) but never written. Freed only in its close callback.
class UpstreamConn {
public:
  explicit UpstreamConn(Server& server);
  UpstreamConn(const UpstreamConn&) = delete;
  UpstreamConn& operator=(const UpstreamConn&) = delete;

  uv_tcp_t* tcp() { return &tcp_; }
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }
  bool connected() const { return connected_; }
  size_t queuedBytes() const { return tcp_.write_queue_size; }
  // The one close path: idempotent; the object deletes itself in the close callback.
  void close();

  static void onAllocRead(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);

private:
  friend class Server;
  friend class Session;
  static void onConnect(uv_connect_t* req, int status);
  static void onClosed(uv_handle_t* handle);

  Server& server_;
  uv_tcp_t tcp_;
  uv_connect_t connectReq_;
  Session* owner_ = nullptr;
  bool connected_ = false;
  bool closing_ = false;
  bool idle_ = false;
  size_t pendingWrites_ = 0;
  UpstreamConn* prevIdle_ = nullptr;
  UpstreamConn* nextIdle_ = nullptr;
};

// The capture proxy's listener, its sessions and its upstream pool, on one libuv loop. No
// globals: two servers can run in one process (docs/style.md, "No globals").
class Server {
public:
  Server(uv_loop_t* loop, const Config& config, Recorder& recorder, const Clock& clock);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Resolves the upstream and listens. Returns 0, or a libuv error with one line in `error`.
  int start(std::string* error);
  int port() const { return port_; }

  // Stops accepting; sessions between exchanges close now, open exchanges may finish until
  // `drainMs` has passed, then everything is closed. `done` runs once every handle is closed.
  void shutdown(int64_t drainMs, std::function<void()> done);
  bool shuttingDown() const { return shuttingDown_; }

  const Config& config() const { return config_; }
  const Clock& clock() const { return clock_; }
  Recorder& recorder() { return recorder_; }
  Counters& counters() { return counters_; }
  const Counters& counters() const { return counters_; }
  uv_loop_t* loop() { return loop_; }
  // The zero of the trace's time axis (Exchange times are microseconds from it).
  int64_t originNs() const { return originNs_; }
  void setOriginNs(int64_t ns) { originNs_ = ns; }

  // The per-loop read buffer: every read is consumed inside its callback, so one buffer
  // serves every connection and a session holds no read buffer of its own (docs/style.md,
  // "Buffers and write requests").
  uv_buf_t readBuffer() { return uv_buf_init(readBuffer_, sizeof readBuffer_); }

private:
  friend class Session;
  friend class UpstreamConn;

  // A connection to the upstream for `owner`: an idle pooled one (still read), or a new one
  // connecting.
  UpstreamConn* acquireUpstream(Session* owner, bool* reused);
  // Back to the pool when `reusable` (read while idle), else closed.
  void releaseUpstream(UpstreamConn* conn, bool reusable);
  void removeIdle(UpstreamConn* conn);
  void onIdleUpstreamRead(UpstreamConn* conn, ssize_t nread);
  void sessionOpened(Session* session);
  void sessionClosed(Session* session);
  void upstreamClosed();
  void maybeFinishShutdown();
  static void onConnection(uv_stream_t* listener, int status);
  static void refuseConnection(uv_stream_t* listener);
  static void onDrainTimer(uv_timer_t* timer);
  static void onHandleClosed(uv_handle_t* handle);

  uv_loop_t* loop_;
  Config config_;
  Recorder& recorder_;
  const Clock& clock_;
  Counters counters_;
  int64_t originNs_ = 0;

  sockaddr_storage upstreamAddr_{};
  uv_tcp_t listener_;
  uv_timer_t drainTimer_;
  bool started_ = false;
  int port_ = 0;
  int ownHandlesOpen_ = 0;

  Session* sessionsHead_ = nullptr;
  size_t sessions_ = 0;
  UpstreamConn* idleHead_ = nullptr;
  size_t idle_ = 0;
  size_t upstreamOpen_ = 0;

  bool shuttingDown_ = false;
  bool shutdownDone_ = false;
  std::function<void()> onShutdown_;

  static constexpr size_t kReadBufferBytes = 64 * 1024;
  char readBuffer_[kReadBufferBytes];
};

} // namespace tt::proxy
