#pragma once

#include <uv.h>

#include <string>

namespace tt {

// Closes every handle on `loop` that is not already closing (uv_walk + uv_close), runs the loop
// until the close callbacks are done, and returns uv_loop_close's result: 0 when the loop is
// empty. Handles closed here get a null close callback, so their owners must not free them in
// one; it is the last step of a test or of a server's shutdown.
int closeLoop(uv_loop_t* loop);

// An initialised loop that closes itself: tests end with `REQUIRE(guard.close() == 0)`.
class LoopGuard {
public:
  LoopGuard();
  ~LoopGuard();
  LoopGuard(const LoopGuard&) = delete;
  LoopGuard& operator=(const LoopGuard&) = delete;

  uv_loop_t* get() { return &loop_; }
  // closeLoop() once; later calls return the first result.
  int close();

private:
  uv_loop_t loop_;
  bool closed_ = false;
  int result_ = 0;
};

// Initialises `server` on `loop`, binds it to host:port (port 0 picks a free port) and listens.
// On success returns 0 and stores the bound port; on failure returns the libuv error and leaves
// `server` initialised (close it). `error` gets one line saying what failed.
int listenTcp(uv_loop_t* loop, uv_tcp_t* server, const std::string& host, int port, int backlog,
              uv_connection_cb onConnection, int* boundPort, std::string* error);

// The local port of a bound or connected TCP handle, or a negative libuv error.
int localPort(const uv_tcp_t* handle);

// Disables Nagle's algorithm, so each token event leaves at once. Returns the libuv result.
int setNoDelay(uv_tcp_t* handle);

} // namespace tt
