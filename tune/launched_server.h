#pragma once

#include <sys/types.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace tt::tune {

// A server that could not be started: the message says why and ends with its output's tail.
class LaunchError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// `command` with every `{port}` replaced by `port` and every `{flags}` by `flags`.
std::string fillLaunchTemplate(const std::string& command, int port, const std::string& flags);

// `text` as one word for /bin/sh (in single quotes).
std::string shellQuoted(const std::string& text);

// A free TCP port on 127.0.0.1, as the kernel gives one for port 0 (free when this returns).
int freeLoopbackPort();

// A server started for a validation run or the demo: `command` (a template, see
// fillLaunchTemplate) run by `/bin/sh -c 'exec COMMAND'`, its output in `logPath`. The
// constructor returns once GET /health on 127.0.0.1:port answers 200, and throws LaunchError when
// the command exits first or the time runs out. The destructor stops it (SIGTERM, then SIGKILL
// after 10 s), so that no server is left running.
class LaunchedServer {
public:
  LaunchedServer(const std::string& command, const std::string& flags, const std::string& logPath,
                 std::chrono::seconds healthTimeout);
  ~LaunchedServer();
  LaunchedServer(const LaunchedServer&) = delete;
  LaunchedServer& operator=(const LaunchedServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& command() const { return command_; }
  // Stops the server and waits for it; true when it exited by itself on SIGTERM.
  bool stop();

private:
  int port_ = 0;
  pid_t pid_ = -1;
  std::string command_;
  std::string logPath_;
};

// The last `lines` lines of the file at `path` (a server's output), for an error message.
std::string tailOf(const std::string& path, int lines);

} // namespace tt::tune
